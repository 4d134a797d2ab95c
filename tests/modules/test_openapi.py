"""The published OpenAPI contract: valid OpenAPI 3, and exactly the routes the module deploys."""

from __future__ import annotations

import json
from typing import Any

from openapi_spec_validator import validate

from modules_src.ai_gateway.gateway_responses import RESPONSES
from modules_src.ai_gateway.openapi import document
from tooling.paths import MODULES_DIR


def committed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((MODULES_DIR / "ai_gateway" / "openapi.json").read_text())
    return loaded


def deployed_routes() -> set[tuple[str, str]]:
    """(METHOD, /path) of every aws_api_gateway_method in the generated module."""
    resources = json.loads((MODULES_DIR / "ai_gateway" / "main.tf.json").read_text())["resource"]
    paths = {}
    for name, resource in resources["aws_api_gateway_resource"].items():
        parent = resource["parent_id"].removeprefix("${aws_api_gateway_resource.").removesuffix(".id}")
        paths[name] = (parent, resource["path_part"])

    def full(name: str) -> str:
        parent, part = paths[name]
        return ("" if parent.startswith("${aws_api_gateway_rest_api") else full(parent)) + "/" + part

    found = set()
    for method in resources["aws_api_gateway_method"].values():
        if "count" in method:  # the optional /iam twins (enable_iam_routes): the README documents them
            continue
        resource = method["resource_id"].removeprefix("${aws_api_gateway_resource.").removesuffix(".id}")
        found.add((method["http_method"], full(resource)))
    return found


def test_the_committed_document_is_valid_openapi_3() -> None:
    validate(committed())
    assert committed() == json.loads(json.dumps(document()))


def test_it_lists_exactly_the_deployed_routes() -> None:
    listed = {(method.upper(), path) for path, item in committed()["paths"].items() for method in item}
    assert listed == deployed_routes()


def test_every_route_documents_success_and_every_gateway_error_status() -> None:
    statuses = {r.status for r in RESPONSES if r.status}
    for item in committed()["paths"].values():
        for operation in item.values():
            assert "200" in operation["responses"]
            assert statuses <= set(operation["responses"])


def test_both_credentials_are_security_schemes() -> None:
    schemes = committed()["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "description": "A tenant API key or a JWT."}
    assert schemes["apiKey"]["name"] == "x-api-key"


def test_the_routes_that_stream_declare_their_event_stream_and_no_other_does() -> None:
    streamed = {
        f"{method.upper()} {path}"
        for path, item in committed()["paths"].items()
        for method, operation in item.items()
        if "text/event-stream" in operation["responses"]["200"]["content"]
    }
    assert streamed == {"POST /v1/chat/completions", "POST /v1/responses", "POST /v1/prompts/{promptName}"}
