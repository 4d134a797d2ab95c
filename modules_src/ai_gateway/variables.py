"""Inputs and outputs of the `ai_gateway` module: the one spec behind its Terraform and README."""

from __future__ import annotations

from modules_src.common.spec import ModuleSpec, OutputSpec, Validation, VariableSpec
from modules_src.common.validations import json_list, json_map, matches, one_of, optional_matches, whole_number_between

PROVIDERS = ("bedrock", "openai_compatible", "sagemaker")
KINDS = ("chat", "embedding")
# SageMaker container formats and the kind each serves (lambda_src/router/catalog.py, a test keeps them equal).
SAGEMAKER_FORMATS = {"openai": "chat", "tgi": "chat", "tei": "embedding", "jumpstart_embedding": "embedding"}
ROUTING_STRATEGIES = ("cheapest", "weighted")
STICKY_KEYS = ("request", "user")
SECRET_ARN_PATTERN = "^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$"  # noqa: S105 - a pattern
MAX_CACHE_TTL_SECONDS = 7 * 24 * 3600
RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("arm64", "x86_64")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
STAGE_LOGGING_LEVELS = ("OFF", "ERROR", "INFO")
CACHE_CLUSTER_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
TENANT_ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$"
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                  2922, 3288, 3653)  # fmt: skip
MODEL_ALIAS_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
# Lambda caps all environment variables of a function at 4 KB together; the router's other
# variables take about 600 bytes, so the models and the routing document share the rest.
MAX_MODELS_JSON_BYTES = 3072
MAX_ROUTER_CONFIG_BYTES = 3400
MODELS_TYPE = (
    "map(object({provider = string, model_id = string, owned_by = optional(string), created = optional(number, 0), "
    'kind = optional(string, "chat"), base_url = optional(string), secret_arn = optional(string), '
    "format = optional(string), input_price_per_1k = optional(number), output_price_per_1k = optional(number)}))"
)
ROUTING_TYPE = (
    "object({aliases = optional(map(object({"
    'strategy = optional(string, "weighted"), sticky = optional(string, "request"), '
    "targets = list(object({model = string, weight = optional(number, 1), arm = optional(string)})), "
    "fallbacks = optional(list(string), [])})), {}), "
    "tenant_pins = optional(map(map(string)), {})})"
)
RESPONSE_CACHE_TYPE = (
    "object({ttl_seconds = number, aliases = optional(list(string), []), cache_sampled = optional(bool, false)})"
)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "name",
        "string",
        "Name prefix of every resource the module creates, e.g. `aigw-dev-retail`: 3-40 lowercase "
        "letters, digits and hyphens, starting with a letter.",
        validations=(matches("name", "^[a-z][a-z0-9-]{1,38}[a-z0-9]$"),),
    ),
    VariableSpec(
        "stage_name",
        "string",
        "Name of the API stage, the first path segment of every URL (e.g. `dev`). 1-64 letters, digits, `-` or `_`.",
        validations=(matches("stage_name", "^[A-Za-z0-9_-]{1,64}$"),),
    ),
    VariableSpec(
        "models",
        MODELS_TYPE,
        "Models this environment serves, keyed by the alias clients send as `model`. `provider` is one of "
        f"`{'`, `'.join(PROVIDERS)}`; `model_id` is the provider's id (Bedrock model or inference profile id, "
        "SageMaker endpoint name, or the HTTP provider's model name); `kind` is `chat` (default) or "
        "`embedding`; `owned_by` (default: the provider) and `created` (Unix seconds, default `0`) are shown "
        "in `GET /v1/models`. `openai_compatible` models need `base_url` (https) and `secret_arn`, the full ARN "
        "of the Secrets Manager secret holding the provider's API key; `sagemaker` models may name their "
        f"container's `format` (`{'`, `'.join(SAGEMAKER_FORMATS)}`; default `openai` for chat, `tei` for "
        "embeddings). `input_price_per_1k`/`output_price_per_1k` (USD per 1,000 tokens) feed the cost metric "
        "and the `cheapest` routing strategy.",
        validations=(
            Validation("${length(var.models) > 0}", "models must name at least one model."),
            Validation(
                f'${{alltrue([for alias in keys(var.models) : can(regex("{MODEL_ALIAS_PATTERN}", alias))])}}',
                f"Every key of models must match {MODEL_ALIAS_PATTERN}.",
            ),
            Validation(
                f"${{alltrue([for m in values(var.models) : contains({json_list(PROVIDERS)}, m.provider)])}}",
                f"Every models[*].provider must be one of: {', '.join(PROVIDERS)}.",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : length(trimspace(m.model_id)) > 0 "
                "&& length(m.model_id) <= 256])}",
                "Every models[*].model_id must be a non-empty string of at most 256 characters.",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : m.owned_by == null ? true : "
                "(length(trimspace(m.owned_by)) > 0 && length(m.owned_by) <= 256)])}",
                "Every models[*].owned_by must be null or a non-empty string of at most 256 characters.",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : m.created >= 0 && floor(m.created) == m.created])}",
                "Every models[*].created must be a whole number of seconds since the epoch, 0 or more.",
            ),
            Validation(
                f"${{alltrue([for m in values(var.models) : contains({json_list(KINDS)}, m.kind)])}}",
                f"Every models[*].kind must be one of: {', '.join(KINDS)}.",
            ),
            Validation(
                '${alltrue([for m in values(var.models) : m.provider != "openai_compatible" ? '
                "(m.base_url == null && m.secret_arn == null) : (m.base_url != null && m.secret_arn != null)])}",
                "openai_compatible models need base_url and secret_arn; other providers take neither.",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : m.base_url == null ? true : "
                'can(regex("^(https://|http://127[.]0[.]0[.]1:|http://localhost:)", m.base_url))])}',
                "Every models[*].base_url must be an https:// URL (http only for 127.0.0.1 or localhost).",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : m.secret_arn == null ? true : "
                f'can(regex("{SECRET_ARN_PATTERN}", m.secret_arn))])}}',
                "Every models[*].secret_arn must be a Secrets Manager secret ARN.",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : m.format == null ? true : "
                f'(m.provider == "sagemaker" && lookup({json_map(SAGEMAKER_FORMATS)}, m.format, "") == m.kind)])}}',
                "models[*].format applies to sagemaker models only and must serve the model's kind: "
                + ", ".join(f"{f} ({k})" for f, k in SAGEMAKER_FORMATS.items())
                + ".",
            ),
            Validation(
                "${alltrue([for m in values(var.models) : "
                "(m.input_price_per_1k == null ? true : m.input_price_per_1k >= 0) && "
                "(m.output_price_per_1k == null ? true : m.output_price_per_1k >= 0)])}",
                "Every models[*].input_price_per_1k and output_price_per_1k must be null or 0 or more.",
            ),
            Validation(
                f"${{length(jsonencode(var.models)) <= {MAX_MODELS_JSON_BYTES}}}",
                f"models must encode to at most {MAX_MODELS_JSON_BYTES} bytes of JSON (Lambda caps a "
                "function's environment at 4 KB).",
            ),
        ),
    ),
    VariableSpec(
        "lambda_packages_dir",
        "string",
        "Folder holding the Lambda zips `make package` builds (`router.zip`, `authorizer.zip`), e.g. "
        "`build/dist`. A zip's hash triggers a code update when it changes.",
        validations=(
            Validation("${length(trimspace(var.lambda_packages_dir)) > 0}", "lambda_packages_dir must name a folder."),
        ),
    ),
    VariableSpec(
        "lambda_runtime",
        "string",
        f"Lambda runtime of the gateway's functions: `{'`, `'.join(RUNTIMES)}`.",
        default="python3.12",
        validations=(one_of("lambda_runtime", RUNTIMES),),
    ),
    VariableSpec(
        "lambda_architecture",
        "string",
        f"Instruction set of the gateway's functions: `{'`, `'.join(ARCHITECTURES)}` (the zip is pure Python).",
        default="x86_64",
        validations=(one_of("lambda_architecture", ARCHITECTURES),),
    ),
    VariableSpec(
        "router_memory_size_mb",
        "number",
        "Memory of the router Lambda in MB (also scales its CPU): 128-10240.",
        default=256,
        validations=(whole_number_between("router_memory_size_mb", 128, 10240),),
    ),
    VariableSpec(
        "router_timeout_seconds",
        "number",
        "Timeout of the router Lambda in seconds: 1-29, inside API Gateway's 29 s integration limit "
        "(a longer run would answer a client that already got a 504).",
        default=29,
        validations=(whole_number_between("router_timeout_seconds", 1, 29),),
    ),
    VariableSpec(
        "lambda_log_level",
        "string",
        f"Log level of the gateway's functions: `{'`, `'.join(LOG_LEVELS)}`.",
        default="INFO",
        validations=(one_of("lambda_log_level", LOG_LEVELS),),
    ),
    VariableSpec(
        "log_retention_in_days",
        "number",
        "Days CloudWatch keeps the access and function logs; one of the values CloudWatch accepts "
        "(1, 3, 5, 7, 14, 30, 60, 90, ... 3653). Logs never live forever by default.",
        default=90,
        validations=(one_of("log_retention_in_days", RETENTION_DAYS),),
    ),
    VariableSpec(
        "kms_key_arn",
        "string",
        "ARN of an existing KMS key (`arn:<partition>:kms:<region>:<account>:key/<id>`) that encrypts the log "
        "groups and the router's environment. When `null` (default) the module creates a key with rotation "
        "on; a key you bring must let CloudWatch Logs use it.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                '${var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", '
                "var.kms_key_arn))}",
                "kms_key_arn must be null or a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>).",
            ),
        ),
    ),
    VariableSpec(
        "kms_key_deletion_window_in_days",
        "number",
        "Waiting period before a key the module created is deleted: 7-30 days.",
        default=30,
        validations=(whole_number_between("kms_key_deletion_window_in_days", 7, 30),),
    ),
    VariableSpec(
        "enable_xray_tracing",
        "bool",
        "Trace the stage and the router with AWS X-Ray (default `true`).",
        default=True,
    ),
    VariableSpec(
        "tags",
        "map(string)",
        "Tags added to every taggable resource (merged over the provider's `default_tags`).",
        default={},
    ),
)

TIERS_TYPE = (
    "map(object({throttle_rate_limit = number, throttle_burst_limit = number, quota_limit = optional(number), "
    'quota_period = optional(string, "MONTH")}))'
)
TENANTS_TYPE = (
    "map(object({tier = string, allowed_models = list(string), monthly_token_budget = optional(number), "
    "daily_token_budget = optional(number), "
    "throttle_rate_limit = optional(number), throttle_burst_limit = optional(number), enabled = optional(bool, true)}))"
)

ACCESS_VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "tiers",
        TIERS_TYPE,
        "Service tiers, keyed by name; one usage plan each. `throttle_rate_limit` (requests per second) and "
        "`throttle_burst_limit` (burst >= rate) throttle every key on the plan; `quota_limit` requests per "
        f"`quota_period` (`{'`, `'.join(QUOTA_PERIODS)}`, default `MONTH`) cap them; no `quota_limit`, no quota.",
        default={"standard": {"throttle_rate_limit": 10, "throttle_burst_limit": 20, "quota_limit": 100000}},
        validations=(
            Validation("${length(var.tiers) > 0}", "tiers must name at least one tier."),
            Validation(
                f'${{alltrue([for name in keys(var.tiers) : can(regex("{TENANT_ID_PATTERN}", name))])}}',
                f"Every key of tiers must match {TENANT_ID_PATTERN}.",
            ),
            Validation(
                "${alltrue([for t in values(var.tiers) : t.throttle_rate_limit > 0 && t.throttle_burst_limit >= "
                "t.throttle_rate_limit && floor(t.throttle_burst_limit) == t.throttle_burst_limit])}",
                "Every tier needs throttle_rate_limit > 0 and a whole throttle_burst_limit >= throttle_rate_limit.",
            ),
            Validation(
                "${alltrue([for t in values(var.tiers) : t.quota_limit == null ? true : "
                "(t.quota_limit > 0 && floor(t.quota_limit) == t.quota_limit)])}",
                "Every tiers[*].quota_limit must be null or a whole number above 0.",
            ),
            Validation(
                f"${{alltrue([for t in values(var.tiers) : contains({json_list(QUOTA_PERIODS)}, t.quota_period)])}}",
                f"Every tiers[*].quota_period must be one of: {', '.join(QUOTA_PERIODS)}.",
            ),
        ),
    ),
    VariableSpec(
        "tenants",
        TENANTS_TYPE,
        "Tenants (business units or applications), keyed by tenant id (`[a-z0-9-]`, at most 63). Each gets an "
        "API key generated by AWS (output `tenant_api_keys`, sensitive) on its `tier`'s usage plan, may use "
        "only its `allowed_models` (aliases of `models`), may carry a `daily_token_budget` and a "
        "`monthly_token_budget` (input plus output tokens, UTC day and month, enforced by the router) and a "
        "throttle override (`throttle_rate_limit` and `throttle_burst_limit` together, which gives the tenant "
        "a usage plan of its own with its tier's quota). `enabled = false` disables its key and denies it.",
        default={},
        validations=(
            Validation(
                f'${{alltrue([for id in keys(var.tenants) : can(regex("{TENANT_ID_PATTERN}", id))])}}',
                f"Every key of tenants must match {TENANT_ID_PATTERN}.",
            ),
            Validation(
                "${alltrue([for t in values(var.tenants) : contains(keys(var.tiers), t.tier)])}",
                "Every tenants[*].tier must be a key of tiers.",
            ),
            Validation(
                "${alltrue(flatten([for t in values(var.tenants) : [for m in t.allowed_models : "
                "contains(keys(var.models), m)]]))}",
                "Every tenants[*].allowed_models entry must be a key of models.",
            ),
            Validation(
                "${alltrue([for t in values(var.tenants) : t.monthly_token_budget == null ? true : "
                "(t.monthly_token_budget > 0 && floor(t.monthly_token_budget) == t.monthly_token_budget)])}",
                "Every tenants[*].monthly_token_budget must be null or a whole number above 0.",
            ),
            Validation(
                "${alltrue([for t in values(var.tenants) : t.daily_token_budget == null ? true : "
                "(t.daily_token_budget > 0 && floor(t.daily_token_budget) == t.daily_token_budget)])}",
                "Every tenants[*].daily_token_budget must be null or a whole number above 0.",
            ),
            Validation(
                # HCL's && does not short-circuit: compare numbers only when both are set.
                "${alltrue([for t in values(var.tenants) : t.throttle_rate_limit == null ? "
                "t.throttle_burst_limit == null : (t.throttle_burst_limit == null ? false : "
                "(t.throttle_rate_limit > 0 && t.throttle_burst_limit >= t.throttle_rate_limit))])}",
                "A tenant's throttle override needs both throttle_rate_limit > 0 and throttle_burst_limit >= it.",
            ),
        ),
    ),
    VariableSpec(
        "authorizer_result_ttl_in_seconds",
        "number",
        "How long API Gateway caches the authorizer's answer per `Authorization` header: 0-3600 (default "
        "`300`). With `0` the authorizer runs on every request and also accepts the key in `x-api-key` alone; "
        "above `0`, API Gateway caches by the `Authorization` header, which callers must then send.",
        default=300,
        validations=(whole_number_between("authorizer_result_ttl_in_seconds", 0, 3600),),
    ),
    VariableSpec(
        "authorizer_tenant_cache_ttl_in_seconds",
        "number",
        "How long the authorizer keeps tenant records in memory: 0-3600 (default `60`); a disabled tenant "
        "is refused at most this long (plus `authorizer_result_ttl_in_seconds`) after the change.",
        default=60,
        validations=(whole_number_between("authorizer_tenant_cache_ttl_in_seconds", 0, 3600),),
    ),
    VariableSpec(
        "jwt_issuer",
        "string",
        "OIDC issuer (`iss`) whose JWTs the authorizer accepts besides API keys. `null` (default): API keys only. "
        "Needs `jwt_audience` and `jwt_jwks_url`; tokens must be RS256 or ES256.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                "${var.jwt_issuer == null ? true : (var.jwt_audience != null && var.jwt_jwks_url != null)}",
                "jwt_issuer needs jwt_audience and jwt_jwks_url.",
            ),
        ),
    ),
    VariableSpec(
        "jwt_audience",
        "string",
        "Audience (`aud`) the JWTs must name. `null` when `jwt_issuer` is null.",
        default=None,
        nullable=True,
        validations=(optional_matches("jwt_audience", "^\\S{1,256}$", "1-256 characters without spaces"),),
    ),
    VariableSpec(
        "jwt_jwks_url",
        "string",
        "HTTPS URL of the issuer's JSON Web Key Set. `null` when `jwt_issuer` is null.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                '${var.jwt_jwks_url == null ? true : startswith(var.jwt_jwks_url, "https://")}',
                "jwt_jwks_url must be an https:// URL.",
            ),
        ),
    ),
    VariableSpec(
        "jwt_tenant_claim",
        "string",
        "JWT claim holding the tenant id (a key of `tenants`), default `tenant`.",
        default="tenant",
        validations=(matches("jwt_tenant_claim", "^[A-Za-z0-9_:./-]{1,128}$"),),
    ),
    VariableSpec(
        "stage_throttle_rate_limit",
        "number",
        "Stage-wide default throttle per method, requests per second (default `100`); usage plans limit each "
        "tenant below it.",
        default=100,
        validations=(Validation("${var.stage_throttle_rate_limit > 0}", "stage_throttle_rate_limit must be above 0."),),
    ),
    VariableSpec(
        "stage_throttle_burst_limit",
        "number",
        "Stage-wide default burst per method (default `200`), a whole number >= `stage_throttle_rate_limit`.",
        default=200,
        validations=(
            Validation(
                "${var.stage_throttle_burst_limit >= var.stage_throttle_rate_limit && "
                "floor(var.stage_throttle_burst_limit) == var.stage_throttle_burst_limit}",
                "stage_throttle_burst_limit must be a whole number >= stage_throttle_rate_limit.",
            ),
        ),
    ),
    VariableSpec(
        "stage_expensive_throttle_rate_limit",
        "number",
        "Tighter per-method throttle for the expensive routes (model calls), requests per second (default `20`).",
        default=20,
        validations=(
            Validation(
                "${var.stage_expensive_throttle_rate_limit > 0}", "stage_expensive_throttle_rate_limit must be above 0."
            ),
        ),
    ),
    VariableSpec(
        "stage_expensive_throttle_burst_limit",
        "number",
        "Burst for the expensive routes (default `40`), a whole number >= `stage_expensive_throttle_rate_limit`.",
        default=40,
        validations=(
            Validation(
                "${var.stage_expensive_throttle_burst_limit >= var.stage_expensive_throttle_rate_limit && "
                "floor(var.stage_expensive_throttle_burst_limit) == var.stage_expensive_throttle_burst_limit}",
                "stage_expensive_throttle_burst_limit must be a whole number >= stage_expensive_throttle_rate_limit.",
            ),
        ),
    ),
    VariableSpec(
        "stage_logging_level",
        "string",
        f"API Gateway execution logging: `{'`, `'.join(STAGE_LOGGING_LEVELS)}` (default `ERROR`). Needs the "
        "account's CloudWatch role (module `api_gateway_account`). Request and response bodies are never logged.",
        default="ERROR",
        validations=(one_of("stage_logging_level", STAGE_LOGGING_LEVELS),),
    ),
    VariableSpec(
        "stage_metrics_enabled",
        "bool",
        "Per-method CloudWatch metrics for the stage (default `false`; they are billed per metric).",
        default=False,
    ),
    VariableSpec(
        "enable_route_method_settings",
        "bool",
        "Apply per-route method settings: the tighter throttle of expensive routes and `GET /v1/models` "
        "caching (default `true`). The local emulator cannot store them (it keeps the path escaped), so "
        "envs/local turns this off; the stage-wide settings apply either way.",
        default=True,
    ),
    VariableSpec(
        "enable_models_cache",
        "bool",
        "Cache `GET /v1/models` answers in an encrypted stage cache, keyed by the caller's credential headers "
        "so tenants never share entries (default `false`; the cache cluster is billed by the hour).",
        default=False,
    ),
    VariableSpec(
        "models_cache_ttl_in_seconds",
        "number",
        "How long `GET /v1/models` answers are cached when `enable_models_cache` is on: 1-3600 (default `300`).",
        default=300,
        validations=(whole_number_between("models_cache_ttl_in_seconds", 1, 3600),),
    ),
    VariableSpec(
        "cache_cluster_size",
        "string",
        f"Size in GB of the stage cache when `enable_models_cache` is on: `{'`, `'.join(CACHE_CLUSTER_SIZES)}`.",
        default="0.5",
        validations=(one_of("cache_cluster_size", CACHE_CLUSTER_SIZES),),
    ),
    VariableSpec(
        "canary",
        "object({deployment_id = string, percent_traffic = number, "
        "stage_variable_overrides = optional(map(string), {})})",
        "Canary release on the stage: the share of traffic (0-100) that goes to another deployment of this API "
        "(`deployment_id`). `null` (default): no canary.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                "${var.canary == null ? true : (var.canary.percent_traffic >= 0 && var.canary.percent_traffic <= 100)}",
                "canary.percent_traffic must be from 0 to 100.",
            ),
        ),
    ),
    VariableSpec(
        "custom_domain_name",
        "string",
        "Custom domain for the stage, e.g. `ai.example.com` (regional endpoint, TLS 1.2). `null` (default): none.",
        default=None,
        nullable=True,
        validations=(
            optional_matches("custom_domain_name", "^([a-z0-9-]{1,63}\\.)+[a-z]{2,63}$", "a lowercase DNS name"),
            Validation(
                "${var.custom_domain_name == null || var.custom_domain_certificate_arn != null}",
                "custom_domain_name needs custom_domain_certificate_arn.",
            ),
        ),
    ),
    VariableSpec(
        "custom_domain_certificate_arn",
        "string",
        "ACM certificate ARN for `custom_domain_name`, in the stage's region.",
        default=None,
        nullable=True,
        validations=(
            optional_matches(
                "custom_domain_certificate_arn",
                "^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$",
                "an ACM certificate ARN",
            ),
        ),
    ),
    VariableSpec(
        "custom_domain_base_path",
        "string",
        "Base path of this stage under the custom domain (e.g. `dev`); `null` (default) maps the domain root.",
        default=None,
        nullable=True,
        validations=(
            optional_matches(
                "custom_domain_base_path", "^[A-Za-z0-9._-]{1,128}$", "1-128 letters, digits, `.`, `_` or `-`"
            ),
        ),
    ),
    VariableSpec(
        "tenant_table_deletion_protection",
        "bool",
        "Protect the tenant and budget tables from deletion (default `true`); turn off only for throwaway "
        "environments.",
        default=True,
    ),
)

ROUTER_VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "routing",
        ROUTING_TYPE,
        "How the router picks a model for an alias. `aliases`: extra aliases clients may send, each with "
        "`targets` (catalog models with a `weight` for A/B splits and an `arm` label), a `strategy` "
        f"(`{'`, `'.join(ROUTING_STRATEGIES)}`: the lowest priced target) that is `sticky` per "
        f"`{'` or `'.join(STICKY_KEYS)}`, and ordered `fallbacks`. A tenant may use an alias when it may use one of "
        "its targets or fallbacks; only those are ever called for it. `tenant_pins`: tenant id -> alias -> model, "
        "overriding the split. Default: every catalog alias routes to itself.",
        default={},
        validations=(
            Validation(
                f'${{alltrue([for alias in keys(var.routing.aliases) : can(regex("{MODEL_ALIAS_PATTERN}", alias))])}}',
                f"Every key of routing.aliases must match {MODEL_ALIAS_PATTERN}.",
            ),
            Validation(
                "${alltrue([for r in values(var.routing.aliases) : "
                f"contains({json_list(ROUTING_STRATEGIES)}, r.strategy) && "
                f"contains({json_list(STICKY_KEYS)}, r.sticky)])}}",
                f"Every routing.aliases[*].strategy must be one of {', '.join(ROUTING_STRATEGIES)}, and sticky one of "
                f"{', '.join(STICKY_KEYS)}.",
            ),
            Validation(
                "${alltrue([for r in values(var.routing.aliases) : length(r.targets) > 0 && length(r.targets) <= 16 "
                "&& sum(concat([0], [for t in r.targets : t.weight])) > 0 "
                "&& alltrue([for t in r.targets : t.weight >= 0 && floor(t.weight) == t.weight])])}",
                "Every routing.aliases[*] needs 1-16 targets with whole weights >= 0, at least one above 0.",
            ),
            Validation(
                "${alltrue(flatten([for r in values(var.routing.aliases) : "
                "[for m in concat([for t in r.targets : t.model], r.fallbacks) : contains(keys(var.models), m)]]))}",
                "Every routing target and fallback must be a key of models.",
            ),
            Validation(
                "${alltrue([for r in values(var.routing.aliases) : length(distinct("
                "[for m in concat([for t in r.targets : t.model], r.fallbacks) : "
                'try(var.models[m].kind, "chat")]'
                ")) <= 1])}",
                "A routing alias must not mix chat and embedding models.",
            ),
            Validation(
                "${alltrue(flatten([for pins in values(var.routing.tenant_pins) : "
                "[for m in values(pins) : contains(keys(var.models), m)]]))}",
                "Every routing.tenant_pins model must be a key of models.",
            ),
            Validation(
                f"${{length(jsonencode(var.models)) + length(jsonencode(var.routing)) <= {MAX_ROUTER_CONFIG_BYTES}}}",
                f"models and routing must encode to at most {MAX_ROUTER_CONFIG_BYTES} bytes of JSON together "
                "(Lambda caps a function's environment at 4 KB).",
            ),
        ),
    ),
    VariableSpec(
        "response_cache",
        RESPONSE_CACHE_TYPE,
        "Exact-match response cache in DynamoDB (KMS-encrypted, expiring by TTL), keyed by tenant and the "
        "normalized request: answers are kept `ttl_seconds` (1-604800) for the `aliases` listed (empty: all). "
        "Chat answers are cached only for `temperature: 0` unless `cache_sampled`; embeddings always. "
        "Clients skip it with the header `x-aigw-cache: bypass`. `null` (default): no cache and no table.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                "${var.response_cache == null ? true : (var.response_cache.ttl_seconds >= 1 && "
                f"var.response_cache.ttl_seconds <= {MAX_CACHE_TTL_SECONDS} && "
                "floor(var.response_cache.ttl_seconds) == var.response_cache.ttl_seconds)}",
                f"response_cache.ttl_seconds must be a whole number from 1 to {MAX_CACHE_TTL_SECONDS}.",
            ),
        ),
    ),
    VariableSpec(
        "log_prompts",
        "bool",
        "Log prompt and input text in the router's logs (default `false`: only ids, tokens and timings). "
        "For debugging a non-production environment; prompts may hold personal data.",
        default=False,
    ),
    VariableSpec(
        "metrics_namespace",
        "string",
        "CloudWatch namespace of the router's usage metrics (embedded metric format), default `AiGateway`.",
        default="AiGateway",
        validations=(matches("metrics_namespace", "^[A-Za-z0-9._/#:-]{1,255}$"),),
    ),
)

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("rest_api_id", "ID of the REST API."),
    OutputSpec(
        "rest_api_execution_arn", "Execution ARN of the REST API, for scoping `lambda:InvokeFunction` permissions."
    ),
    OutputSpec("stage_name", "Name of the deployed stage."),
    OutputSpec("stage_invoke_url", "Base URL of the stage; the OpenAI-compatible API lives under `<url>/v1`."),
    OutputSpec("router_function_name", "Name of the router Lambda function."),
    OutputSpec("router_function_arn", "ARN of the router Lambda function."),
    OutputSpec("access_log_group_name", "CloudWatch log group receiving the stage's JSON access logs."),
    OutputSpec("router_log_group_name", "CloudWatch log group of the router Lambda."),
    OutputSpec("kms_key_arn", "ARN of the KMS key encrypting logs, the tenant table and function configuration."),
    OutputSpec("authorizer_function_name", "Name of the Lambda authorizer function."),
    OutputSpec("tenant_table_name", "DynamoDB table of tenant records (keyed by API key hash and tenant id)."),
    OutputSpec("budget_table_name", "DynamoDB table of the router's token counters per tenant, day and month."),
    OutputSpec("response_cache_table_name", "DynamoDB table of the response cache (`null` without `response_cache`)."),
    OutputSpec(
        "tenant_api_keys",
        "API key value of each tenant, keyed by tenant id. Hand each to its tenant only.",
        sensitive=True,
    ),
    OutputSpec("tenant_api_key_ids", "API Gateway key id of each tenant, keyed by tenant id."),
    OutputSpec("usage_plan_ids", "Usage plan id by plan (`tier-<name>`, or `tenant-<id>` for throttle overrides)."),
    OutputSpec(
        "custom_domain_regional_domain_name", "Target for a DNS alias to the custom domain (`null` without one)."
    ),
    OutputSpec("openapi_document", "OpenAPI 3 document (JSON) of the gateway's routes, schemas and error envelope."),
    OutputSpec("custom_domain_regional_zone_id", "Hosted zone id for that alias (`null` without a custom domain)."),
)

SPEC = ModuleSpec(
    name="ai_gateway",
    purpose=(
        "An AI gateway stage on API Gateway (REST, regional): an OpenAI-compatible API served by a router "
        "Lambda, with JSON access logs, X-Ray tracing and KMS encryption of everything it stores. "
        "Every route sits behind a Lambda REQUEST authorizer (API keys and optional OIDC JWTs) with usage "
        "plans per tier and per-tenant keys; API Gateway's own errors share the gateway's JSON error envelope. "
        "The router serves `POST /v1/chat/completions`, `POST /v1/embeddings` and `GET /v1/models` over "
        "Bedrock, SageMaker and OpenAI-compatible providers, with weighted and cost-aware routing, retries, "
        "circuit breakers and fallbacks, token budgets per tenant, an optional response cache and usage "
        "metrics per tenant; `/v1/bedrock/{modelId}/converse` and `/v1/predict/{model}` call Bedrock and "
        "SageMaker straight from API Gateway."
    ),
    variables=VARIABLES + ACCESS_VARIABLES + ROUTER_VARIABLES,
    outputs=OUTPUTS,
    notes=(
        "Stage access logging needs the account-level CloudWatch role of API Gateway, once per account "
        "and region: call the `api_gateway_account` module from the environment root, not from here.",
        "A change to any route or integration creates a new deployment (its trigger hashes the route "
        "model), and the stage moves to it.",
    ),
)
