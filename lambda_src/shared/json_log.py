"""Structured JSON log lines from the standard library alone, for functions that must start fast.

Each line carries the fields powertools' Logger writes (`level`, `location`, `message`,
`timestamp`, `service`, `xray_trace_id` when traced, then the `extra` fields), so log
queries and alarms read the authorizer and the router alike. powertools' Logger costs
about 150 ms to import without bytecode; this costs what `json` does. Levels come
from the same variables the module sets for powertools (`contract.environment`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO

from contract import environment as env

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
TRACE_ENV = "_X_AMZN_TRACE_ID"


class JsonLogger:
    """`info(message, extra={...})` and friends, as powertools' Logger spells them; one JSON line per call."""

    def __init__(self, service: str, stream: TextIO | None = None) -> None:
        self.service = os.environ.get(env.SERVICE_NAME) or service
        self.threshold = LEVELS.get(os.environ.get(env.LOG_LEVEL, "INFO").upper(), LEVELS["INFO"])
        self._stream = stream

    def debug(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log("DEBUG", message, extra)

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log("INFO", message, extra)

    def warning(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log("WARNING", message, extra)

    def error(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self._log("ERROR", message, extra)

    def exception(self, message: str, extra: dict[str, Any] | None = None) -> None:
        """An ERROR line with the exception being handled: its class and traceback (never sent to a client)."""
        import traceback  # only on the failure path

        error = sys.exc_info()[1]
        details = {"exception_name": type(error).__name__, "exception": traceback.format_exc()} if error else {}
        self._log("ERROR", message, {**(extra or {}), **details})

    def _log(self, level: str, message: str, extra: dict[str, Any] | None) -> None:
        if LEVELS[level] < self.threshold:
            return
        caller = sys._getframe(2)
        now = time.time()
        record: dict[str, Any] = {
            "level": level,
            "location": f"{caller.f_code.co_name}:{caller.f_lineno}",
            "message": message,
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f",{int(now % 1 * 1000):03d}+0000",
            "service": self.service,
        }
        trace = os.environ.get(TRACE_ENV, "")
        if trace.startswith("Root="):
            record["xray_trace_id"] = trace.partition(";")[0][len("Root=") :]
        for key, value in (extra or {}).items():
            record.setdefault(key, value)
        # ensure_ascii: a lone surrogate from a request must not make the line unwritable.
        line = json.dumps(record, default=str, separators=(",", ":"))
        (self._stream or sys.stdout).write(line + "\n")
