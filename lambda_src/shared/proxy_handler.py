"""Run one API Gateway proxy request through a route table, turning every failure into JSON.

This is the single place where exceptions become the error envelope: a handler
raises `GatewayError` for refusals, and anything unexpected becomes a 500 whose
details go to the log, never to the client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from shared.errors import GatewayError
from shared.http import EventStream, Reply, error_response, event_stream_response, json_response
from shared.proxy_event import ProxyRequest, parse_proxy_event, request_id_of


class Logger(Protocol):
    """What the handler logs through: powertools' Logger (router) or shared.json_log's (authorizer, transform)."""

    def info(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...

    def warning(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...

    def exception(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...


Action = Callable[[ProxyRequest], Any]
RouteTable = Mapping[str, Mapping[str, Action]]

# What a Lambda function may return (6 MB, the proxy response's own JSON included), less a margin.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 16 * 1024
ANSWER_TOO_LARGE = GatewayError(
    502,
    "answer_too_large",
    "the answer is larger than the gateway can return (6 MB); ask for less (fewer inputs, fewer dimensions, "
    "base64 embeddings) and quote the request id if it persists",
    error_type="server_error",
)
INTERNAL_ERROR = GatewayError(
    500,
    "internal_error",
    "the gateway could not handle this request; retry later and quote the request id if it persists",
    error_type="server_error",
)


def match_route(routes: RouteTable, request: ProxyRequest) -> Action:
    """Return the action for the request's route and method.

    Raises
    ------
    GatewayError
        404 for an unknown route, 405 (with `Allow`) for a known route and another method.
    """
    methods = routes.get(request.route)
    if methods is None:
        raise GatewayError(404, "route_not_found", f"no route for {request.route[:200]!r}")
    action = methods.get(request.method)
    if action is None:
        allowed = ", ".join(sorted(methods))
        raise GatewayError(
            405,
            "method_not_allowed",
            f"method {request.method[:16]!r} is not allowed on {request.route}; expected one of: {allowed}",
            headers={"allow": allowed},
        )
    return action


def _deadline(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    try:
        return time.monotonic() + float(remaining()) / 1000 if callable(remaining) else None
    except (TypeError, ValueError):
        return None


def _too_large(response: dict[str, Any]) -> bool:
    body: str = response["body"]
    # Cheap first: a body under a quarter of the limit in characters cannot pass it in UTF-8 bytes.
    if len(body) * 4 < MAX_RESPONSE_BYTES:
        return False
    # The body travels as a JSON string inside the proxy response: its quotes and backslashes are escaped.
    size = len(body.encode("utf-8")) + body.count('"') + body.count("\\")
    return size > MAX_RESPONSE_BYTES


def handle_proxy_event(event: Any, context: Any, routes: RouteTable, logger: Logger) -> dict[str, Any]:
    """Serve one proxy event: parse, dispatch, render; always return a JSON proxy response."""
    started = time.perf_counter()
    request_id = request_id_of(event, str(getattr(context, "aws_request_id", "") or "unknown"))
    route = method = tenant = "-"
    try:
        request = parse_proxy_event(event, request_id, _deadline(context))
        route, method = request.route[:200], request.method[:16]
        tenant = request.tenant.tenant_id if request.tenant else "-"
        result = match_route(routes, request)(request)
        if isinstance(result, Reply):
            response = json_response(result.status, result.body, request_id, result.headers)
        elif isinstance(result, EventStream):
            response = event_stream_response(result, request_id)
        else:
            response = json_response(200, result, request_id)
    except GatewayError as err:
        response = error_response(err, request_id)
    except Exception:
        logger.exception("unhandled error", extra={"request_id": request_id})
        response = error_response(INTERNAL_ERROR, request_id)
    if _too_large(response):
        # The runtime would fail the invocation and API Gateway answer a bare 502: say why, in JSON.
        logger.warning("answer too large", extra={"request_id": request_id, "characters": len(response["body"])})
        response = error_response(ANSWER_TOO_LARGE, request_id)
    logger.info(
        "request",
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "tenant_id": tenant,
            "status": response["statusCode"],
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        },
    )
    return response
