"""Run a deployed direct service integration locally: its mapping templates, the service, its error mappings.

What API Gateway does for the direct routes (`POST /v1/predict/{model}`,
`POST /v1/bedrock/{modelId}/converse`), with the deployed configuration read from the
emulator: pick the request template by content type (none: the deployed
UNSUPPORTED_MEDIA_TYPE response, as `passthrough_behavior = NEVER` answers), render it
with the same VTL engine the tests use (tooling/vtl.py: `$input`, `$util`, `$context`
with the authorizer's context and `requestOverride`), send the rendered body to a local
stand-in of the service at the path the template chose (the local SageMaker runtime;
the Converse stand-in of tooling/local_stage/converse.py), then pick the integration
response whose selection pattern matches the service's status and render its template
(the gateway's shape or its error envelope), or pass the body on.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tooling.local_stage.gateway_responses import Refusal
from tooling.vtl import render

TIMEOUT_SECONDS = 29  # API Gateway's integration limit
# The integration URI's path parameter (`.../endpoints/{endpoint}/invocations`): the request template
# sets it through `$context.requestOverride.path`, choosing the service's target.
URI_PARAMETER = re.compile(r"\{(\w+)\}")
# A stand-in of the service: (the target the template chose, rendered body, content type) -> (status, body).
Service = Callable[[str, bytes, str], tuple[int, bytes]]


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


def sagemaker_service(runtime_url: str) -> Service:
    """InvokeEndpoint on the local SageMaker runtime, for the endpoint the template chose."""

    def invoke(endpoint: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        url = f"{runtime_url}/endpoints/{urllib.parse.quote(endpoint, safe='')}/invocations"
        return post(url, body, content_type)

    return invoke


def post(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST to a local server: (status, body), an HTTP error included."""
    request = urllib.request.Request(  # noqa: S310 - a local stand-in on loopback
        url, data=body, method="POST", headers={"content-type": content_type, "accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def direct_handler(integration: dict[str, Any], service: Service) -> Any:
    """A proxy-style handler (event -> proxy response) running `integration` against `service`."""
    templates = integration.get("requestTemplates") or {}
    responses = integration_responses(integration)
    parameters = URI_PARAMETER.findall(integration.get("uri", ""))
    if len(parameters) != 1:
        raise ValueError(f"a direct integration's URI names one target parameter: {integration.get('uri')!r}")

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = event.get("headers") or {}
        content_type = str(headers.get("content-type", "application/json")).split(";")[0].strip().lower()
        request_id = event["requestContext"]["requestId"]
        template = templates.get(content_type)
        if template is None:
            raise Refusal("UNSUPPORTED_MEDIA_TYPE")
        body = event.get("body") or ""
        path = dict(event.get("pathParameters") or {})
        params = {"path": path, "header": dict(headers), "querystring": {}}
        authorizer = {k: str(v) for k, v in (event["requestContext"].get("authorizer") or {}).items()}
        rendered, ctx = render(template, body, params=params, authorizer=authorizer, request_id=request_id)
        target = str(ctx["requestOverride"]["path"].get(parameters[0], ""))
        status, answer = service(target, rendered.encode("utf-8"), content_type)
        chosen = select(responses, status)
        text = answer.decode("utf-8", "replace")
        if chosen.template is not None:
            text, _ = render(chosen.template, text, params=params, request_id=request_id)
        return {
            "statusCode": int(chosen.status),
            "headers": {"content-type": "application/json", "x-request-id": request_id},
            "body": text,
            "isBase64Encoded": False,
        }

    return handle
