"""Token budgets on DynamoDB (moto): refusals at the limit, exact counters under concurrent requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from router.pipeline.budgets import BudgetExceeded, DynamoBudgets, Limits
from tests.support.router_harness import SerializedWrites

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def budgets(aws_credentials: None) -> Iterator[DynamoBudgets]:
    with mock_aws():
        client: Any = boto3.client("dynamodb")
        client.create_table(
            TableName="usage",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield DynamoBudgets("usage", SerializedWrites(client))


def test_a_request_that_would_exceed_the_budget_is_refused_and_reserves_nothing(budgets: DynamoBudgets) -> None:
    limits = Limits(day=1000, month=5000)
    budgets.settle(budgets.reserve("acme", 900, limits, NOW), 900)
    with pytest.raises(BudgetExceeded, match="daily token budget of 1000") as refused:
        budgets.reserve("acme", 200, limits, NOW)
    assert refused.value.period == "day"
    assert budgets.used("acme", "day", NOW) == 900
    assert budgets.used("acme", "month", NOW) == 900, "a refused reservation is released everywhere"


def test_settling_records_what_the_backend_reported(budgets: DynamoBudgets) -> None:
    reservation = budgets.reserve("acme", 500, Limits(month=10_000), NOW)
    budgets.settle(reservation, 732)
    assert budgets.used("acme", "month", NOW) == 732


def test_a_failed_call_that_consumed_tokens_is_still_counted(budgets: DynamoBudgets) -> None:
    reservation = budgets.reserve("acme", 500, Limits(day=10_000), NOW)
    budgets.settle(reservation, 120)  # the backend reported 120 tokens before failing
    assert budgets.used("acme", "day", NOW) == 120


def test_counters_stay_exact_under_concurrent_requests(budgets: DynamoBudgets) -> None:
    limits, allowed, refused = Limits(day=1000), [], []
    lock = threading.Lock()

    def request() -> None:
        try:
            reservation = budgets.reserve("acme", 100, limits, NOW)
        except BudgetExceeded:
            with lock:
                refused.append(1)
            return
        budgets.settle(reservation, 100)
        with lock:
            allowed.append(1)

    threads = [threading.Thread(target=request) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert (len(allowed), len(refused)) == (10, 15)
    assert budgets.used("acme", "day", NOW) == 1000


def test_periods_roll_over_by_utc_day_and_month(budgets: DynamoBudgets) -> None:
    budgets.settle(budgets.reserve("acme", 1000, Limits(day=1000), NOW), 1000)
    tomorrow = datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC)
    budgets.reserve("acme", 1000, Limits(day=1000), tomorrow)
    assert budgets.used("acme", "day", tomorrow) == 1000
