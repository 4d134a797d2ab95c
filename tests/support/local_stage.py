"""For local stage tests: the module's gateway responses and direct integrations as deployed, and a clock."""

from __future__ import annotations

import json
from typing import Any

from modules_src.ai_gateway.service_integrations import ERROR_MAPPINGS, SERVICE_TARGETS
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


def deployed_integration(service: str, alias_map: dict[str, str]) -> dict[str, Any]:
    """A direct route's integration as the emulator returns it: the module's own templates and error mappings."""
    target = SERVICE_TARGETS[service]
    templates = {
        kind: text.replace(target.map_placeholder, json.dumps(alias_map))
        for kind, text in target.request_templates().items()
    }
    success: dict[str, Any] = {"statusCode": "200"}
    if target.response_template:
        from modules_src.ai_gateway.templates import load

        success["responseTemplates"] = {"application/json": load(target.response_template)}
    responses = {"200": success} | {
        m.status: {
            "statusCode": m.status,
            "selectionPattern": m.pattern,
            "responseTemplates": {"application/json": m.template},
        }
        for m in ERROR_MAPPINGS
    }
    uri = f"arn:aws:apigateway:us-east-1:{target.uri_path}"
    return {"uri": uri, "requestTemplates": templates, "integrationResponses": responses}


class ManualClock:
    """A clock the test moves by hand (`clock.now += 1.0`), for token buckets, quotas and cache TTLs."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
