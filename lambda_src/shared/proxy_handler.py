"""Run one API Gateway proxy request through a route table, turning every failure into JSON.

This is the single place where exceptions become the error envelope: a handler
raises `GatewayError` for refusals, and anything unexpected becomes a 500 whose
details go to the log, never to the client.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shared.errors import GatewayError
from shared.http import (
    EVENT_STREAM_TYPE,
    REQUEST_ID_HEADER,
    EventStream,
    Reply,
    error_body,
    error_response,
    event_stream_response,
    json_response,
    utf8_safe,
)
from shared.proxy_event import ProxyRequest, parse_proxy_event, request_id_of


class Logger(Protocol):
    """What the handler logs through: powertools' Logger (router) or shared.json_log's (authorizer, transform)."""

    def info(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...

    def warning(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...

    def exception(self, message: str, /, *, extra: dict[str, Any] | None = ...) -> None: ...


Action = Callable[[ProxyRequest], Any]
# Where a streamed answer's bytes go (the Runtime API's chunked response, the local stage's socket).
Write = Callable[[bytes], None]
PRELUDE_SEPARATOR = b"\x00" * 8
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


@dataclass
class _Served:
    """One request's labels for its log line, and what its action answered."""

    request_id: str
    started: float
    route: str = "-"
    method: str = "-"
    tenant: str = "-"

    def log(self, logger: Logger, status: int) -> None:
        logger.info(
            "request",
            extra={
                "request_id": self.request_id,
                "method": self.method,
                "route": self.route,
                "tenant_id": self.tenant,
                "status": status,
                "duration_ms": round((time.perf_counter() - self.started) * 1000, 3),
            },
        )


@dataclass(frozen=True)
class _Refused:
    """A request refused before or by its action: the error's proxy response."""

    response: dict[str, Any]


def _dispatch(event: Any, context: Any, routes: RouteTable, logger: Logger) -> tuple[_Served, Any]:
    """Parse and run the request: its labels, and the action's result or the error proxy response."""
    served = _Served(
        request_id_of(event, str(getattr(context, "aws_request_id", "") or "unknown")), time.perf_counter()
    )
    try:
        request = parse_proxy_event(event, served.request_id, _deadline(context))
        served.route, served.method = request.route[:200], request.method[:16]
        served.tenant = request.tenant.tenant_id if request.tenant else "-"
        return served, match_route(routes, request)(request)
    except GatewayError as err:
        return served, _Refused(error_response(err, served.request_id))
    except Exception:
        logger.exception("unhandled error", extra={"request_id": served.request_id})
        return served, _Refused(error_response(INTERNAL_ERROR, served.request_id))


def _response(result: Any, served: _Served, logger: Logger) -> dict[str, Any]:
    """The whole proxy response of an action's result (an error response passes through)."""
    request_id = served.request_id
    try:
        if isinstance(result, Reply):
            response = json_response(result.status, result.body, request_id, result.headers)
        elif isinstance(result, EventStream):
            response = event_stream_response(result, request_id)
        elif isinstance(result, _Refused):
            response = result.response
        else:
            response = json_response(200, result, request_id)
    except GatewayError as err:  # raised while a buffered event stream was read
        response = error_response(err, request_id)
    except Exception:
        logger.exception("unhandled error", extra={"request_id": request_id})
        response = error_response(INTERNAL_ERROR, request_id)
    if _too_large(response):
        # The runtime would fail the invocation and API Gateway answer a bare 502: say why, in JSON.
        logger.warning("answer too large", extra={"request_id": request_id, "characters": len(response["body"])})
        response = error_response(ANSWER_TOO_LARGE, request_id)
    return response


def handle_proxy_event(event: Any, context: Any, routes: RouteTable, logger: Logger) -> dict[str, Any]:
    """Serve one proxy event: parse, dispatch, render; always return a JSON proxy response."""
    served, result = _dispatch(event, context, routes, logger)
    response = _response(result, served, logger)
    served.log(logger, response["statusCode"])
    return response


def prelude(status: int, headers: dict[str, str]) -> bytes:
    """Lambda's streaming answer to API Gateway starts with this: the status and headers as JSON, then 8 NULs."""
    return json.dumps({"statusCode": status, "headers": headers, "multiValueHeaders": {}, "cookies": []}).encode() + (
        PRELUDE_SEPARATOR
    )


def handle_proxy_stream(event: Any, context: Any, routes: RouteTable, logger: Logger, write: Write) -> None:
    """Serve one proxy event in Lambda's streaming response mode, writing as the answer is made.

    An event stream's status and headers are written once its first piece exists, so a
    refusal raised before it keeps its status; after that, pieces go out as they come,
    and a failure ends the stream with an error event. Any other answer is written whole.
    """
    served, result = _dispatch(event, context, routes, logger)
    if not isinstance(result, EventStream):
        response = _response(result, served, logger)
        write(prelude(response["statusCode"], response["headers"]))
        write(response["body"].encode("utf-8"))
        served.log(logger, response["statusCode"])
        return
    chunks = iter(result.chunks)
    try:
        first = next(chunks, "")
    except Exception as err:
        refusal = err if isinstance(err, GatewayError) else INTERNAL_ERROR
        if not isinstance(err, GatewayError):
            logger.exception("unhandled error", extra={"request_id": served.request_id})
        response = error_response(refusal, served.request_id)
        write(prelude(response["statusCode"], response["headers"]))
        write(response["body"].encode("utf-8"))
        served.log(logger, response["statusCode"])
        return
    headers = {"content-type": EVENT_STREAM_TYPE, "cache-control": "no-cache", REQUEST_ID_HEADER: served.request_id}
    write(prelude(200, {**headers, **result.headers}))
    write(utf8_safe(first).encode("utf-8"))
    try:
        for piece in chunks:
            write(utf8_safe(piece).encode("utf-8"))
    except Exception:  # the stream's own failures are events already; this is a defect, said as one
        logger.exception("stream failed", extra={"request_id": served.request_id})
        body = error_body(INTERNAL_ERROR, served.request_id)
        write(f"data: {json.dumps(body)}\n\ndata: [DONE]\n\n".encode())
    served.log(logger, 200)
