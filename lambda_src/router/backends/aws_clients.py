"""boto3 clients whose read timeout bounds one attempt, one client per whole second of timeout.

boto3 fixes timeouts when a client is made, so an attempt with 7 s left uses the 7 s
client. Clients are made on first use (boto3 is imported then, not at cold start)
and kept for the container's life; the SDK never retries (the router decides).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from shared.aws import aws_client
from shared.backend_errors import BackendError

ClientFactory = Callable[[str, int], Any]
MAX_READ_TIMEOUT_SECONDS = 60
# botocore failures raised before the request reached the service.
NEVER_SENT = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ProxyConnectionError", "ParamValidationError"}
)


def boto3_client(service: str, read_timeout_seconds: int) -> Any:
    """One try per call: the router's own retry policy decides, with the request's deadline in view."""
    return aws_client(
        service, connect_timeout=min(2, read_timeout_seconds), read_timeout=read_timeout_seconds, max_attempts=1
    )


class TimedClients:
    def __init__(self, service: str, factory: ClientFactory = boto3_client) -> None:
        self._service, self._factory = service, factory
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    def for_timeout(self, timeout_seconds: float) -> Any:
        """The client whose read timeout is `timeout_seconds` rounded down (at least 1 s)."""
        seconds = max(1, min(MAX_READ_TIMEOUT_SECONDS, math.floor(timeout_seconds)))
        with self._lock:
            client = self._clients.get(seconds)
            if client is None:
                client = self._clients[seconds] = self._factory(self._service, seconds)
            return client


def classify_aws_error(err: Exception, kinds: dict[str, str], service: str) -> BackendError:
    """A botocore failure as a BackendError: the service's error code decides the kind (unknown: unavailable)."""
    response = getattr(err, "response", None)
    if not isinstance(response, dict):  # connection failures and read timeouts from botocore
        name = type(err).__name__
        kind = "timeout" if "timeout" in name.lower() else "unavailable"
        # A call that could not connect reached no model: nothing was billed.
        billed = False if name in NEVER_SENT else None
        return BackendError(kind, f"{service} call failed: {name}", billed=billed)
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = str(response.get("Error", {}).get("Message", code))[:500]
    return BackendError(kinds.get(code, "unavailable"), f"{service}: {message}", status=status)
