"""The router's DynamoDB tables: token counters per tenant and period, and the optional response cache.

Both are KMS-encrypted with the module's key and expire items through DynamoDB TTL
(`expires_at`): old counters after their period is long over, cache entries after
their TTL. Counters are billing data, so that table has point-in-time recovery and
deletion protection; the cache is disposable and exists only when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Token
from cdktn_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from constructs import Construct

from modules_src.common.naming import named

TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class RouterStateProps:
    name: str
    kms_key_arn: str
    tags: Any


class RouterState(Construct):
    """Attributes: `budgets` (table), `cache` (table, `count` 0 without `var.response_cache`), and their names."""

    def __init__(self, scope: Construct, id_: str, props: RouterStateProps) -> None:
        super().__init__(scope, id_)
        # Deterministic names: the router's environment and policy refer to them before they exist.
        self.budgets_name = f"{props.name}-budgets"
        self.cache_name = f"{props.name}-response-cache"
        self.budgets = named(self._table("budgets", self.budgets_name, props, durable=True), "budgets")
        self.cache = named(self._table("cache", self.cache_name, props, durable=False), "response_cache")
        self.cache.add_override("count", "${var.response_cache == null ? 0 : 1}")

    def _table(self, id_: str, table_name: str, props: RouterStateProps, *, durable: bool) -> DynamodbTable:
        return DynamodbTable(
            self,
            id_,
            name=table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            attribute=[DynamodbTableAttribute(name="pk", type="S")],
            ttl={"attribute_name": TTL_ATTRIBUTE, "enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": props.kms_key_arn},
            point_in_time_recovery={"enabled": durable},
            deletion_protection_enabled=Token.as_any("${var.tenant_table_deletion_protection}") if durable else False,
            tags=props.tags,
        )
