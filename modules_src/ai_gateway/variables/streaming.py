"""Inputs only `ai_gateway_streaming` has: whether its router routes stream (API Gateway's STREAM mode).

That module is `ai_gateway` generated with these inputs and `response_transfer_mode` on its router
integrations, an argument of AWS provider 6.25 and later: the default module stays valid on
provider 5.100, and a root on a newer provider turns streaming on by switching the module's source.
"""

from __future__ import annotations

from modules_src.common.spec import Validation, VariableSpec

# The first provider with `aws_api_gateway_integration.response_transfer_mode`.
STREAMING_PROVIDER_VERSION = ">= 6.25, < 7.0"
# Integration arguments provider 5.100 does not know (the only ones the streaming module adds).
STREAMING_ONLY_ARGUMENTS = ("response_transfer_mode",)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "response_streaming",
        "bool",
        "Stream the router's answers (`stream: true` chat completions as server-sent events, token by token): "
        "the router's integrations use API Gateway's STREAM transfer mode and Lambda's "
        "`InvokeWithResponseStream`, and the function runs the gateway's streaming runtime loop through its "
        "exec wrapper (default `true`; `false` answers whole, the SSE body in one response, as `ai_gateway` does).",
        default=True,
        validations=(
            Validation(
                "${!var.response_streaming || !var.enable_models_cache}",
                "API Gateway does not cache STREAM integrations: set enable_models_cache = false, or "
                "response_streaming = false.",
            ),
        ),
    ),
)
