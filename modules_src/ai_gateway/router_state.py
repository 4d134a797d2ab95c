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

from contract.tables import TTL_ATTRIBUTE
from modules_src.common.constructs.table import Table, TableProps
from modules_src.common.expressions import Expr


@dataclass(frozen=True)
class RouterStateProps:
    name: str
    kms_key_arn: str
    tags: Any
    deletion_protection: Expr
    # Whether the response cache table exists (the module's `response_cache` is set).
    cache_enabled: Expr


class RouterState(Construct):
    """Attributes: `budgets` (table), `cache` (table, `count` 0 or 1), and their names."""

    def __init__(self, scope: Construct, id_: str, props: RouterStateProps) -> None:
        super().__init__(scope, id_)
        # Deterministic names: the router's environment and policy refer to them before they exist.
        self.budgets_name = f"{props.name}-budgets"
        self.cache_name = f"{props.name}-response-cache"
        self.budgets = Table(
            self,
            "budgets",
            TableProps(
                logical_id="budgets",
                name=self.budgets_name,
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
                deletion_protection=props.deletion_protection,
                ttl_attribute=TTL_ATTRIBUTE,
            ),
        ).table
        self.cache = Table(
            self,
            "cache",
            TableProps(
                logical_id="response_cache",
                name=self.cache_name,
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
                durable=False,
                ttl_attribute=TTL_ATTRIBUTE,
                enabled=props.cache_enabled,
            ),
        ).table
