"""What a function answers when its model provider could not serve: the provider's refusal, or no answer.

Shared by the router and the transform: the provider's own text is never repeated to
the client (it can hold account ids, endpoint names and ARNs); the caller logs it
under the request id.
"""

from __future__ import annotations

from shared.backend_errors import BackendError
from shared.errors import GatewayError
from shared.resilience import AllTargetsFailed

# Statuses a provider uses to say the gateway's own setup is wrong (key, model access, model id);
# a redirect (3xx, refused) says the same of its base URL.
CONFIGURATION_STATUSES = (401, 403, 404)

NO_TENANT = GatewayError(
    403,
    "no_tenant",
    "the request carries no tenant; call the gateway through its API stage with a tenant credential",
    error_type="permission_error",
)


def client_refusal(err: BackendError) -> GatewayError:
    """A provider's final 4xx: the gateway's own setup (502) or the request (400).

    The provider's text is never repeated to the client (it can hold account ids,
    endpoint names and ARNs); the pipeline logs it under the request id.
    """
    if err.status in CONFIGURATION_STATUSES or (err.status is not None and 300 <= err.status < 400):
        return GatewayError(
            502,
            "upstream_configuration",
            "the model provider refused the gateway's credentials or model id; an operator must fix the deployment",
            error_type="server_error",
        )
    if err.public is not None:
        return GatewayError(400, "unsupported_by_model", err.public)
    status = f" with status {err.status}" if err.status else ""
    return GatewayError(
        400,
        "upstream_rejected",
        f"the model provider rejected the request{status}; check its parameters against what the model accepts "
        "and quote the request id if it persists",
    )


def all_failed(err: AllTargetsFailed) -> GatewayError:
    """502, 503 (with `Retry-After`) or 504 when no target answered."""
    status = err.status
    messages = {
        503: ("upstream_unavailable", "every model that may serve this request is throttled or unavailable"),
        504: ("upstream_timeout", "the model did not answer within the gateway's time budget"),
        502: ("upstream_failed", "every model that may serve this request failed"),
    }
    if {e.kind for e in err.errors.values()} == {"oversize"}:
        messages[502] = ("upstream_answer_too_large", "the model's answer was larger than the gateway can return")
    code, message = messages[status]
    retry = err.retry_after_seconds
    return GatewayError(
        status,
        code,
        f"{message}; retry later and quote the request id if it persists",
        error_type="server_error",
        headers={"retry-after": str(retry)} if retry is not None else None,
    )
