"""Run a deployed direct SageMaker integration locally: its mapping templates, InvokeEndpoint, its error mappings.

What API Gateway does for `POST /v1/predict/{model}`, with the deployed configuration
read from the emulator: pick the request template by content type (none: the deployed
UNSUPPORTED_MEDIA_TYPE response, as `passthrough_behavior = NEVER` answers), render it
with the same VTL engine the tests use (tooling/vtl.py: `$input`, `$util`, `$context`
with the authorizer's context and `requestOverride`), call InvokeEndpoint on the local
SageMaker runtime for the endpoint the template chose, then pick the integration
response whose selection pattern matches the service's status and render its template
(the error envelope), or pass the body on.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from tooling.local_stage.gateway_responses import Refusal
from tooling.vtl import render

TIMEOUT_SECONDS = 29  # API Gateway's integration limit
ENDPOINT_PARAMETER = "endpoint"


@dataclass(frozen=True)
class IntegrationResponse:
    status: str
    pattern: str | None
    template: str | None


def integration_responses(integration: dict[str, Any]) -> tuple[IntegrationResponse, ...]:
    """The deployed integration responses (selection pattern -> status and template)."""
    found = []
    for status, item in sorted((integration.get("integrationResponses") or {}).items()):
        templates = item.get("responseTemplates") or {}
        found.append(
            IntegrationResponse(status, item.get("selectionPattern") or None, templates.get("application/json"))
        )
    return tuple(found)


def select(responses: tuple[IntegrationResponse, ...], status: int) -> IntegrationResponse:
    """The response whose pattern matches the whole status text, else the default (no pattern)."""
    for response in responses:
        if response.pattern is not None and re.fullmatch(response.pattern, str(status)):
            return response
    default = [r for r in responses if r.pattern is None]
    return default[0] if default else IntegrationResponse("200", None, None)


def invoke(runtime_url: str, endpoint: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    """InvokeEndpoint on the local runtime: (status, body)."""
    url = f"{runtime_url}/endpoints/{urllib.parse.quote(endpoint, safe='')}/invocations"
    request = urllib.request.Request(  # noqa: S310 - the local runtime on loopback
        url, data=body, method="POST", headers={"content-type": content_type, "accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def sagemaker_handler(integration: dict[str, Any], runtime_url: str) -> Any:
    """A proxy-style handler (event -> proxy response) running `integration` against the local runtime."""
    templates = integration.get("requestTemplates") or {}
    responses = integration_responses(integration)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = event.get("headers") or {}
        content_type = str(headers.get("content-type", "application/json")).split(";")[0].strip().lower()
        request_id = event["requestContext"]["requestId"]
        template = templates.get(content_type)
        if template is None:
            raise Refusal("UNSUPPORTED_MEDIA_TYPE")
        body = event.get("body") or ""
        params = {"path": dict(event.get("pathParameters") or {}), "header": dict(headers), "querystring": {}}
        authorizer = {k: str(v) for k, v in (event["requestContext"].get("authorizer") or {}).items()}
        rendered, ctx = render(template, body, params=params, authorizer=authorizer, request_id=request_id)
        endpoint = ctx["requestOverride"]["path"].get(ENDPOINT_PARAMETER, "")
        status, answer = invoke(runtime_url, str(endpoint), rendered.encode("utf-8"), content_type)
        chosen = select(responses, status)
        if chosen.template is None:
            return _answer(int(chosen.status), answer.decode("utf-8", "replace"), request_id)
        text, _ = render(chosen.template, answer.decode("utf-8", "replace"), request_id=request_id)
        return _answer(int(chosen.status), text, request_id)

    return handle


def _answer(status: int, body: str, request_id: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "x-request-id": request_id},
        "body": body,
        "isBase64Encoded": False,
    }
