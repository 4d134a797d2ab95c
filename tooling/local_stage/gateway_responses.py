"""API Gateway's own answers (auth, throttles, validation, failures), rendered from the deployed gateway responses.

Each refusal names its response type (`THROTTLED`, `BAD_REQUEST_BODY`, ...). The stage
answers it as API Gateway does: the deployed response of that type, else the deployed
DEFAULT_4XX or DEFAULT_5XX by the type's status class, else API Gateway's built-in
`{"message": ...}`; its status (the type's default when the response sets none), its
headers from `gatewayresponse.header.*` parameters (a `'literal'`, a `context.*`
variable or a `method.request.header.*` of the request), and its body from the
template by simple substitution (gateway response templates are not VTL):

- `$context.error.messageString` is the message as a quoted JSON string;
- `$context.error.message` and `$context.error.validationErrorString` are the raw
  text, JSON-escaped so that a template that quotes them stays JSON (API Gateway's
  documented output of a quoted `validationErrorString` shows its quotes escaped);
- `$context.requestId`, `$context.error.responseType`, `$context.authorizer.*`,
  `$context.stage`, `$context.identity.sourceIp`; any other variable renders empty.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from shared.errors import GatewayError

# The status and message API Gateway gives each response type when nothing customizes it.
DEFAULTS: dict[str, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "BAD_REQUEST_BODY": (400, "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": (400, "Invalid request parameters"),
    "EXPIRED_TOKEN": (403, "The security token included in the request is expired"),
    "INTEGRATION_FAILURE": (504, "Internal server error"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "INVALID_SIGNATURE": (403, "The request signature we calculated does not match the signature you provided"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "RESOURCE_NOT_FOUND": (404, "Resource not found"),
    "THROTTLED": (429, "Too Many Requests"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type"),
    "WAF_FILTERED": (403, "Forbidden"),
}
VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")


class Refusal(Exception):
    """What API Gateway itself answers instead of calling the integration: a response type and its message."""

    def __init__(self, response_type: str, message: str | None = None, *, validation_error: str | None = None) -> None:
        if response_type not in DEFAULTS:
            raise ValueError(f"not an API Gateway response type: {response_type}")
        self.response_type = response_type
        self.message = message if message is not None else DEFAULTS[response_type][1]
        self.validation_error = validation_error
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return DEFAULTS[self.response_type][0]


class NotEmulated(GatewayError):
    """A behaviour of a deployed stage the local stage cannot reproduce: a 501 naming the feature, in the
    gateway's error envelope."""

    def __init__(self, feature: str) -> None:
        message = f"the local stage does not emulate {feature}; run it in AWS"
        super().__init__(501, "not_emulated", message, error_type="server_error")
        self.feature = feature


@dataclass(frozen=True)
class Request:
    """What a gateway response may read of the request it answers."""

    request_id: str
    stage: str
    headers: dict[str, str] = field(default_factory=dict)
    authorizer: dict[str, Any] = field(default_factory=dict)
    source_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None
    parameters: dict[str, str]
    template: str | None


class GatewayResponses:
    """The deployed gateway responses of one REST API, by response type."""

    def __init__(self, responses: dict[str, GatewayResponse] | None = None) -> None:
        self.responses = responses or {}

    @classmethod
    def from_emulator(cls, apigateway: Any, rest_api_id: str) -> GatewayResponses:
        responses = {}
        for item in apigateway.get_gateway_responses(restApiId=rest_api_id, limit=500).get("items", []):
            if item.get("defaultResponse"):  # API Gateway's own, not customized
                continue
            status = item.get("statusCode")
            templates = item.get("responseTemplates") or {}
            responses[item["responseType"]] = GatewayResponse(
                int(status) if status else None,
                dict(item.get("responseParameters") or {}),
                templates.get("application/json"),
            )
        return cls(responses)

    def render(self, refusal: Refusal, request: Request) -> tuple[int, dict[str, str], bytes]:
        """The status, headers and body API Gateway sends for `refusal`."""
        default_status = refusal.status
        family = "DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX"
        response = self.responses.get(refusal.response_type) or self.responses.get(family)
        if response is None:
            body = json.dumps({"message": refusal.message}).encode()
            return default_status, {"content-type": "application/json"}, body
        variables = self._variables(refusal, request)
        headers = {"content-type": "application/json"}
        for name, source in response.parameters.items():
            if name.startswith("gatewayresponse.header."):
                headers[name.removeprefix("gatewayresponse.header.").lower()] = _parameter(source, variables, request)
        text = substitute(response.template, variables) if response.template is not None else ""
        return response.status or default_status, headers, text.encode("utf-8")

    @staticmethod
    def _variables(refusal: Refusal, request: Request) -> dict[str, str]:
        escaped = json.dumps(refusal.message, ensure_ascii=False)
        variables = {
            "requestId": request.request_id,
            "stage": request.stage,
            "identity.sourceIp": request.source_ip,
            "error.message": escaped[1:-1],
            "error.messageString": escaped,
            "error.responseType": refusal.response_type,
            "error.validationErrorString": json.dumps(refusal.validation_error or "", ensure_ascii=False)[1:-1],
        }
        for name, value in request.authorizer.items():
            variables[f"authorizer.{name}"] = json.dumps(str(value), ensure_ascii=False)[1:-1]
        return variables


def substitute(template: str, variables: dict[str, str]) -> str:
    """Replace each `$context.<name>` with its value (the longest known name wins; unknown ones are empty)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        while name:
            if name in variables:
                return variables[name] + match.group(1)[len(name) :]
            name = name.rpartition(".")[0]
        return ""

    return VARIABLE.sub(value, template)


def _parameter(source: str, variables: dict[str, str], request: Request) -> str:
    if source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("context."):
        return variables.get(source.removeprefix("context."), "")
    if source.startswith("method.request.header."):
        return request.headers.get(source.removeprefix("method.request.header.").lower(), "")
    return ""
