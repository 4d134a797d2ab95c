"""AWS clients for the Lambdas: explicit timeouts and retries, made on first use.

boto3 is imported only when a client is first needed, so no function pays for it at
cold start unless a request makes an AWS call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Error codes with which DynamoDB refuses a request before applying it: safe to send again.
DYNAMODB_NOT_APPLIED = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException"}
)


def error_of(err: Exception) -> tuple[str, int | None]:
    """The error code and HTTP status of a botocore failure ("" and None when there was no answer)."""
    response = getattr(err, "response", None)
    if not isinstance(response, dict):
        return "", None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return str(response.get("Error", {}).get("Code", "")), status if isinstance(status, int) else None


def aws_client(service: str, *, connect_timeout: float = 1, read_timeout: float = 2, max_attempts: int = 2) -> Any:
    """A boto3 client with these timeouts and at most `max_attempts` tries per call (standard retry mode)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"max_attempts": max_attempts, "mode": "standard"},
    )
    return boto3.client(service, config=config)


class LazyClient:
    """Stands for the client `factory` makes, making it on first attribute use (thread-safe)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
        return getattr(self._client, name)
