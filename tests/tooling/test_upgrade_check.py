"""The upgrade check flags a planned destroy or replacement of a stateful resource, and only that."""

from __future__ import annotations

from typing import Any

from tooling.upgrade_check import stateful_changes


def change(address: str, kind: str, *actions: str) -> dict[str, Any]:
    return {"address": address, "type": kind, "change": {"actions": list(actions)}}


def test_only_changes_to_stateful_resources_are_listed_with_their_actions() -> None:
    plan = {
        "resource_changes": [
            change("module.gateway.aws_dynamodb_table.tenants", "aws_dynamodb_table", "delete", "create"),
            change("module.gateway.aws_kms_key.this[0]", "aws_kms_key", "update"),
            change("module.gateway.aws_api_gateway_deployment.this", "aws_api_gateway_deployment", "create", "delete"),
            change("module.gateway.aws_cloudwatch_log_group.router", "aws_cloudwatch_log_group", "no-op"),
        ]
    }
    assert stateful_changes(plan) == [
        ("module.gateway.aws_dynamodb_table.tenants", ["delete", "create"]),
        ("module.gateway.aws_kms_key.this[0]", ["update"]),
    ]
