"""What the local stage's functions print goes to the emulator's CloudWatch Logs, as Lambda ships it.

Lambda sends a function's stdout to `/aws/lambda/<function>`: the router's usage records
(EMF) and both functions' JSON log lines. The local stage runs the handlers in its own
threads, so stdout is replaced by a stream that also collects, per thread, what the
running invocation writes; after each invocation those lines are put into the
function's log group on the emulator (where `make report ENV=local` reads them).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

Handler = Callable[[dict[str, Any], Any], Any]
STREAM = "local-stage"


class CapturingStdout:
    """A stdout that writes through to `target` and also into the current thread's capture, if any."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._local = threading.local()

    def write(self, text: str) -> int:
        parts: list[str] | None = getattr(self._local, "parts", None)
        if parts is not None:
            parts.append(text)
        return self._target.write(text)

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        parts: list[str] = []
        self._local.parts = parts
        try:
            yield parts
        finally:
            self._local.parts = None


class LogShipper:
    """Wraps handlers so each invocation's output lands in its function's log group on the emulator."""

    def __init__(self, logs_client: Any, stdout: CapturingStdout) -> None:
        self._logs, self._stdout = logs_client, stdout
        self._lock = threading.Lock()
        self._streams: set[str] = set()

    def wrap(self, function_name: str, handler: Handler) -> Handler:
        def invoke(event: dict[str, Any], context: Any, *rest: Any) -> Any:
            with self._stdout.capture() as parts:
                try:
                    return handler(event, context, *rest)
                finally:
                    self.ship(function_name, "".join(parts))

        return invoke

    def ship(self, function_name: str, text: str) -> None:
        """Put `text`'s lines into `/aws/lambda/<function_name>`; a failure is one stderr line, never raised."""
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            return
        group = f"/aws/lambda/{function_name}"
        now = int(time.time() * 1000)
        try:
            with self._lock:
                if group not in self._streams:
                    with suppress(self._logs.exceptions.ResourceAlreadyExistsException):
                        self._logs.create_log_stream(logGroupName=group, logStreamName=STREAM)
                    self._streams.add(group)
                self._logs.put_log_events(
                    logGroupName=group,
                    logStreamName=STREAM,
                    logEvents=[{"timestamp": now, "message": line} for line in lines],
                )
        except Exception as err:  # logs are best effort here, as the request already has its answer
            sys.stderr.write(f"local-stage: could not ship the logs of {function_name}: {type(err).__name__}\n")


def install(logs_client: Any) -> LogShipper:
    """Replace sys.stdout by a capturing one (before the handlers are imported) and return the shipper."""
    stdout = CapturingStdout(sys.stdout)
    sys.stdout = stdout
    return LogShipper(logs_client, stdout)
