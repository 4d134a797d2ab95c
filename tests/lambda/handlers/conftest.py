"""Fixtures the handler tests share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.router_harness import create_table

BUDGET_TABLE = "aigw-test-budgets"


@pytest.fixture
def budget_dynamodb(aws_credentials: None) -> Iterator[Any]:
    """moto's DynamoDB with an empty budget table named BUDGET_TABLE."""
    with mock_aws():
        client = boto3.client("dynamodb")
        create_table(client, BUDGET_TABLE)
        yield client
