"""Read the parts of an API Gateway REST proxy event a handler needs, refusing malformed ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.errors import GatewayError

MAX_ID_LENGTH = 128


@dataclass(frozen=True)
class TenantContext:
    """What the authorizer said about the caller, decoded from its string-only context."""

    tenant_id: str
    tier: str
    allowed_models: frozenset[str]


@dataclass(frozen=True)
class ProxyRequest:
    """The method, matched route and request id of one proxy event, and the caller's tenant."""

    method: str
    route: str
    request_id: str
    # None when no authorizer ran (the local stage); the deployed API always has one.
    tenant: TenantContext | None = None


def tenant_of(event: dict[str, Any]) -> TenantContext | None:
    """Decode the authorizer context (lists arrive comma-separated: decoded only here)."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    if not isinstance(authorizer, dict) or not isinstance(authorizer.get("tenant_id"), str):
        return None
    models = authorizer.get("allowed_models")
    allowed = frozenset(m for m in models.split(",") if m) if isinstance(models, str) else frozenset()
    tier = authorizer.get("tier")
    return TenantContext(authorizer["tenant_id"], tier if isinstance(tier, str) else "", allowed)


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


def parse_proxy_event(event: Any, request_id: str) -> ProxyRequest:
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
    return ProxyRequest(method=method.upper(), route=route, request_id=request_id, tenant=tenant_of(event))
