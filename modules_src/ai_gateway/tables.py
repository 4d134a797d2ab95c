"""The module's DynamoDB tables: on demand, keyed by a string `pk`, encrypted with the module's key."""

from __future__ import annotations

from typing import Any

from cdktn import Token
from cdktn_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableAttribute
from constructs import Construct

# Tables whose loss loses data (tenants, token counters) are protected unless the caller turns it off.
DELETION_PROTECTION = "${var.tenant_table_deletion_protection}"


def encrypted_table(
    scope: Construct,
    id_: str,
    *,
    name: str,
    kms_key_arn: str,
    tags: Any,
    durable: bool = True,
    ttl_attribute: str | None = None,
) -> DynamodbTable:
    """A table; `durable` ones get point-in-time recovery and deletion protection, `ttl_attribute` expiry."""
    return DynamodbTable(
        scope,
        id_,
        name=name,
        billing_mode="PAY_PER_REQUEST",
        hash_key="pk",
        attribute=[DynamodbTableAttribute(name="pk", type="S")],
        ttl={"attribute_name": ttl_attribute, "enabled": True} if ttl_attribute else None,
        server_side_encryption={"enabled": True, "kms_key_arn": kms_key_arn},
        point_in_time_recovery={"enabled": durable},
        deletion_protection_enabled=Token.as_any(DELETION_PROTECTION) if durable else False,
        tags=tags,
    )
