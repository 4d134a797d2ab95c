"""Read the parts of an API Gateway REST proxy event a handler needs, refusing malformed ones."""

from __future__ import annotations

import base64
import binascii
import functools
import time
from dataclasses import dataclass, field
from typing import Any

from contract import tenancy
from shared.errors import GatewayError

MAX_ID_LENGTH = 128
# API Gateway accepts up to 10 MB, a synchronous Lambda invocation 6 MB (the event's JSON included):
# 5 MiB leaves room for the event and holds one image of Converse's largest as a data URL.
MAX_BODY_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class TenantContext:
    """What the authorizer said about the caller, decoded from its string-only context."""

    tenant_id: str
    tier: str
    allowed_models: frozenset[str]
    daily_token_budget: int | None = None
    monthly_token_budget: int | None = None


@dataclass(frozen=True)
class ProxyRequest:
    """The method, matched route and request id of one proxy event, and the caller's tenant."""

    method: str
    route: str
    request_id: str
    # None when no authorizer ran; the deployed API (and the local stage) always has one.
    tenant: TenantContext | None = None
    # Header names in lower case (API Gateway keeps the client's case).
    headers: dict[str, str] = field(default_factory=dict)
    # The body as text (base64 bodies decoded); None when the request has none.
    body: str | None = None
    # When the Lambda invocation times out, on time.monotonic()'s clock; None when unknown.
    deadline: float | None = None
    # The route's path parameters (`{model}` -> its value), strings only.
    path_parameters: dict[str, str] = field(default_factory=dict)
    # A SigV4 caller's ARN and account (`requestContext.identity.userArn`, `accountId`): on AWS_IAM methods only.
    caller_arn: str | None = None
    caller_account: str | None = None

    def seconds_left(self, margin: float) -> float:
        """Seconds until the invocation's deadline less `margin` (infinite when there is none)."""
        if self.deadline is None:
            return float("inf")
        return max(0.0, self.deadline - time.monotonic() - margin)


def tenant_of(event: dict[str, Any]) -> TenantContext | None:
    """Decode the authorizer context with the contract's encodings (strings only reach integrations)."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    if not isinstance(authorizer, dict) or not isinstance(authorizer.get(tenancy.CONTEXT_TENANT_ID), str):
        return None
    tier = authorizer.get(tenancy.CONTEXT_TIER)
    models = authorizer.get(tenancy.CONTEXT_ALLOWED_MODELS)
    return TenantContext(
        authorizer[tenancy.CONTEXT_TENANT_ID],
        tier if isinstance(tier, str) else "",
        _allowed_models(models) if isinstance(models, str) else frozenset(),
        daily_token_budget=tenancy.decode_count(authorizer.get(tenancy.CONTEXT_DAILY_TOKEN_BUDGET)),
        monthly_token_budget=tenancy.decode_count(authorizer.get(tenancy.CONTEXT_MONTHLY_TOKEN_BUDGET)),
    )


@functools.lru_cache(maxsize=1024)
def _allowed_models(text: str) -> frozenset[str]:
    """A tenant's allow-list, decoded once per distinct context string (it repeats on every request)."""
    return tenancy.decode_list(text)


def _identity(event: dict[str, Any], name: str) -> str | None:
    context = event.get("requestContext")
    identity = context.get("identity") if isinstance(context, dict) else None
    value = identity.get(name) if isinstance(identity, dict) else None
    return value if isinstance(value, str) and value else None


def _headers(event: dict[str, Any]) -> dict[str, str]:
    raw = event.get("headers")
    if not isinstance(raw, dict):
        return {}
    return {k.lower(): v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def _path_parameters(event: dict[str, Any]) -> dict[str, str]:
    raw = event.get("pathParameters")
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def _body(event: dict[str, Any]) -> str | None:
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise GatewayError(400, "invalid_event", "the request body is not text")
    if len(body) > MAX_BODY_BYTES * 2:
        raise GatewayError(413, "request_too_large", f"the request body is larger than {MAX_BODY_BYTES} bytes")
    if event.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise GatewayError(400, "invalid_body", "the request body is not valid base64") from None
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise GatewayError(413, "request_too_large", f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GatewayError(400, "invalid_body", "the request body is not UTF-8 text") from None


def request_id_of(event: Any, fallback: str) -> str:
    """Return API Gateway's request id from the event, else `fallback` (the Lambda request id).

    Only short printable ids are taken, so a hostile event can't put arbitrary text
    into the response headers or logs.
    """
    context = event.get("requestContext") if isinstance(event, dict) else None
    candidate = context.get("requestId") if isinstance(context, dict) else None
    if (
        isinstance(candidate, str)
        and 0 < len(candidate) <= MAX_ID_LENGTH
        and candidate.isascii()
        and candidate.isprintable()
    ):
        return candidate
    return fallback


def parse_proxy_event(event: Any, request_id: str, deadline: float | None = None) -> ProxyRequest:
    """Return the request's method and route template (`resource`, else `path`).

    Raises
    ------
    GatewayError
        400 when the event is not an API Gateway proxy event.
    """
    if not isinstance(event, dict):
        raise GatewayError(400, "invalid_event", "the request is not an API Gateway proxy event")
    method = event.get("httpMethod")
    route = event.get("resource") or event.get("path")
    if not isinstance(method, str) or not method or not isinstance(route, str) or not route:
        raise GatewayError(
            400, "invalid_event", "the request has no HTTP method or path; expected an API Gateway proxy event"
        )
    return ProxyRequest(
        method=method.upper(),
        route=route,
        request_id=request_id,
        tenant=tenant_of(event),
        headers=_headers(event),
        body=_body(event),
        deadline=deadline,
        path_parameters=_path_parameters(event),
        caller_arn=_identity(event, "userArn"),
        caller_account=_identity(event, "accountId"),
    )
