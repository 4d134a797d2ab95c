"""The router's DynamoDB tables: token counters per tenant and period, and the optional response cache.

Both are KMS-encrypted with the module's key and expire items through DynamoDB TTL
(`expires_at`): old counters after their period is long over, cache entries after
their TTL. Counters are billing data, so that table has point-in-time recovery and
deletion protection; the cache is disposable and exists only when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from modules_src.ai_gateway.tables import encrypted_table
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
        common = {"kms_key_arn": props.kms_key_arn, "tags": props.tags, "ttl_attribute": TTL_ATTRIBUTE}
        self.budgets = named(encrypted_table(self, "budgets", name=self.budgets_name, **common), "budgets")
        self.cache = named(
            encrypted_table(self, "cache", name=self.cache_name, durable=False, **common), "response_cache"
        )
        self.cache.add_override("count", "${var.response_cache == null ? 0 : 1}")
