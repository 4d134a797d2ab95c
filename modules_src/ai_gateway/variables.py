"""Inputs and outputs of the `ai_gateway` module: the one spec behind its Terraform and README."""

from __future__ import annotations

from modules_src.common.spec import ModuleSpec, OutputSpec, Validation, VariableSpec
from modules_src.common.validations import matches, one_of, whole_number_between

PROVIDERS = ("bedrock", "openai_compatible", "sagemaker")
RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("arm64", "x86_64")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                  2922, 3288, 3653)  # fmt: skip
MODEL_ALIAS_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
# Lambda caps all environment variables of a function at 4 KB together.
MAX_MODELS_JSON_BYTES = 3072
MODELS_TYPE = (
    "map(object({provider = string, model_id = string, owned_by = optional(string), created = optional(number, 0)}))"
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
        "SageMaker endpoint name, or the HTTP provider's model name); `owned_by` (default: the provider) and "
        "`created` (Unix seconds, default `0`) are shown in `GET /v1/models`.",
        validations=(
            Validation("${length(var.models) > 0}", "models must name at least one model."),
            Validation(
                f'${{alltrue([for alias in keys(var.models) : can(regex("{MODEL_ALIAS_PATTERN}", alias))])}}',
                f"Every key of models must match {MODEL_ALIAS_PATTERN}.",
            ),
            Validation(
                f"${{alltrue([for m in values(var.models) : contains({list(PROVIDERS)!r}, m.provider)])}}".replace(
                    "'", '"'
                ),
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
                f"${{length(jsonencode(var.models)) <= {MAX_MODELS_JSON_BYTES}}}",
                f"models must encode to at most {MAX_MODELS_JSON_BYTES} bytes of JSON (Lambda caps a "
                "function's environment at 4 KB).",
            ),
        ),
    ),
    VariableSpec(
        "router_package_path",
        "string",
        "Path of the router Lambda's deployment zip, as built by `make package` (`build/dist/router.zip`). "
        "Its hash triggers a code update when the zip changes.",
        validations=(
            Validation('${endswith(var.router_package_path, ".zip")}', "router_package_path must name a .zip file."),
        ),
    ),
    VariableSpec(
        "router_runtime",
        "string",
        f"Lambda runtime of the router: `{'`, `'.join(RUNTIMES)}`.",
        default="python3.12",
        validations=(one_of("router_runtime", RUNTIMES),),
    ),
    VariableSpec(
        "router_architecture",
        "string",
        f"Instruction set of the router: `{'`, `'.join(ARCHITECTURES)}` (the zip is pure Python).",
        default="x86_64",
        validations=(one_of("router_architecture", ARCHITECTURES),),
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
        "router_log_level",
        "string",
        f"Log level of the router: `{'`, `'.join(LOG_LEVELS)}`.",
        default="INFO",
        validations=(one_of("router_log_level", LOG_LEVELS),),
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
    OutputSpec("kms_key_arn", "ARN of the KMS key encrypting logs and the router's environment."),
)

SPEC = ModuleSpec(
    name="ai_gateway",
    purpose=(
        "An AI gateway stage on API Gateway (REST, regional): an OpenAI-compatible API served by a router "
        "Lambda, with JSON access logs, X-Ray tracing and KMS encryption of everything it stores. "
        "Today it serves `GET /v1/models`, the models configured for the environment."
    ),
    variables=VARIABLES,
    outputs=OUTPUTS,
    notes=(
        "Stage access logging needs the account-level CloudWatch role of API Gateway, once per account "
        "and region: call the `api_gateway_account` module from the environment root, not from here.",
        "A change to any route or integration creates a new deployment (its trigger hashes the route "
        "model), and the stage moves to it.",
    ),
)
