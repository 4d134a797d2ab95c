"""The router's usage record: its CloudWatch namespace, metrics, dimension sets and properties.

One embedded-metric-format (EMF) record per model request. The router writes it; the
operations module's alarms, dashboard and chargeback queries read it, by these names.
"""

from __future__ import annotations

DEFAULT_NAMESPACE = "AiGateway"
NAMESPACE_PATTERN = "^[A-Za-z0-9._/#:-]{1,255}$"
# The `service` dimension's value on every record.
SERVICE = "router"

TENANT = "tenant"
MODEL = "model"
BACKEND = "backend"
SERVICE_DIMENSION = "service"
# Each set is its own CloudWatch metric: per tenant and model for drill-down, per model
# (alarms on a model across tenants), per tenant (spend), and the whole router.
BY_TENANT_AND_MODEL = (TENANT, MODEL, BACKEND, SERVICE_DIMENSION)
BY_MODEL = (MODEL, SERVICE_DIMENSION)
BY_TENANT = (TENANT, SERVICE_DIMENSION)
OVERALL = (SERVICE_DIMENSION,)
DIMENSION_SETS = (BY_TENANT_AND_MODEL, BY_MODEL, BY_TENANT, OVERALL)
# Dimension value when a request never got as far (no tenant in context, no model tried).
UNKNOWN = "-"

# Metric -> CloudWatch unit. 0/1 metrics make their `Average` a rate; `Latency`'s sample count is requests.
ERRORS = "Errors"
THROTTLED = "Throttled"
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
LATENCY = "Latency"
CACHE_HITS = "CacheHits"
FALLBACKS = "Fallbacks"
ESTIMATED_COST = "EstimatedCostUSD"
UNITS = {
    ERRORS: "Count",
    THROTTLED: "Count",
    INPUT_TOKENS: "Count",
    OUTPUT_TOKENS: "Count",
    LATENCY: "Milliseconds",
    CACHE_HITS: "Count",
    FALLBACKS: "Count",
    # Written only when the model has prices.
    ESTIMATED_COST: "None",
}

# Properties: searchable in Logs Insights, not dimensions (they would multiply metric cost).
PROMPT = "prompt"
PROMPT_VERSION = "prompt_version"
# The routing decision that chose the model (contract.routing: `rule:<name>`, the strategy, `pin`, ...).
DECISION = "decision"
PROPERTIES = ("request_id", "route", "alias", PROMPT, PROMPT_VERSION, "arm", DECISION, "status", "cache", "fallback")
# A request names its prompt for chargeback in OpenAI's `metadata` map, under this key.
PROMPT_METADATA_KEY = "prompt"
PROMPT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$"

# The router's log line for a token-counter write to correct (the operations module counts them).
BUDGET_RECONCILE_MESSAGE = "budget reconcile"

# The transform Lambda's record (`service` = TRANSFORM_SERVICE), one per request: per tenant, model
# and variant for A/B comparison, per model and variant (alarms on a variant across tenants), per
# tenant, and the whole function.
TRANSFORM_SERVICE = "transform"
VARIANT = "variant"
TRANSFORM_BY_TENANT_MODEL_VARIANT = (TENANT, MODEL, VARIANT, SERVICE_DIMENSION)
TRANSFORM_BY_MODEL_VARIANT = (MODEL, VARIANT, SERVICE_DIMENSION)
TRANSFORM_DIMENSION_SETS = (TRANSFORM_BY_TENANT_MODEL_VARIANT, TRANSFORM_BY_MODEL_VARIANT, BY_TENANT, OVERALL)
PREDICTIONS = "Predictions"
MODEL_LATENCY = "ModelLatency"
TRANSFORM_UNITS = {
    ERRORS: "Count",
    THROTTLED: "Count",
    # Instances scored (a batch of 10 counts 10).
    PREDICTIONS: "Count",
    LATENCY: "Milliseconds",
    # The endpoint calls alone, retries included: Latency less this is the transform's own time.
    MODEL_LATENCY: "Milliseconds",
}
TRANSFORM_PROPERTIES = ("request_id", "status", "attempts")

# The router's guardrail record: one per request and guardrail category that acted, per tenant, route and
# category (who trips what, where), per category (alarms across tenants), and the whole router.
CATEGORY = "category"
ROUTE = "route"
GUARDRAIL_BY_TENANT_ROUTE_CATEGORY = (TENANT, ROUTE, CATEGORY, SERVICE_DIMENSION)
GUARDRAIL_BY_CATEGORY = (CATEGORY, SERVICE_DIMENSION)
GUARDRAIL_DIMENSION_SETS = (GUARDRAIL_BY_TENANT_ROUTE_CATEGORY, GUARDRAIL_BY_CATEGORY, OVERALL)
GUARDRAIL_BLOCKED = "GuardrailBlocked"
GUARDRAIL_MASKED = "GuardrailMasked"
GUARDRAIL_FLAGGED = "GuardrailFlagged"
GUARDRAIL_LOGGED = "GuardrailLogged"
GUARDRAIL_FAILED = "GuardrailFailed"
GUARDRAIL_UNITS = dict.fromkeys(
    (GUARDRAIL_BLOCKED, GUARDRAIL_MASKED, GUARDRAIL_FLAGGED, GUARDRAIL_LOGGED, GUARDRAIL_FAILED), "Count"
)
GUARDRAIL_PROPERTIES = ("request_id", "policy", "where")
