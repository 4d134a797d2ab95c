"""Inputs and outputs of the `api_gateway_account` module."""

from __future__ import annotations

from modules_src.common.spec import ModuleSpec, OutputSpec, VariableSpec
from modules_src.common.validations import matches

SPEC = ModuleSpec(
    name="api_gateway_account",
    purpose=(
        "API Gateway's account-level settings for one region: the IAM role it assumes to write stage "
        "access and execution logs to CloudWatch. Apply it once per account and region, from the "
        "environment root, before stages that log."
    ),
    variables=(
        VariableSpec(
            "role_name",
            "string",
            "Name of the IAM role API Gateway assumes to push logs: 1-64 letters, digits and `+=,.@_-`.",
            default="api-gateway-cloudwatch-logs",
            validations=(matches("role_name", "^[A-Za-z0-9+=,.@_-]{1,64}$"),),
        ),
        VariableSpec(
            "tags",
            "map(string)",
            "Tags added to the role (merged over the provider's `default_tags`).",
            default={},
        ),
    ),
    outputs=(OutputSpec("cloudwatch_role_arn", "ARN of the role API Gateway uses to write CloudWatch logs."),),
    notes=(
        "`aws_api_gateway_account` is a singleton per region: destroying this module leaves the setting "
        "in place (AWS has no delete), which is what other stacks logging in the region expect.",
    ),
)
