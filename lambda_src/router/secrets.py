"""Read third-party API keys from Secrets Manager, cached in memory for a TTL (never logged)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.aws import LazyClient, aws_client
from shared.backend_errors import BackendError
from shared.ttl_cache import TtlCache


def _default_client() -> Any:
    return aws_client("secretsmanager")


class SecretCache:
    def __init__(
        self,
        ttl_seconds: float = 300.0,
        client_factory: Callable[[], Any] = _default_client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._client = LazyClient(client_factory)
        self._values: TtlCache[str] = TtlCache(clock)

    def get(self, secret_id: str) -> str:
        """The secret's string value; a failure to read it makes the backend unavailable, not the request wrong."""
        return self._values.get(secret_id, lambda: self._read(secret_id), lambda _: self._ttl)

    def _read(self, secret_id: str) -> str:
        try:
            return str(self._client.get_secret_value(SecretId=secret_id)["SecretString"])
        except Exception as err:
            raise BackendError("unavailable", f"could not read the provider's key: {type(err).__name__}") from None
