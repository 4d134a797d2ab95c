"""Every alarm of the operations module, as typed data: the metric it reads, how, and what trips it.

The stack renders each `Watch` into a CloudWatch alarm (one per item when it watches a
collection: functions, tables, models, tenants) and the dashboard draws a widget from
the same entry, so the two never disagree. Only metrics something emits are named:
AWS services' documented metrics with their documented dimensions, the router's usage
record (`contract.metrics`) and the module's own log metric filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contract import metrics as emf
from modules_src.common.expressions import Expr
from modules_src.operations.thresholds import BY_KEY

API_GATEWAY = Expr('"AWS/ApiGateway"')
LAMBDA = Expr('"AWS/Lambda"')
DYNAMODB = Expr('"AWS/DynamoDB"')
WAF = Expr('"AWS/WAFV2"')
BEDROCK = Expr('"AWS/Bedrock"')
# The DynamoDB operations the gateway's functions and Terraform call (SystemErrors is per operation).
TABLE_OPERATIONS = ("GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query")
DAY_SECONDS = 86_400
# Log metric filters: the metric each writes (in the gateway's own namespace of filter metrics).
STAGE_THROTTLED = "StageThrottled"
BUDGET_RECONCILE = "BudgetReconcile"


@dataclass(frozen=True)
class Metric:
    namespace: Expr
    name: str
    stat: str
    dimensions: tuple[tuple[str, Expr], ...] = ()


# (item key, item value) -> what is watched for that item; non-collection watches ignore both.
Metrics = Callable[[Expr, Expr], tuple[Metric, ...]]
Amount = Callable[[Expr, Expr], Expr]


@dataclass(frozen=True)
class Watch:
    key: str
    section: str
    title: str
    # The threshold whose reasoning the alarm's description gives, or that reasoning itself.
    reason: str
    threshold: Amount
    metrics: Metrics
    # Metric math over m0, m1, ... (HCL template text); None: the one metric itself.
    expression: str | None = None
    period: int = 300
    periods: int = 1
    # A map to create one alarm per entry of (by its keys); None: one alarm.
    each: Expr | None = None
    # Exists only when this is true (None: always).
    when: Expr | None = None

    @property
    def why(self) -> str:
        return BY_KEY[self.reason].why if self.reason in BY_KEY else self.reason

    def __post_init__(self) -> None:
        if self.reason not in BY_KEY and not self.reason.endswith("."):
            raise ValueError(f"watch {self.key}: {self.reason!r} is neither a threshold nor a reason")
        if self.period not in (60, 300, DAY_SECONDS) or not 1 <= self.periods <= 5:
            raise ValueError(f"watch {self.key}: period {self.period} x {self.periods} is not one this module uses")


@dataclass(frozen=True)
class Sources:
    """The expressions the watches read: the gateway's description, thresholds, and derived collections."""

    gateway: Expr
    thresholds: Expr
    web_acl_name: Expr
    region: Expr
    # alias -> model, the models alarmed on; model_id -> aliases, their Bedrock ones.
    models: Expr
    bedrock_models: Expr
    # tenant id -> daily token budget, the budgeted tenants; tenant id -> USD.
    budgeted_tenants: Expr
    tenant_spend: Expr
    # Namespace of the module's log metric filters.
    filter_namespace: Expr

    def limit(self, key: str) -> Expr:
        return Expr(f"{self.thresholds.text}.{key}")

    def field(self, name: str) -> Expr:
        return Expr(f"{self.gateway.text}.{name}")


def _fixed(expr: Expr) -> Amount:
    return lambda _key, _value: expr


def _router(name: str, stat: str, dimension: str, key: Expr, namespace: Expr) -> Metric:
    return Metric(namespace, name, stat, ((dimension, key), (emf.SERVICE_DIMENSION, Expr(f'"{emf.SERVICE}"'))))


def watches(s: Sources) -> tuple[Watch, ...]:
    stage = (("ApiName", s.field("rest_api_name")), ("Stage", s.field("stage_name")))
    namespace = s.field("metrics_namespace")
    min_requests = s.limit("min_model_requests").text

    def model_rate(metric: str) -> Metrics:
        return lambda key, _v: (
            _router(metric, "Sum", emf.MODEL, key, namespace),
            _router(emf.LATENCY, "SampleCount", emf.MODEL, key, namespace),
        )

    # A model's rate once it served enough requests to judge (else 0: not breaching).
    rate = f"IF(m1 >= ${{{min_requests}}}, m0 / m1, 0)"

    def total(count: int) -> str:
        """The sum of m0..m<count-1>, a missing datapoint counted as 0 (a sum of series would drop it)."""
        return " + ".join(f"FILL(m{i}, 0)" for i in range(count))

    return (
        # -- edge -------------------------------------------------------------------------------------
        Watch("api-5xx-rate", "edge", "Stage 5XX rate", "api_5xx_rate", _fixed(s.limit("api_5xx_rate")),
              lambda _k, _v: (Metric(API_GATEWAY, "5XXError", "Average", stage),), periods=3),
        Watch("api-4xx-rate", "edge", "Stage 4XX rate", "api_4xx_rate", _fixed(s.limit("api_4xx_rate")),
              lambda _k, _v: (Metric(API_GATEWAY, "4XXError", "Average", stage),), periods=3),
        Watch("api-p99-latency", "edge", "Stage latency p99 (ms)", "api_p99_latency_ms",
              _fixed(s.limit("api_p99_latency_ms")),
              lambda _k, _v: (Metric(API_GATEWAY, "Latency", "p99", stage),), periods=3),
        Watch("integration-p99-latency", "edge", "Integration latency p99 (ms)", "integration_p99_latency_ms",
              _fixed(s.limit("integration_p99_latency_ms")),
              lambda _k, _v: (Metric(API_GATEWAY, "IntegrationLatency", "p99", stage),), periods=3),
        Watch("throttled-requests", "edge", "429 answers of the stage", "throttled_requests",
              _fixed(s.limit("throttled_requests")),
              lambda _k, _v: (Metric(s.filter_namespace, STAGE_THROTTLED, "Sum"),)),
        Watch("waf-blocked-requests", "edge", "Requests blocked by the web ACL", "waf_blocked_requests",
              _fixed(s.limit("waf_blocked_requests")),
              lambda _k, _v: (Metric(WAF, "BlockedRequests", "Sum", (
                  ("WebACL", s.web_acl_name), ("Region", s.region), ("Rule", Expr('"ALL"')))),),
              when=Expr(f"{s.web_acl_name.text} != null")),
        # -- functions ----------------------------------------------------------------------------------
        Watch("lambda-errors", "functions", "Function errors", "lambda_errors", _fixed(s.limit("lambda_errors")),
              lambda _k, v: (Metric(LAMBDA, "Errors", "Sum", (("FunctionName", Expr(f"{v.text}.name")),)),),
              each=s.field("functions")),
        Watch("lambda-throttles", "functions", "Function throttles", "lambda_throttles",
              _fixed(s.limit("lambda_throttles")),
              lambda _k, v: (Metric(LAMBDA, "Throttles", "Sum", (("FunctionName", Expr(f"{v.text}.name")),)),),
              each=s.field("functions")),
        Watch("lambda-duration", "functions", "Function duration p99 (ms) against its timeout",
              "lambda_duration_ratio",
              lambda _k, v: Expr(f"{v.text}.timeout_seconds * 1000 * {s.limit('lambda_duration_ratio').text}"),
              lambda _k, v: (Metric(LAMBDA, "Duration", "p99", (("FunctionName", Expr(f"{v.text}.name")),)),),
              periods=3, each=s.field("functions")),
        Watch("lambda-concurrency", "functions", "Concurrent executions", "lambda_concurrency",
              _fixed(s.limit("lambda_concurrency")),
              lambda _k, v: (
                  Metric(LAMBDA, "ConcurrentExecutions", "Maximum", (("FunctionName", Expr(f"{v.text}.name")),)),),
              period=60, periods=3, each=s.field("functions")),
        # -- tables ---------------------------------------------------------------------------------------
        Watch("dynamodb-throttles", "tables", "Throttled reads and writes", "dynamodb_throttles",
              _fixed(s.limit("dynamodb_throttles")),
              lambda _k, v: tuple(Metric(DYNAMODB, name, "Sum", (("TableName", v),))
                                  for name in ("ReadThrottleEvents", "WriteThrottleEvents")),
              expression=total(2), each=s.field("tables")),
        Watch("dynamodb-system-errors", "tables", "DynamoDB system errors", "dynamodb_system_errors",
              _fixed(s.limit("dynamodb_system_errors")),
              lambda _k, v: tuple(Metric(DYNAMODB, "SystemErrors", "Sum",
                                         (("TableName", v), ("Operation", Expr(f'"{op}"'))))
                                  for op in TABLE_OPERATIONS),
              expression=total(len(TABLE_OPERATIONS)), each=s.field("tables")),
        # -- models ---------------------------------------------------------------------------------------
        Watch("model-error-rate", "models", "Router error rate per model", "model_error_rate",
              _fixed(s.limit("model_error_rate")), model_rate(emf.ERRORS), expression=rate, periods=3,
              each=s.models),
        Watch("model-fallback-rate", "models", "Router fallback rate per model", "model_fallback_rate",
              _fixed(s.limit("model_fallback_rate")), model_rate(emf.FALLBACKS), expression=rate, periods=3,
              each=s.models),
        Watch("bedrock-throttles", "models", "Bedrock throttles per model", "bedrock_throttles",
              _fixed(s.limit("bedrock_throttles")),
              lambda k, _v: (Metric(BEDROCK, "InvocationThrottles", "Sum", (("ModelId", k),)),),
              each=s.bedrock_models),
        Watch("bedrock-server-errors", "models", "Bedrock server errors per model", "bedrock_server_errors",
              _fixed(s.limit("bedrock_server_errors")),
              lambda k, _v: (Metric(BEDROCK, "InvocationServerErrors", "Sum", (("ModelId", k),)),),
              each=s.bedrock_models),
        # -- tenants --------------------------------------------------------------------------------------
        Watch("tenant-token-budget", "tenants", "Tokens of the UTC day against the daily budget",
              "token_budget_warning_ratio",
              lambda _k, v: Expr(f"{v.text} * {s.limit('token_budget_warning_ratio').text}"),
              lambda k, _v: tuple(_router(name, "Sum", emf.TENANT, k, namespace)
                                  for name in (emf.INPUT_TOKENS, emf.OUTPUT_TOKENS)),
              expression=total(2), period=DAY_SECONDS, each=s.budgeted_tenants),
        Watch("tenant-daily-spend", "tenants", "Estimated spend of the UTC day (USD)",
              "USD of the router's `EstimatedCostUSD` (the catalog's prices) in a UTC day above the tenant's "
              "`tenant_daily_spend_usd`.",
              lambda _k, v: v,
              lambda k, _v: (_router(emf.ESTIMATED_COST, "Sum", emf.TENANT, k, namespace),),
              period=DAY_SECONDS, each=s.tenant_spend),
        Watch("budget-reconcile", "tenants", "Token counter writes to reconcile", "budget_reconcile_records",
              _fixed(s.limit("budget_reconcile_records")),
              lambda _k, _v: (Metric(s.filter_namespace, BUDGET_RECONCILE, "Sum"),)),
    )  # fmt: skip
