"""Tenant records and where the gateway finds them: a DynamoDB table, cached in memory.

Items are keyed `key#<sha256 of the API key>` (never the key itself), `tenant#<tenant id>`,
`client#<Cognito app client id>` and `principal#<canonical IAM ARN>`; Terraform writes
them all from the module's inputs, each with the tenant's whole record. The authorizer
reads the first three, the router the last (its IAM-authorized routes have no authorizer).
boto3 is imported on first use, so a cold start does not pay for it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from contract import tenancy
from contract.routes import MODEL_PATH_PARAMETERS
from shared.aws import LazyClient, aws_client
from shared.ttl_cache import TtlCache

MAX_CACHE_ENTRIES = 4096


class StoreError(Exception):
    """The tenant store could not be read (not the same as an unknown tenant)."""


class Tenant(NamedTuple):
    """What the gateway knows about one tenant."""

    tenant_id: str
    tier: str
    allowed_models: tuple[str, ...]
    enabled: bool
    monthly_token_budget: int | None = None
    api_key_id: str | None = None
    daily_token_budget: int | None = None
    # Direct route model parameter -> the aliases it may name (none for a tenant with a token budget).
    direct_models: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def direct_models_of(self, parameter: str) -> tuple[str, ...]:
        return next((models for name, models in self.direct_models if name == parameter), ())

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Tenant | None:
        """Parse a DynamoDB item (already deserialized); None when it is not a complete tenant."""
        tenant_id, tier = item.get(tenancy.ITEM_TENANT_ID), item.get(tenancy.ITEM_TIER)
        models = item.get(tenancy.ITEM_ALLOWED_MODELS, "")
        if not isinstance(tenant_id, str) or not tenant_id or not isinstance(tier, str) or not isinstance(models, str):
            return None
        return cls(
            tenant_id=tenant_id,
            tier=tier,
            allowed_models=tenancy.split_list(models),
            enabled=item.get(tenancy.ITEM_ENABLED) is True,
            monthly_token_budget=_budget(item.get(tenancy.ITEM_MONTHLY_TOKEN_BUDGET)),
            daily_token_budget=_budget(item.get(tenancy.ITEM_DAILY_TOKEN_BUDGET)),
            api_key_id=_text(item.get(tenancy.ITEM_API_KEY_ID)),
            # Absent (an item written before the attribute existed): the direct routes stay closed.
            direct_models=tuple(
                (parameter, models)
                for parameter in MODEL_PATH_PARAMETERS
                if (models := tenancy.split_list(item.get(tenancy.direct_models_attribute(parameter))))
            ),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _budget(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def key_hash(api_key: str) -> str:
    """The table's key for an API key: its SHA-256, hex (what Terraform's sha256() writes)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def key_item(api_key: str) -> str:
    return f"{tenancy.KEY_ITEM_PREFIX}{key_hash(api_key)}"


def tenant_item(tenant_id: str) -> str:
    return f"{tenancy.TENANT_ITEM_PREFIX}{tenant_id}"


def client_item(client_id: str) -> str:
    return f"{tenancy.CLIENT_ITEM_PREFIX}{client_id}"


def principal_item(principal_key: str) -> str:
    return f"{tenancy.PRINCIPAL_ITEM_PREFIX}{principal_key}"


class TenantStore(Protocol):
    def tenant_at(self, item_key: str) -> Tenant | None:
        """The tenant the item keyed `item_key` (`key#...`, `tenant#...`, ...) holds; None when there is none."""
        ...


class DynamoTenantStore:
    """Reads tenant items from DynamoDB with strongly consistent GetItem calls."""

    def __init__(self, table_name: str, client_factory: Callable[[], Any] | None = None) -> None:
        self._table_name = table_name
        self._client = LazyClient(client_factory or _default_client)

    def tenant_at(self, item_key: str) -> Tenant | None:
        try:
            response = self._client.get_item(
                TableName=self._table_name, Key={tenancy.TABLE_HASH_KEY: {"S": item_key}}, ConsistentRead=True
            )
        except Exception as err:  # botocore errors, without importing botocore at cold start
            raise StoreError(f"tenant store read failed: {type(err).__name__}") from None
        item = response.get("Item")
        return Tenant.from_item(_plain(item)) if item else None


def _default_client() -> Any:
    return aws_client("dynamodb")


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's typed attribute values -> plain Python (S, N, BOOL only)."""
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if "S" in value:
            plain[name] = value["S"]
        elif "BOOL" in value:
            plain[name] = bool(value["BOOL"])
        elif "N" in value:
            number = float(value["N"])
            plain[name] = int(number) if number.is_integer() else number
    return plain


class CachedTenantStore:
    """A TTL cache in front of a store; unknown keys are cached too, for a shorter time."""

    def __init__(
        self,
        store: TenantStore,
        ttl_seconds: float,
        negative_ttl_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._cache: TtlCache[Tenant | None] = TtlCache(clock, MAX_CACHE_ENTRIES)
        self._ttl_of = lambda tenant: ttl_seconds if tenant else negative_ttl_seconds

    def tenant_at(self, item_key: str) -> Tenant | None:
        return self._cache.get(item_key, lambda: self._store.tenant_at(item_key), self._ttl_of)
