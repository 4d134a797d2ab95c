"""The emulator answers a re-sent request with its first attempt's answer, as AWS's clients expect of one operation.

The AWS SDKs (the provider's Go SDK and botocore alike) send every attempt of one operation with the same
`amz-sdk-invocation-id` header and count them in `amz-sdk-request: attempt=N`. On a loaded machine the
emulator's connection can drop after moto has applied a request and before its answer arrives; the SDK then
sends the operation again, and moto applies it a second time. That second application is where three CI
failures came from: a create answered "already exists", a DeleteTable answered "not found", and an
AddPermission stored twice, so the destroy removed one copy and waited two minutes for the other to go.

So each attempt's answer is kept, by invocation id, and a later attempt of the same operation gets that answer
instead of a second application; if the first attempt is still running, the later one waits for it (bounded).
An answer the SDK retries by design (5xx, 429) is not replayed: that attempt runs again. Reads (GET, HEAD)
are never re-applied harmfully and are not kept; nor are answers over a size bound, nor requests without an
invocation id.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

LOG = logging.getLogger("aigw.emulator")

KEPT_ANSWERS = 4096  # operations whose answers are kept; the oldest are forgotten first
KEPT_BYTES = 64 << 20  # and all their bodies together; a re-send comes within seconds, so old ones can go
LARGEST_KEPT = 1 << 20  # bytes: a larger answer is not kept, and its re-send runs again
FIRST_ATTEMPT_WAIT = 300.0  # seconds a re-send waits for a first attempt still running
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REPLAYED = "answered with its first attempt's answer"  # in the log line of each replay, which tests count

StartResponse = Callable[..., Callable[[bytes], Any]]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _Answer:
    """One operation's answer, complete once `done` is set (`status` None: not replayable)."""

    def __init__(self, invocation: str) -> None:
        self.invocation = invocation
        self.done = threading.Event()
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.body = b""
        self.kept = False  # counted in the kept bytes, and not forgotten since

    def replayable(self) -> bool:
        if self.status is None:
            return False
        code = int(self.status.split(" ", 1)[0])
        return code < 500 and code != 429


class ResentRequests:
    """The kept answers, in front of a WSGI application: one application per SDK operation."""

    def __init__(
        self, *, keep: int = KEPT_ANSWERS, keep_bytes: int = KEPT_BYTES, wait: float = FIRST_ATTEMPT_WAIT
    ) -> None:
        self.keep, self.keep_bytes, self.wait = keep, keep_bytes, wait
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.replayed = 0

    def answer(self, app: App, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD", "GET") in SAFE_METHODS:
            return app(environ, start_response)
        with self._lock:
            earlier = self._answers.get(invocation)
            if earlier is None:
                answer = self._begin(invocation)
        if earlier is None:
            return self._apply(app, answer, environ, start_response)
        if earlier.done.wait(self.wait) and earlier.replayable():
            with self._lock:
                self.replayed += 1
            LOG.warning(
                "re-sent %s %s (%s, invocation %s) %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                environ.get("HTTP_AMZ_SDK_REQUEST", "attempt unknown"),
                invocation,
                REPLAYED,
            )
            start_response(earlier.status, list(earlier.headers))
            return [earlier.body]
        with self._lock:  # the first attempt failed retryably, or was not kept: this attempt runs, and is kept
            answer = self._begin(invocation)
        return self._apply(app, answer, environ, start_response)

    def _begin(self, invocation: str) -> _Answer:
        """A new answer for `invocation`, in place of any earlier one (the lock is held)."""
        self._forget(self._answers.pop(invocation, None))
        self._answers[invocation] = answer = _Answer(invocation)
        return answer

    def _forget(self, answer: _Answer | None) -> None:
        if answer is not None and answer.kept:
            answer.kept = False
            self._bytes -= len(answer.body)

    def _apply(self, app: App, answer: _Answer, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        written: list[bytes] = []
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
            seen["status"], seen["headers"] = status, list(headers)
            return written.append

        try:
            result = app(environ, capture)
            try:
                written.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            body = b"".join(written)
            if len(body) <= LARGEST_KEPT:
                answer.status, answer.headers, answer.body = seen["status"], seen["headers"], body
                self._keep(answer)
        finally:
            answer.done.set()  # an attempt that raised leaves its answer unreplayable, and its re-send runs
        start_response(seen["status"], seen["headers"])
        return [body]

    def _keep(self, answer: _Answer) -> None:
        """Count a complete answer, and forget the oldest beyond the bounds."""
        with self._lock:
            if self._answers.get(answer.invocation) is not answer:
                return  # forgotten or replaced while it ran
            answer.kept = True
            self._bytes += len(answer.body)
            while self._answers and (len(self._answers) > self.keep or self._bytes > self.keep_bytes):
                self._forget(self._answers.popitem(last=False)[1])

    @property
    def kept_bytes(self) -> int:
        return self._bytes


def patch_server() -> None:
    """Put the kept answers in front of moto's service dispatch (and so of every patch made before this one)."""
    from moto.moto_server import werkzeug_app

    kept = ResentRequests()
    dispatcher = werkzeug_app.DomainDispatcherApplication
    dispatch = dispatcher.__call__

    def call(self: Any, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return kept.answer(functools.partial(dispatch, self), environ, start_response)

    dispatcher.__call__ = call  # type: ignore[method-assign]
