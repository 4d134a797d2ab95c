"""A tenant table in moto, with items as Terraform writes them (`contract.tenancy`)."""

from __future__ import annotations

from typing import Any

import boto3

TABLE = "aigw-test-tenants"


def create_tenant_table() -> Any:
    """Create the table (inside `mock_aws`) and return its DynamoDB client."""
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb


def tenant_attributes(**fields: Any) -> dict[str, Any]:
    """A tenant's item attributes in DynamoDB JSON: `tenant_id` required, the rest with the module's defaults."""
    item: dict[str, Any] = {
        "tenant_id": {"S": fields["tenant_id"]},
        "tier": {"S": fields.get("tier", "standard")},
        "allowed_models": {"S": ",".join(fields.get("allowed_models", []))},
        "enabled": {"BOOL": fields.get("enabled", True)},
    }
    for budget in ("monthly_token_budget", "daily_token_budget"):
        if budget in fields:
            item[budget] = {"N": str(fields[budget])}
    for parameter, models in fields.get("direct_models", {}).items():
        item[f"direct_models_{parameter}"] = {"S": ",".join(models)}
    if fields.get("api_key_id"):
        item["api_key_id"] = {"S": fields["api_key_id"]}
    return item


def put_tenant(client: Any, pk: str, **fields: Any) -> None:
    """Write one item keyed `pk` (`tenant#acme`, `key#<sha256>`, `client#<id>`, `principal#<arn>`)."""
    client.put_item(TableName=TABLE, Item={"pk": {"S": pk}, **tenant_attributes(**fields)})
