"""Read third-party API keys from Secrets Manager, cached in memory for a TTL (never logged)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from router.resilience import BackendError
from shared.ttl_cache import TtlCache


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
        self._ttl, self._factory = ttl_seconds, client_factory
        self._client: Any = None
        self._values: TtlCache[str] = TtlCache(clock)

    def get(self, secret_id: str) -> str:
        """The secret's string value; a failure to read it makes the backend unavailable, not the request wrong."""
        return self._values.get(secret_id, lambda: self._read(secret_id), lambda _: self._ttl)

    def _read(self, secret_id: str) -> str:
        if self._client is None:
            self._client = self._factory()
        try:
            return str(self._client.get_secret_value(SecretId=secret_id)["SecretString"])
        except Exception as err:
            raise BackendError("unavailable", f"could not read the provider's key: {type(err).__name__}") from None
