"""Any OpenAI-compatible HTTP provider: `POST <base_url>/chat/completions` and `/embeddings` with a bearer key.

The standard library's HTTP client keeps the cold start small; the key comes from
Secrets Manager through the cache and never reaches a log or an error message, nor
another host: redirects are refused (`shared.outbound`). The provider's error text is
kept for the log only.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from contract.urls import is_allowed_outbound_url
from router.backends.shapes import (
    chat_result_from_openai,
    embedding_result_from_openai,
    openai_chat_body,
    openai_embedding_body,
)
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.secrets import SecretCache
from router.streaming.openai_sse import read_openai_stream
from shared.backend_errors import BackendError
from shared.outbound import open_url

if TYPE_CHECKING:
    from router.streaming.events import StreamEvent

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# How much of a provider's error body is kept for the log.
ERROR_TEXT_BYTES = 1024


# Connection failures before anything was sent: the provider did no work.
NEVER_SENT = (ConnectionRefusedError, socket.gaierror)


class AnswerTooLarge(Exception):
    """The provider's answer passed MAX_RESPONSE_BYTES."""


class HttpProviderAdapter:
    def __init__(self, base_url: str, secret_id: str, secrets: SecretCache) -> None:
        if not is_allowed_outbound_url(base_url):
            raise ValueError("an HTTP provider's base URL must use https")
        self._base = base_url.rstrip("/")
        self._secret_id, self._secrets = secret_id, secrets

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        answer = self._post("/chat/completions", openai_chat_body(request, model_id), timeout_seconds)
        return chat_result_from_openai(answer, request, "provider")

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        answer = self._post("/embeddings", openai_embedding_body(request, model_id), timeout_seconds)
        return embedding_result_from_openai(answer, request, "provider")

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[StreamEvent]:
        """The provider's SSE stream re-framed as it arrives (usage asked for with `stream_options`)."""
        body = {**openai_chat_body(request, model_id), "stream": True, "stream_options": {"include_usage": True}}
        deadline = time.monotonic() + timeout_seconds
        with _classified():
            response = open_url(self._request("/chat/completions", body), max(0.1, timeout_seconds))
            with response:
                yield from read_openai_stream(_arrivals(response, deadline), "provider")

    def _request(self, path: str, body: dict[str, Any]) -> urllib.request.Request:
        return urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._base + path,
            data=json.dumps(body).encode(),
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {self._secrets.get(self._secret_id)}",
            },
            method="POST",
        )

    def _post(self, path: str, body: dict[str, Any], timeout_seconds: float) -> Any:
        deadline = time.monotonic() + timeout_seconds
        with _classified(), open_url(self._request(path, body), max(0.1, timeout_seconds)) as response:
            return json.loads(_read_until(response, deadline))


@contextmanager
def _classified() -> Iterator[None]:
    """Failures of a call to the provider as BackendErrors (its words for the log only)."""
    try:
        yield
    except BackendError:
        raise
    except urllib.error.HTTPError as err:
        raise _status_error(err) from None
    except AnswerTooLarge:
        raise BackendError("oversize", f"provider answer larger than {MAX_RESPONSE_BYTES} bytes") from None
    except TimeoutError:
        raise BackendError("timeout", "provider timed out") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError):
            raise BackendError("timeout", "provider timed out") from None
        # Refused or unresolvable: the request never reached the provider, so it billed nothing.
        never_sent = isinstance(err, urllib.error.URLError) and isinstance(reason, NEVER_SENT)
        raise BackendError(
            "unavailable",
            f"provider unreachable or malformed: {type(reason).__name__}",
            billed=False if never_sent else None,
        ) from None


def _arrivals(response: Any, deadline: float) -> Iterator[bytes]:
    """What arrives, as it arrives (one socket read each), until the end or the deadline."""
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _status_error(err: urllib.error.HTTPError) -> BackendError:
    """The provider's error answer, classified; its body (truncated) goes to the log only."""
    code = err.code
    try:
        text = err.read(ERROR_TEXT_BYTES).decode("utf-8", "replace")
    except Exception:  # the body is only for the log
        text = ""
    if 300 <= code < 400:
        return BackendError("client", f"provider redirected ({code}); redirects are refused", status=code)
    kind = "throttled" if code == 429 else "unavailable" if code >= 500 else "client"
    retry_after = err.headers.get("retry-after") if err.headers else None
    return BackendError(
        kind,
        f"provider answered {code}: {text}",
        status=code,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def _read_until(response: Any, deadline: float) -> bytes:
    """The body, read in chunks: the socket timeout bounds each read, this bounds them all together
    (a provider trickling bytes cannot hold the request past its deadline)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        # read1: what has arrived (one socket read), so the deadline is checked between arrivals.
        chunk = response.read1(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise AnswerTooLarge
        chunks.append(chunk)
