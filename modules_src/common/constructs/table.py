"""An on-demand DynamoDB table keyed by a string `pk`, encrypted with a customer-managed key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Token
from cdktn_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from constructs import Construct

from contract.tables import HASH_KEY
from modules_src.common.expressions import Expr
from modules_src.common.naming import named


@dataclass(frozen=True)
class TableProps:
    """`durable` tables (whose loss loses data) get point-in-time recovery and `deletion_protection`."""

    logical_id: str
    name: str
    kms_key_arn: str
    tags: Any
    durable: bool = True
    # Required for durable tables: whether AWS refuses to delete the table (a module input).
    deletion_protection: Expr | None = None
    # Attribute holding each item's expiry (Unix seconds), for DynamoDB's TTL; None: items never expire.
    ttl_attribute: str | None = None
    # When the table exists (None: always).
    enabled: Expr | None = None

    def __post_init__(self) -> None:
        if self.durable and self.deletion_protection is None:
            raise ValueError(f"table {self.logical_id} is durable: say whether it is protected from deletion")


class Table(Construct):
    """Attribute: `table` (with `count` when `enabled` is set)."""

    def __init__(self, scope: Construct, id_: str, props: TableProps) -> None:
        super().__init__(scope, id_)
        protection: Any = Token.as_any(str(props.deletion_protection)) if props.deletion_protection else False
        self.table = named(
            DynamodbTable(
                self,
                "table",
                name=props.name,
                billing_mode="PAY_PER_REQUEST",
                hash_key=HASH_KEY,
                attribute=[DynamodbTableAttribute(name=HASH_KEY, type="S")],
                ttl={"attribute_name": props.ttl_attribute, "enabled": True} if props.ttl_attribute else None,
                server_side_encryption={"enabled": True, "kms_key_arn": props.kms_key_arn},
                point_in_time_recovery={"enabled": props.durable},
                deletion_protection_enabled=protection if props.durable else False,
                tags=props.tags,
            ),
            props.logical_id,
        )
        if props.enabled is not None:
            # An override, not `count=`: the attribute order of the generated JSON stays as it was.
            self.table.add_override("count", str(props.enabled.count()))
