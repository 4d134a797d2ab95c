"""Read third-party API keys from Secrets Manager, cached in memory for a TTL (never logged)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from router.resilience import BackendError


def _default_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("secretsmanager", config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2}))


class SecretCache:
    def __init__(
        self,
        ttl_seconds: float = 300.0,
        client_factory: Callable[[], Any] = _default_client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._factory, self._clock = ttl_seconds, client_factory, clock
        self._client: Any = None
        self._values: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, secret_id: str) -> str:
        """The secret's string value; a failure to read it makes the backend unavailable, not the request wrong."""
        now = self._clock()
        with self._lock:
            hit = self._values.get(secret_id)
            if hit is not None and hit[0] > now:
                return hit[1]
        if self._client is None:
            self._client = self._factory()
        try:
            value = str(self._client.get_secret_value(SecretId=secret_id)["SecretString"])
        except Exception as err:
            raise BackendError("unavailable", f"could not read the provider's key: {type(err).__name__}") from None
        with self._lock:
            self._values[secret_id] = (now + self._ttl, value)
        return value
