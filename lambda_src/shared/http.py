"""Build API Gateway proxy responses: JSON bodies, the error envelope and the request id header."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contract.routes import EVENT_STREAM_MEDIA_TYPE
from shared.errors import GatewayError

REQUEST_ID_HEADER = "x-request-id"


@dataclass(frozen=True)
class Reply:
    """What an action returns when a bare body is not enough: extra headers (and a status)."""

    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class EventStream:
    """A server-sent event stream: its text pieces, in order, and extra headers.

    On a buffered integration the pieces are joined into one answer (the SDKs read an
    event stream from a whole body as well as from a streamed one).
    """

    chunks: Iterable[str]
    headers: dict[str, str] = field(default_factory=dict)


EVENT_STREAM_TYPE = f"{EVENT_STREAM_MEDIA_TYPE}; charset=utf-8"


def event_stream_response(stream: EventStream, request_id: str) -> dict[str, Any]:
    """The proxy response of a whole event stream (every piece read now: a failure raises before any answer)."""
    body = "".join(stream.chunks)
    headers = {"content-type": EVENT_STREAM_TYPE, "cache-control": "no-cache", REQUEST_ID_HEADER: request_id}
    headers.update(stream.headers)
    return {"statusCode": 200, "headers": headers, "body": utf8_safe(body), "isBase64Encoded": False}


def json_response(status: int, body: Any, request_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Return a Lambda proxy response whose body is `body` as compact JSON."""
    all_headers = {
        "content-type": "application/json",
        "cache-control": "no-store",
        REQUEST_ID_HEADER: request_id,
    }
    all_headers.update(headers or {})
    return {
        "statusCode": status,
        "headers": all_headers,
        "body": utf8_safe(json.dumps(body, separators=(",", ":"), ensure_ascii=False)),
        "isBase64Encoded": False,
    }


def utf8_safe(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD.

    JSON lets a client send "\\ud800", which Python decodes to a lone surrogate; echoed in
    an answer (a model alias in a 404, a provider's text), the Lambda runtime could not
    encode the answer as UTF-8 and API Gateway would answer 502 instead.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def error_body(error: GatewayError, request_id: str) -> dict[str, Any]:
    """Return the OpenAI-compatible error envelope, with the request id for support."""
    return {
        "error": {
            "message": error.message,
            "type": error.error_type,
            "code": error.code,
            "param": error.param,
            "request_id": request_id,
        }
    }


def error_response(error: GatewayError, request_id: str) -> dict[str, Any]:
    """Return the proxy response for a refusal."""
    return json_response(error.status, error_body(error, request_id), request_id, error.headers)
