"""API Gateway's own refusals (auth, throttling, size, timeouts) in the gateway's one JSON error envelope.

Every default 4xx/5xx response type answers `{"error": {message, type, code, param,
request_id}}` (what OpenAI clients parse) with an `x-request-id` header, so a
client sees the same shape whether API Gateway or a Lambda refused it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktn_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from constructs import Construct

from contract import tenancy
from modules_src.common.naming import named


@dataclass(frozen=True)
class GatewayResponse:
    """One response type: the status to send (None keeps API Gateway's), OpenAI error type and code."""

    response_type: str
    status: str | None
    error_type: str
    code: str
    retry_after_seconds: int | None = None
    # What stands for the message in the template: `$context.error.messageString` is substituted as a
    # quoted JSON string; `$context.error.validationErrorString` as raw text, so the template quotes it.
    message_variable: str = "$context.error.messageString"


RESPONSES: tuple[GatewayResponse, ...] = (
    # The authorizer's note says why (e.g. the scope a token lacks): "" or ": ..." (contract.tenancy).
    GatewayResponse(
        "ACCESS_DENIED",
        "403",
        "permission_error",
        "access_denied",
        message_variable=f'"$context.error.message$context.authorizer.{tenancy.CONTEXT_ACCESS_NOTE}"',
    ),
    GatewayResponse("API_CONFIGURATION_ERROR", "500", "server_error", "gateway_misconfigured"),
    GatewayResponse("AUTHORIZER_CONFIGURATION_ERROR", "500", "server_error", "authorizer_misconfigured"),
    GatewayResponse("AUTHORIZER_FAILURE", "500", "server_error", "authorizer_failed"),
    # Validation failures name what was wrong: the validator's own (quoted) message.
    GatewayResponse(
        "BAD_REQUEST_BODY",
        "400",
        "invalid_request_error",
        "invalid_body",
        message_variable='"$context.error.validationErrorString"',
    ),
    GatewayResponse(
        "BAD_REQUEST_PARAMETERS",
        "400",
        "invalid_request_error",
        "invalid_parameters",
        message_variable='"$context.error.validationErrorString"',
    ),
    GatewayResponse("DEFAULT_4XX", None, "invalid_request_error", "request_refused"),
    GatewayResponse("DEFAULT_5XX", None, "server_error", "gateway_error"),
    GatewayResponse("EXPIRED_TOKEN", "401", "authentication_error", "expired_token"),
    GatewayResponse("INTEGRATION_FAILURE", "502", "server_error", "backend_failed"),
    GatewayResponse("INTEGRATION_TIMEOUT", "504", "server_error", "backend_timeout"),
    GatewayResponse("INVALID_API_KEY", "401", "authentication_error", "invalid_api_key"),
    GatewayResponse("INVALID_SIGNATURE", "401", "authentication_error", "invalid_signature"),
    # With a custom authorizer on every method, API Gateway sends this only for unknown routes.
    GatewayResponse("MISSING_AUTHENTICATION_TOKEN", "404", "invalid_request_error", "route_not_found"),
    GatewayResponse("QUOTA_EXCEEDED", "429", "rate_limit_error", "quota_exceeded"),
    GatewayResponse("REQUEST_TOO_LARGE", "413", "invalid_request_error", "request_too_large"),
    GatewayResponse("RESOURCE_NOT_FOUND", "404", "invalid_request_error", "not_found"),
    GatewayResponse("THROTTLED", "429", "rate_limit_error", "rate_limit_exceeded", retry_after_seconds=1),
    GatewayResponse("UNAUTHORIZED", "401", "authentication_error", "invalid_api_key"),
    GatewayResponse("UNSUPPORTED_MEDIA_TYPE", "415", "invalid_request_error", "unsupported_media_type"),
    GatewayResponse("WAF_FILTERED", "403", "permission_error", "request_blocked"),
)


def template(response: GatewayResponse) -> str:
    """The body: a simple-substitution template (not VTL) whose message variable is a quoted JSON string."""
    fields = {
        "message": "@MESSAGE@",
        "type": response.error_type,
        "code": response.code,
        "param": None,
        "request_id": "$context.requestId",
    }
    return json.dumps({"error": fields}, separators=(",", ":")).replace('"@MESSAGE@"', response.message_variable)


def parameters(response: GatewayResponse) -> dict[str, str]:
    """The response's headers: the request id always, `retry-after` where the response says when to retry."""
    found = {"gatewayresponse.header.x-request-id": "context.requestId"}
    if response.retry_after_seconds is not None:
        found["gatewayresponse.header.retry-after"] = f"'{response.retry_after_seconds}'"
    return found


class GatewayResponses(Construct):
    """Attribute: `responses` by response type."""

    def __init__(self, scope: Construct, id_: str, rest_api_id: str) -> None:
        super().__init__(scope, id_)
        self.responses: dict[str, ApiGatewayGatewayResponse] = {}
        for response in RESPONSES:
            self.responses[response.response_type] = named(
                ApiGatewayGatewayResponse(
                    self,
                    response.response_type.lower(),
                    rest_api_id=rest_api_id,
                    response_type=response.response_type,
                    status_code=response.status,
                    response_templates={"application/json": template(response)},
                    response_parameters=parameters(response),
                ),
                response.response_type.lower(),
            )
