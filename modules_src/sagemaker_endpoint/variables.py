"""Inputs and outputs of the `sagemaker_endpoint` module: models, variants, capture, async, rollouts, scaling."""

from __future__ import annotations

from modules_src.common.spec import ModuleSpec, OutputSpec, Validation, VariableSpec
from modules_src.common.validations import json_list, matches, no_offenders
from modules_src.common.variables import TAGS, kms_key_variables

# SageMaker's limits and the values it accepts.
MAX_VARIANTS = 10
MAX_CONTAINERS = 15
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_MAX_CONCURRENCY = 200
TRAFFIC_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
# `none`: no deployment configuration (SageMaker's own all-at-once blue/green, no rollback alarms).
STRATEGIES = ("blue_green", "rolling", "none")
MODES = ("SingleModel", "MultiModel")
CAPTURE_CONTENT_TYPES = ("application/json", "text/csv")
# Instance families with local NVMe storage: SageMaker refuses a storage-volume KMS key for them.
INSTANCE_STORE_FAMILIES = "^ml\\\\.(c5d|c6id|g4dn|g5|g6|g6e|m5d|m6id|p3dn|p4d|p4de|p5|r5d|inf2|trn1)\\\\."
# Guardrails fall back to all-at-once on Inferentia 1 (AWS's exclusion): refused rather than ignored.
INF1 = "^ml\\\\.inf1\\\\."
# An ECR image URI; its groups are the account, region and repository (the execution role's pull scope).
ECR_IMAGE = (
    "^([0-9]{12})\\\\.dkr\\\\.ecr\\\\.([a-z0-9-]+)\\\\.amazonaws\\\\.com(?:\\\\.cn)?/([a-z0-9._/-]+)"
    "(?::[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$"
)
S3_URL = "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"
INSTANCE_TYPE = "^ml\\\\.[a-z0-9]+\\\\.[a-z0-9]+$"
KEY = "^[A-Za-z0-9](-?[A-Za-z0-9]){0,19}$"

CONTAINER_TYPE = (
    "object({image = optional(string), model_package_name = optional(string), model_data_url = optional(string), "
    "model_archive = optional(string), "
    'environment = optional(map(string), {}), mode = optional(string, "SingleModel")})'
)
MODELS_TYPE = f"map(object({{containers = list({CONTAINER_TYPE}), enable_network_isolation = optional(bool, true)}}))"
VARIANT_TYPE = (
    "object({model = string, weight = optional(number, 1), instance_type = optional(string), "
    "initial_instance_count = optional(number, 1), "
    "serverless = optional(object({memory_size_in_mb = number, max_concurrency = number, "
    "provisioned_concurrency = optional(number)})), "
    "autoscaling = optional(object({min_capacity = number, max_capacity = number, "
    "target_invocations_per_instance = number, scale_in_cooldown_seconds = optional(number, 300), "
    "scale_out_cooldown_seconds = optional(number, 60)}))})"
)
DEPLOYMENT_TYPE = (
    'object({strategy = optional(string, "blue_green"), traffic = optional(string, "ALL_AT_ONCE"), '
    "canary_percent = optional(number, 10), linear_step_percent = optional(number, 25), "
    "wait_interval_seconds = optional(number, 300), termination_wait_seconds = optional(number, 0), "
    "maximum_execution_timeout_seconds = optional(number, 3600), rolling_batch_percent = optional(number, 25), "
    "auto_rollback = optional(bool, true)})"
)


def _variant_problems(name: str) -> str:
    v = f"var.{name}"
    return (
        "flatten(["
        f"[for k, x in {v} : \"{name}.${{k}}: model '${{x.model}}' is not a key of models\" "
        "if !contains(keys(var.models), x.model)], "
        f'[for k, x in {v} : "{name}.${{k}}: the name must be 1-20 letters, digits and single hyphens" '
        f'if !can(regex("{KEY}", k))], '
        f'[for k, x in {v} : "{name}.${{k}}: set exactly one of instance_type and serverless" '
        "if (x.instance_type == null) == (x.serverless == null)], "
        f"[for k, x in {v} : \"{name}.${{k}}: instance_type '${{x.instance_type}}' is not an ml.<family>.<size> type\" "
        f'if x.instance_type != null && !can(regex("{INSTANCE_TYPE}", coalesce(x.instance_type, "-")))], '
        f'[for k, x in {v} : "{name}.${{k}}: weight must be a whole number from 0 to 1000 (the emulator and '
        'the A/B split both keep whole weights)" '
        "if x.weight < 0 || x.weight > 1000 || floor(x.weight) != x.weight], "
        f'[for k, x in {v} : "{name}.${{k}}: initial_instance_count must be a whole number from 1 to 100" '
        "if x.initial_instance_count < 1 || x.initial_instance_count > 100 "
        "|| floor(x.initial_instance_count) != x.initial_instance_count], "
        f'[for k, x in {v} : "{name}.${{k}}: serverless memory_size_in_mb must be one of '
        f'{", ".join(str(m) for m in SERVERLESS_MEMORY_MB)}" '
        f"if x.serverless != null && !contains({list(SERVERLESS_MEMORY_MB)}, try(x.serverless.memory_size_in_mb, 0))], "
        f'[for k, x in {v} : "{name}.${{k}}: serverless max_concurrency must be from 1 to '
        f'{SERVERLESS_MAX_CONCURRENCY}, and provisioned_concurrency from 1 to max_concurrency" '
        "if x.serverless != null && (try(x.serverless.max_concurrency, 0) < 1 || "
        f"try(x.serverless.max_concurrency, 0) > {SERVERLESS_MAX_CONCURRENCY} || "
        # && and || evaluate both sides: every operand must be defined when a value is null.
        "coalesce(try(x.serverless.provisioned_concurrency, null), 1) < 1 || "
        "coalesce(try(x.serverless.provisioned_concurrency, null), 1) > try(x.serverless.max_concurrency, 0))], "
        f'[for k, x in {v} : "{name}.${{k}}: autoscaling applies to instance variants: a serverless variant '
        'scales by its max_concurrency" if x.autoscaling != null && x.serverless != null], '
        f'[for k, x in {v} : "{name}.${{k}}: autoscaling needs 1 <= min_capacity <= max_capacity <= 100 and a '
        'target above 0" if x.autoscaling != null && (try(x.autoscaling.min_capacity, 0) < 1 || '
        "try(x.autoscaling.min_capacity, 0) > try(x.autoscaling.max_capacity, 0) || "
        "try(x.autoscaling.max_capacity, 0) > 100 || try(x.autoscaling.target_invocations_per_instance, 0) <= 0)], "
        "])"
    )


# HCL, not SQL: the words "update ... on" are what ruff's S608 reads as a query.
ENDPOINT_PROBLEMS = (
    "flatten(["  # noqa: S608
    f'length(var.variants) < 1 || length(var.variants) > {MAX_VARIANTS} ? ["variants: an endpoint has 1 to '
    f'{MAX_VARIANTS} production variants"] : [], '
    'sum(concat([0], [for x in values(var.variants) : x.weight])) <= 0 ? ["variants: at least one weight must be '
    'above 0, or no request has a variant to go to"] : [], '
    'var.deployment.strategy == "rolling" && length(var.variants) > 1 ? ["deployment: AWS refuses a rolling update '
    'on a multi-variant endpoint; use strategy = \\"blue_green\\""] : [], '
    'var.deployment.strategy == "rolling" && anytrue([for x in values(var.variants) : x.serverless != null]) ? '
    '["deployment: AWS refuses a rolling update on a serverless endpoint; use strategy = \\"blue_green\\""] : [], '
    'var.deployment.traffic != "ALL_AT_ONCE" && anytrue([for x in values(var.variants) : '
    f'can(regex("{INF1}", coalesce(x.instance_type, "-")))]) ? ["deployment: SageMaker runs Inferentia 1 endpoints '
    'all at once (no canary or linear shifting, no baking); set traffic = \\"ALL_AT_ONCE\\""] : [], '
    "var.async_inference != null && anytrue([for x in values(var.variants) : x.serverless != null]) ? "
    '["async_inference: AWS refuses asynchronous inference on serverless variants"] : [], '
    'var.async_inference != null && length(var.shadow_variants) > 0 ? ["async_inference: AWS refuses shadow '
    'variants on an asynchronous endpoint"] : [], '
    'length(var.shadow_variants) > 1 ? ["shadow_variants: an endpoint has at most one shadow variant"] : [], '
    'length(setintersection(keys(var.variants), keys(var.shadow_variants))) > 0 ? ["shadow_variants: a shadow '
    'variant needs a name of its own"] : [], '
    "])"
)
DEPLOYMENT_PROBLEMS = (
    "compact(["
    f'contains({json_list(STRATEGIES)}, var.deployment.strategy) ? "" : "deployment.strategy must be one of: '
    f'{", ".join(STRATEGIES)}", '
    f'contains({json_list(TRAFFIC_TYPES)}, var.deployment.traffic) ? "" : "deployment.traffic must be one of: '
    f'{", ".join(TRAFFIC_TYPES)}", '
    'var.deployment.canary_percent >= 1 && var.deployment.canary_percent <= 50 ? "" : "deployment.canary_percent '
    'must be from 1 to 50 (the canary is a part of the fleet)", '
    'var.deployment.linear_step_percent >= 5 && var.deployment.linear_step_percent <= 50 ? "" : '
    '"deployment.linear_step_percent must be from 5 to 50", '
    'var.deployment.rolling_batch_percent >= 5 && var.deployment.rolling_batch_percent <= 50 ? "" : '
    '"deployment.rolling_batch_percent must be from 5 to 50", '
    'var.deployment.wait_interval_seconds >= 0 && var.deployment.wait_interval_seconds <= 3600 ? "" : '
    '"deployment.wait_interval_seconds must be from 0 to 3600", '
    'var.deployment.termination_wait_seconds >= 0 && var.deployment.termination_wait_seconds <= 3600 ? "" : '
    '"deployment.termination_wait_seconds must be from 0 to 3600", '
    "var.deployment.maximum_execution_timeout_seconds >= 600 && var.deployment.maximum_execution_timeout_seconds "
    '<= 28800 ? "" : "deployment.maximum_execution_timeout_seconds must be from 600 to 28800", '
    "])"
)
CONTAINER_PROBLEMS = (
    "flatten([for m, model in var.models : concat("
    f'length(model.containers) < 1 || length(model.containers) > {MAX_CONTAINERS} ? ["models.${{m}}: a model has 1 '
    f'to {MAX_CONTAINERS} containers"] : [], '
    f'can(regex("{KEY}", m)) ? [] : ["models.${{m}}: the name must be 1-20 letters, digits and single hyphens"], '
    '[for i, c in model.containers : "models.${m}.containers[${i}]: set exactly one of image and '
    'model_package_name" if (c.image == null) == (c.model_package_name == null)], '
    '[for i, c in model.containers : "models.${m}.containers[${i}]: image must be an ECR image URI '
    '(<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)" '
    f'if c.image != null && !can(regex("{ECR_IMAGE}", coalesce(c.image, "-")))], '
    '[for i, c in model.containers : "models.${m}.containers[${i}]: model_data_url must be an s3:// URL" '
    f'if c.model_data_url != null && !can(regex("{S3_URL}", coalesce(c.model_data_url, "-")))], '
    f'[for i, c in model.containers : "models.${{m}}.containers[${{i}}]: mode must be one of: {", ".join(MODES)}" '
    f"if !contains({json_list(MODES)}, c.mode)], "
    '[for i, c in model.containers : "models.${m}.containers[${i}]: a MultiModel container loads its models from '
    'the model_data_url prefix; set it" if c.mode == "MultiModel" && c.model_data_url == null], '
    '[for i, c in model.containers : "models.${m}.containers[${i}]: set at most one of model_data_url and '
    'model_archive" if c.model_data_url != null && c.model_archive != null], '
    '[for i, c in model.containers : "models.${m}.containers[${i}]: model_archive must name an existing '
    '.tar.gz file" if c.model_archive != null && !(endswith(coalesce(c.model_archive, "-"), ".tar.gz") && '
    'fileexists(coalesce(c.model_archive, "-")))]'
    ")])"
)


SPEC = ModuleSpec(
    name="sagemaker_endpoint",
    purpose=(
        "A SageMaker real-time (or asynchronous) inference endpoint for a custom model behind the AI gateway: "
        "models of one or more containers with a least-privilege execution role, production variants with whole "
        "weights for A/B tests (instance-backed or serverless), an optional shadow variant, data capture and "
        "async output to a KMS-encrypted bucket, blue/green (all at once, canary, linear) or rolling rollouts "
        "with automatic rollback on alarms the module creates per variant, and target-tracking autoscaling per "
        "variant. Configurations are named by their content, so a change creates the new one before the "
        "endpoint moves and removes the old one after."
    ),
    variables=(
        VariableSpec(
            "name",
            "string",
            "Endpoint name and prefix of what the module creates: 1-32 letters, digits and single hyphens (model "
            "and configuration names add a key and a content hash within SageMaker's 63 characters).",
            validations=(matches("name", "^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,31}$", "1-32 letters, digits, hyphens"),),
        ),
        VariableSpec(
            "models",
            MODELS_TYPE,
            "Models by key (1-20 letters, digits, hyphens): `containers` (1-15, an inference pipeline when "
            "more than one), each an ECR `image` or a `model_package_name`, `model_data_url` (s3://) or a "
            "`model_archive` (a local `model.tar.gz` the module uploads to its encrypted bucket under "
            "`models/<sha256>.tar.gz`, so a new archive is a new model), `environment`, `mode` (`SingleModel` or "
            "`MultiModel`); `enable_network_isolation` (default true).",
            validations=(no_offenders(CONTAINER_PROBLEMS),),
        ),
        VariableSpec(
            "variants",
            f"map({VARIANT_TYPE})",
            "Production variants by name: `model` (a key of `models`), whole `weight` (traffic share among the "
            "variants), `instance_type` and `initial_instance_count`, or `serverless` (`memory_size_in_mb`, "
            "`max_concurrency`, `provisioned_concurrency`); `autoscaling` (target tracking on invocations per "
            "instance) for instance variants.",
            validations=(no_offenders(_variant_problems("variants")), no_offenders(ENDPOINT_PROBLEMS)),
        ),
        VariableSpec(
            "shadow_variants",
            f"map({VARIANT_TYPE})",
            "At most one shadow variant (same shape as `variants`): it receives a copy of the traffic, its "
            "answers are captured, never returned. Default none.",
            default={},
            validations=(no_offenders(_variant_problems("shadow_variants")),),
        ),
        VariableSpec(
            "data_capture",
            "object({sampling_percentage = number, content_types = optional(list(string), "
            '["application/json"]), capture_input = optional(bool, true), capture_output = optional(bool, true)})',
            "Capture requests and answers to the module's encrypted bucket (`data-capture/`): percentage 1-100, "
            f"content types among {', '.join(CAPTURE_CONTENT_TYPES)}. `null` (default): no capture.",
            default=None,
            nullable=True,
            validations=(
                Validation(
                    "${var.data_capture == null ? true : (var.data_capture.sampling_percentage >= 1 && "
                    "var.data_capture.sampling_percentage <= 100 && floor(var.data_capture.sampling_percentage) == "
                    "var.data_capture.sampling_percentage && length(var.data_capture.content_types) > 0 && "
                    "alltrue([for t in var.data_capture.content_types : "
                    f"contains({json_list(CAPTURE_CONTENT_TYPES)}, t)]) "
                    "&& (var.data_capture.capture_input || var.data_capture.capture_output))}",
                    "data_capture needs sampling_percentage a whole number from 1 to 100, content_types among "
                    f"{', '.join(CAPTURE_CONTENT_TYPES)}, and capture_input or capture_output.",
                ),
            ),
        ),
        VariableSpec(
            "async_inference",
            "object({max_concurrent_invocations_per_instance = optional(number), "
            "success_topic_arn = optional(string), error_topic_arn = optional(string)})",
            "Make the endpoint asynchronous: requests name an input in S3, answers go to the module's bucket "
            "(`async/output/`, failures `async/failure/`), optionally announced on SNS topics. `null` (default): "
            "real-time.",
            default=None,
            nullable=True,
            validations=(
                Validation(
                    "${var.async_inference == null ? true : ("
                    "coalesce(var.async_inference.max_concurrent_invocations_per_instance, 1) >= 1 && "
                    "coalesce(var.async_inference.max_concurrent_invocations_per_instance, 1) <= 1000 && "
                    "alltrue([for t in [var.async_inference.success_topic_arn, var.async_inference.error_topic_arn] : "
                    't == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", t))]))}',
                    "async_inference needs max_concurrent_invocations_per_instance from 1 to 1000 (or unset) and SNS "
                    "topic ARNs for its topics.",
                ),
            ),
        ),
        VariableSpec(
            "deployment",
            DEPLOYMENT_TYPE,
            "How a change reaches the endpoint: `strategy` `blue_green` (default; `traffic` `ALL_AT_ONCE`, "
            "`CANARY` with `canary_percent`, or `LINEAR` with `linear_step_percent`, `wait_interval_seconds` of "
            "baking per step, `termination_wait_seconds`), `rolling` (`rolling_batch_percent`; single-variant "
            "instance endpoints only, as AWS requires) or `none` (SageMaker's own all-at-once update, no "
            "guardrails); `auto_rollback` on the module's variant alarms.",
            default={},
            validations=(no_offenders(DEPLOYMENT_PROBLEMS),),
        ),
        VariableSpec(
            "rollback_alarm_thresholds",
            "object({invocation_5xx_errors = optional(number, 5), model_latency_p99_ms = optional(number, 2000)})",
            "Per variant, what rolls a deployment back: 5XX answers in a minute (default `5`) and model latency "
            "p99 in ms (default `2000`), each over 2 of 3 minutes.",
            default={},
            validations=(
                Validation(
                    "${var.rollback_alarm_thresholds.invocation_5xx_errors >= 1 && "
                    "var.rollback_alarm_thresholds.model_latency_p99_ms >= 1 && "
                    "var.rollback_alarm_thresholds.model_latency_p99_ms <= 3600000}",
                    "rollback_alarm_thresholds needs invocation_5xx_errors of 1 or more and model_latency_p99_ms "
                    "from 1 to 3600000.",
                ),
            ),
        ),
        VariableSpec(
            "alarm_topic_arn",
            "string",
            "SNS topic the variant alarms also notify (e.g. the `operations` module's); `null` (default): none.",
            default=None,
            nullable=True,
            validations=(
                Validation(
                    '${var.alarm_topic_arn == null ? true : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:'
                    '[A-Za-z0-9_-]+$", var.alarm_topic_arn))}',
                    "alarm_topic_arn must be null or an SNS topic ARN.",
                ),
            ),
        ),
        VariableSpec(
            "vpc_config",
            "object({subnet_ids = list(string), security_group_ids = list(string)})",
            "Subnets and security groups the containers run in; `null` (default): SageMaker's network.",
            default=None,
            nullable=True,
            validations=(
                Validation(
                    "${var.vpc_config == null ? true : (length(var.vpc_config.subnet_ids) >= 1 && "
                    "length(var.vpc_config.subnet_ids) <= 16 && length(var.vpc_config.security_group_ids) >= 1 && "
                    "length(var.vpc_config.security_group_ids) <= 5)}",
                    "vpc_config needs 1-16 subnet_ids and 1-5 security_group_ids.",
                ),
            ),
        ),
        VariableSpec(
            "model_artifact_kms_key_arns",
            "list(string)",
            "KMS keys that encrypt the model artifacts in S3, which the execution role may decrypt (default none).",
            default=[],
        ),
        VariableSpec(
            "enable_autoscaling",
            "bool",
            "Create the variants' autoscaling targets and policies (default `true`; the emulator stores none).",
            default=True,
        ),
        *kms_key_variables(
            "ARN of an existing KMS key for the capture bucket and the storage volumes; `null` (default) creates "
            "one with rotation on."
        ),
        TAGS,
    ),
    outputs=(
        OutputSpec("endpoint_name", "Name of the endpoint: the `model_id` of a `sagemaker` model in `ai_gateway`."),
        OutputSpec("endpoint_arn", "ARN of the endpoint (what the gateway's roles are allowed to invoke)."),
        OutputSpec("variant_names", "Names of the production variants (for `TargetVariant`)."),
        OutputSpec(
            "variant_weights",
            "Weight of each production variant: what `ai_gateway`'s `transforms[...].variants.weights` takes, so "
            "sticky assignment splits as the endpoint does.",
        ),
        OutputSpec("endpoint_configuration_name", "Name of the configuration in use (`<name>-<content hash>`)."),
        OutputSpec("execution_role_arn", "ARN of the role the containers run as."),
        OutputSpec("bucket_name", "Bucket of captured data and async answers (`null` without either)."),
        OutputSpec("rollback_alarm_names", "Alarm names per variant that roll a deployment back."),
        OutputSpec("kms_key_arn", "ARN of the KMS key in use (created or given)."),
    ),
)
