"""The gateway's own gateway responses as the generated module deploys them, for local stage tests."""

from __future__ import annotations

import json

from tooling.local_stage.gateway_responses import GatewayResponse, GatewayResponses
from tooling.paths import MODULES_DIR


def module_gateway_responses(module: str = "ai_gateway") -> GatewayResponses:
    """Every `aws_api_gateway_gateway_response` of the committed module, as the emulator would hand them back."""
    document = json.loads((MODULES_DIR / module / "main.tf.json").read_text())
    responses = {}
    for item in document["resource"]["aws_api_gateway_gateway_response"].values():
        status = item.get("status_code")
        responses[item["response_type"]] = GatewayResponse(
            int(status) if status else None,
            dict(item.get("response_parameters") or {}),
            (item.get("response_templates") or {}).get("application/json"),
        )
    return GatewayResponses(responses)
