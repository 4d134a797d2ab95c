"""Resolve a tenant's API Gateway key value from its id, for JWT callers' usage plans.

Usage plans meter by key value, which API Gateway expects back as
`usageIdentifierKey`. A JWT caller never sends the key, so the authorizer reads it
from API Gateway (never from the tenant table, which stores only key hashes) and
keeps it in memory for a TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.aws import LazyClient, aws_client
from shared.ttl_cache import TtlCache


class ApiKeyError(Exception):
    """The key value could not be read."""


class ApiKeyResolver:
    def __init__(
        self,
        ttl_seconds: float,
        client_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._client = LazyClient(client_factory or _default_client)
        self._values: TtlCache[str] = TtlCache(clock)

    def value_of(self, api_key_id: str) -> str:
        return self._values.get(api_key_id, lambda: self._read(api_key_id), lambda _: self._ttl)

    def _read(self, api_key_id: str) -> str:
        try:
            return str(self._client.get_api_key(apiKey=api_key_id, includeValue=True)["value"])
        except Exception as err:  # botocore errors, without importing botocore at cold start
            raise ApiKeyError(f"could not read the tenant's API key: {type(err).__name__}") from None


def _default_client() -> Any:
    return aws_client("apigateway")
