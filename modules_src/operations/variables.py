"""Inputs and outputs of the `operations` module: alarms, a dashboard, chargeback queries, a cost budget."""

from __future__ import annotations

from modules_src.common.spec import ModuleSpec, OutputSpec, Validation, VariableSpec
from modules_src.common.validations import matches, no_offenders
from modules_src.common.variables import TAGS, kms_key_variables
from modules_src.operations.thresholds import THRESHOLDS, number

# What the `ai_gateway` module's `monitoring` output holds (its type is checked against this one).
GATEWAY_TYPE = (
    "object({rest_api_name = string, stage_name = string, metrics_namespace = string, "
    "functions = map(object({name = string, timeout_seconds = number})), tables = map(string), "
    "models = map(object({provider = string, model_id = string})), "
    "tenants = map(object({daily_token_budget = number, monthly_token_budget = number})), "
    "access_log_group_name = string, router_log_group_name = string})"
)
THRESHOLDS_TYPE = "object({" + ", ".join(f"{t.key} = optional(number, {number(t.default)})" for t in THRESHOLDS) + "})"
EMAIL_PATTERN = "^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$"
# AWS Budgets notifies at a percentage of the budget.
BUDGET_PERCENT_RANGE = (1, 1000)

THRESHOLD_PROBLEMS = (
    "compact(["
    + ", ".join(
        f"var.alarm_thresholds.{t.key} >= {number(t.low)} && var.alarm_thresholds.{t.key} <= {number(t.high)}"
        + (f" && floor(var.alarm_thresholds.{t.key}) == var.alarm_thresholds.{t.key}" if t.whole else "")
        + f' ? "" : "alarm_thresholds.{t.key} must be {t.allowed}, got ${{var.alarm_thresholds.{t.key}}}"'
        for t in THRESHOLDS
    )
    + "])"
)
SPEND_PROBLEMS = (
    "concat("
    "[for t, usd in var.tenant_daily_spend_usd : \"tenant_daily_spend_usd: '${t}' is not a tenant of the gateway\" "
    "if !contains(keys(var.gateway.tenants), t)], "
    '[for t, usd in var.tenant_daily_spend_usd : "tenant_daily_spend_usd.${t} must be more than 0 USD" if usd <= 0])'
)
MODEL_PROBLEMS = (
    "var.alarm_models == null ? [] : "
    "[for m in var.alarm_models : \"alarm_models: '${m}' is not a model of the gateway\" "
    "if !contains(keys(var.gateway.models), m)]"
)


def _emails(name: str, what: str) -> VariableSpec:
    return VariableSpec(
        name,
        "list(string)",
        what,
        default=[],
        validations=(
            Validation(
                f'${{alltrue([for e in var.{name} : can(regex("{EMAIL_PATTERN}", e))])}}',
                f"{name} must hold e-mail addresses such as oncall@example.com.",
            ),
        ),
    )


SPEC = ModuleSpec(
    name="operations",
    purpose=(
        "Operations for one AI gateway: CloudWatch alarms on every metric the gateway's parts emit (API "
        "Gateway, Lambda, DynamoDB, WAF, Bedrock and the router's own usage records), sent to a KMS-encrypted "
        "SNS topic; a dashboard drawn from the same alarm list plus usage per tenant and model; Logs Insights "
        "queries for chargeback (tokens and cost by tenant, model, prompt and day); and an AWS Budgets cost "
        "budget as the billing backstop."
    ),
    variables=(
        VariableSpec(
            "name",
            "string",
            "Prefix of the alarms, topic, dashboard and queries: 1-40 lowercase letters, digits and hyphens.",
            validations=(matches("name", "^[a-z0-9][a-z0-9-]{0,39}$", "1-40 lowercase letters, digits, hyphens"),),
        ),
        VariableSpec(
            "gateway",
            GATEWAY_TYPE,
            "What the gateway runs and emits: the `monitoring` output of the `ai_gateway` module.",
        ),
        VariableSpec(
            "web_acl_name",
            "string",
            "Name of the gateway's WAF web ACL (the `waf` module's `name`), for the blocked-requests alarm; "
            "`null` (default) without a WAF.",
            default=None,
            nullable=True,
        ),
        VariableSpec(
            "alarm_thresholds",
            THRESHOLDS_TYPE,
            "Alarm thresholds; each attribute is optional, and its default is explained in the module README.",
            default={},
            validations=(no_offenders(THRESHOLD_PROBLEMS),),
        ),
        VariableSpec(
            "alarm_models",
            "list(string)",
            "Catalog aliases whose router and Bedrock alarms are created; `null` (default) means every model of "
            "the gateway (each model costs four alarms).",
            default=None,
            nullable=True,
            validations=(no_offenders(MODEL_PROBLEMS),),
        ),
        VariableSpec(
            "tenant_daily_spend_usd",
            "map(number)",
            "Tenant id -> USD per 24 hours of the router's `EstimatedCostUSD` above which an alarm fires "
            "(default none). Token budgets are what the router enforces; this watches money.",
            default={},
            validations=(no_offenders(SPEND_PROBLEMS),),
        ),
        _emails("alarm_email_addresses", "E-mail addresses subscribed to the alarm topic (each confirms once)."),
        VariableSpec(
            "monthly_cost_budget_usd",
            "number",
            "Monthly AWS cost (USD) of an AWS Budgets budget notifying the alarm topic; `null` (default) creates "
            "none. Billing data is hours late: the backstop, not the control.",
            default=None,
            nullable=True,
            validations=(
                Validation(
                    "${var.monthly_cost_budget_usd == null ? true : var.monthly_cost_budget_usd > 0}",
                    "monthly_cost_budget_usd must be null or more than 0.",
                ),
            ),
        ),
        VariableSpec(
            "cost_budget_alert_percentages",
            "list(number)",
            f"Percentages of the monthly budget at which AWS Budgets notifies: the first on actual cost, the rest "
            f"on forecast too ({BUDGET_PERCENT_RANGE[0]}-{BUDGET_PERCENT_RANGE[1]}, default `[80, 100]`).",
            default=[80, 100],
            validations=(
                Validation(
                    f"${{length(var.cost_budget_alert_percentages) > 0 && alltrue([for p in "
                    f"var.cost_budget_alert_percentages : p >= {BUDGET_PERCENT_RANGE[0]} && "
                    f"p <= {BUDGET_PERCENT_RANGE[1]}])}}",
                    f"cost_budget_alert_percentages must hold 1 or more numbers from {BUDGET_PERCENT_RANGE[0]} to "
                    f"{BUDGET_PERCENT_RANGE[1]}.",
                ),
            ),
        ),
        VariableSpec(
            "enable_query_definitions",
            "bool",
            "Save the chargeback Logs Insights queries in the account (default `true`).",
            default=True,
        ),
        *kms_key_variables(
            "ARN of an existing KMS key for the alarm topic; `null` (default) creates one with rotation on."
        ),
        TAGS,
    ),
    outputs=(
        OutputSpec("alarm_topic_arn", "ARN of the SNS topic every alarm and the cost budget notify."),
        OutputSpec("alarm_names", "Every alarm's name, by alarm key (per-model and per-tenant ones by key/item)."),
        OutputSpec("dashboard_name", "Name of the CloudWatch dashboard."),
        OutputSpec("query_definition_names", "Names of the saved chargeback queries (empty when disabled)."),
        OutputSpec("cost_budget_name", "Name of the AWS Budgets cost budget (`null` without one)."),
        OutputSpec("kms_key_arn", "ARN of the KMS key encrypting the topic (created or given)."),
    ),
    notes=(
        "Every alarm reads a metric something writes: AWS's documented metrics of API Gateway, Lambda, DynamoDB, "
        "WAF and Bedrock with their documented dimensions, the router's usage record (namespace "
        "`metrics_namespace`; dimension sets tenant+model+backend+service, model+service, tenant+service and "
        "service), and two log metric filters of this module (429 answers in the stage's access log, "
        "`budget reconcile` lines in the router's log; namespace `<metrics_namespace>/<API name>`). A test "
        "checks each generated alarm against what its source emits.",
        "Alarms notify the topic on ALARM and on OK, treat missing data as not breaching, and one alarm exists "
        "per function, table, model (router error and fallback rates, judged once a model served "
        "`min_model_requests` in 5 minutes; Bedrock throttles and server errors per Bedrock model id) and "
        "budgeted tenant. `alarm_models` limits the per-model ones for large catalogs.",
        "AWS Budgets works on billing data, hours late and for the whole account (tag filters would miss "
        "Bedrock's per-request cost): one cost budget per account is the backstop; the router's token budgets "
        "are the control, and `tenant_daily_spend_usd` watches each tenant's estimated spend per UTC day.",
        "The dashboard is drawn from the same alarm list (each alarm's metrics and threshold), then tokens, "
        "cost, latency and errors per tenant and per model (SEARCH over the router's namespace: new tenants "
        "and models appear without a change).",
        "Chargeback queries (Logs Insights, on the router's log group): requests, errors, tokens and cost by "
        "tenant, model and day; by tenant, prompt (the `metadata.prompt` label a request sends) and day; and "
        "by tenant and day. `make report ENV=<env> SINCE=<date>` writes the same sums as CSV.",
        *(f"Threshold `{t.key}` ({t.allowed}): {t.why}" for t in THRESHOLDS),
    ),
)
