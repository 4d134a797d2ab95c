"""Inputs of the API and its stage: names, throttles, method settings, the models cache, canary, custom domain."""

from __future__ import annotations

from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import matches, one_of, optional_matches, whole_number_between

CACHE_CLUSTER_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")

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
        "models_cache_cluster_size_in_gb",
        "string",
        "Size in GB of the stage cache cluster when `enable_models_cache` is on: "
        f"`{'`, `'.join(CACHE_CLUSTER_SIZES)}` (default `0.5`).",
        default="0.5",
        validations=(one_of("models_cache_cluster_size_in_gb", CACHE_CLUSTER_SIZES),),
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
        "tags",
        "map(string)",
        "Tags added to every taggable resource (merged over the provider's `default_tags`).",
        default={},
    ),
)
