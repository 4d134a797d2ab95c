"""A container's settings: read once at cold start; an invalid document stays refused, an unreadable one is
read again (at most once a second) on a later request.

Shared by the functions that read the configuration document (router, transform).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from shared.config_document import ConfigUnavailable
from shared.errors import GatewayError

T = TypeVar("T")
Log = Callable[[str, dict[str, Any]], None]

MISCONFIGURED = GatewayError(
    500,
    "gateway_misconfigured",
    "the gateway's model configuration is invalid; an operator must fix the deployment",
    error_type="server_error",
)
CONFIG_UNAVAILABLE = GatewayError(
    503,
    "configuration_unavailable",
    "the gateway could not read its configuration; retry shortly",
    error_type="server_error",
    headers={"retry-after": "1"},
)
# After a failed read, a container tries the store again at most this often.
RELOAD_INTERVAL_SECONDS = 1.0


class SettingsHolder(Generic[T]):
    """`load()` reads; `get()` answers the settings or raises the refusal that says why there are none."""

    def __init__(self, read: Callable[[], T], invalid: type[Exception], log: Log) -> None:
        self.settings: T | None = None
        self.invalid = False
        self.reload_interval = RELOAD_INTERVAL_SECONDS
        self._read, self._invalid_error, self._log = read, invalid, log
        self._next_try = 0.0
        self._lock = threading.Lock()

    def load(self) -> None:
        """Read and parse the document the environment names; log (without secrets) what went wrong."""
        try:
            self.settings = self._read()
        except ConfigUnavailable as err:
            self._next_try = time.monotonic() + self.reload_interval
            self._log("configuration unavailable", {"problem": str(err)})
        except Exception as err:
            if not isinstance(err, self._invalid_error):
                raise
            self.invalid = True
            self._log("invalid configuration", {"problem": str(err)})

    def get(self) -> T:
        """The settings, or the refusal that says why there are none (an unreadable store is tried again)."""
        settings = self.settings
        if settings is None and not self.invalid:
            with self._lock:
                if self.settings is None and time.monotonic() >= self._next_try:
                    self.load()
            settings = self.settings
        if settings is not None:
            return settings
        raise MISCONFIGURED if self.invalid else CONFIG_UNAVAILABLE
