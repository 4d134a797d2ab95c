"""Every module `make synth` generates: adding a module is one entry here (and its folder)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from constructs import Construct

from modules_src.common.spec import ModuleSpec


@dataclass(frozen=True)
class ModuleEntry:
    """A module: its spec, the stack that generates it, and extra files written beside main.tf.json."""

    spec: ModuleSpec
    stack: Callable[[Construct], Any]
    # File name -> a function returning its JSON content.
    extra_files: dict[str, Callable[[], Any]] = field(default_factory=dict)


def modules() -> tuple[ModuleEntry, ...]:
    """The registry (imported on call: jsii must start after synth has set up its environment)."""
    from modules_src.ai_gateway.openapi import document as openapi_document
    from modules_src.ai_gateway.stack import AiGatewayStack
    from modules_src.ai_gateway.variables import SPEC as AI_GATEWAY
    from modules_src.ai_gateway.variables import STREAMING_SPEC as AI_GATEWAY_STREAMING
    from modules_src.api_gateway_account.stack import ApiGatewayAccountStack
    from modules_src.api_gateway_account.variables import SPEC as API_GATEWAY_ACCOUNT
    from modules_src.operations.stack import OperationsStack
    from modules_src.operations.variables import SPEC as OPERATIONS
    from modules_src.sagemaker_endpoint.stack import SagemakerEndpointStack
    from modules_src.sagemaker_endpoint.variables import SPEC as SAGEMAKER_ENDPOINT
    from modules_src.waf.stack import WafStack
    from modules_src.waf.variables import SPEC as WAF

    return (
        ModuleEntry(AI_GATEWAY, AiGatewayStack, {"openapi.json": openapi_document}),
        ModuleEntry(AI_GATEWAY_STREAMING, partial(AiGatewayStack, streaming=True), {"openapi.json": openapi_document}),
        ModuleEntry(API_GATEWAY_ACCOUNT, ApiGatewayAccountStack),
        ModuleEntry(OPERATIONS, OperationsStack),
        ModuleEntry(SAGEMAKER_ENDPOINT, SagemakerEndpointStack),
        ModuleEntry(WAF, WafStack),
    )
