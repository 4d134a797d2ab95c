"""The live window shared through the budget table: what a new container sees, exact counts under concurrency
and faults, the bound on table calls, and the fall back to a container's own window."""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contract import routing as rules
from contract.tables import HASH_KEY, TTL_ATTRIBUTE
from router.live_stats import LiveStats
from router.routing import choose, parse_routing
from router.shared_stats import MAX_COUNTERS_PER_WRITE, STALE_PERIODS, SharedWindow
from tests.support.router_harness import create_table

TABLE = "aigw-test-budgets"
PERIOD = 10.0
MODELS = frozenset({"fast", "slow"})


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def now_or_never(work: Callable[[], None]) -> None:
    """Runs the exchange at once (the router runs it in a thread)."""
    work()


class MemoryTable:
    """A DynamoDB table's UpdateItem ADD and BatchGetItem, atomic per call, with scripted failures."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.fail: list[tuple[str, Exception]] = []  # (operation, error) to raise, in order
        self.unprocessed = False
        self._lock = threading.Lock()

    def _failure(self, operation: str) -> None:
        if self.fail and self.fail[0][0] == operation:
            raise self.fail.pop(0)[1]

    def update_item(
        self,
        *,
        TableName: str,
        Key: dict[str, Any],
        UpdateExpression: str,
        ExpressionAttributeNames: dict[str, str],
        ExpressionAttributeValues: dict[str, Any],
    ) -> None:
        with self._lock:
            self.calls.append("update_item")
            self._failure("update_item")
            item = self.items.setdefault(Key[HASH_KEY]["S"], {HASH_KEY: Key[HASH_KEY]})
            _, adds = UpdateExpression.split(" ADD ")
            for term in adds.split(", "):
                name, value = term.split(" ")
                attribute = ExpressionAttributeNames[name]
                before = int(item.get(attribute, {"N": "0"})["N"])
                item[attribute] = {"N": str(before + int(ExpressionAttributeValues[value]["N"]))}
            item[TTL_ATTRIBUTE] = ExpressionAttributeValues[":ttl"]

    def batch_get_item(self, *, RequestItems: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append("batch_get_item")
            self._failure("batch_get_item")
            ((table, request),) = RequestItems.items()
            found = [dict(self.items[k[HASH_KEY]["S"]]) for k in request["Keys"] if k[HASH_KEY]["S"] in self.items]
            return {"Responses": {table: found}, "UnprocessedKeys": request if self.unprocessed else {}}

    def totals(self, model: str) -> tuple[int, int, int]:
        """Attempts, errors and successes (over all latency bins) of `model` over every item."""
        attempts = errors = successes = 0
        for item in self.items.values():
            for name, value in item.items():
                owner, _, counter = name.rpartition("|")
                if owner != model:
                    continue
                if counter == "a":
                    attempts += int(value["N"])
                elif counter == "e":
                    errors += int(value["N"])
                else:
                    successes += int(value["N"])
        return attempts, errors, successes


def client_error(code: str) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "UpdateItem")


def container(table: Any, clock: Clock, logs: list[tuple[str, dict[str, Any]]] | None = None,
              models: frozenset[str] = MODELS) -> LiveStats:  # fmt: skip
    said = logs if logs is not None else []
    shared = SharedWindow(TABLE, table, PERIOD, models, clock=clock, run=now_or_never,
                          log=lambda message, extra: said.append((message, extra)))  # fmt: skip
    return LiveStats(clock, shared=shared)


@functools.cache
def live_config() -> Any:
    problems: list[str] = []
    parsed = parse_routing(
        {"aliases": {"auto": {"strategy": "lowest_latency", "targets": [{"model": "slow"}, {"model": "fast"}]}}},
        {"fast": "chat", "slow": "chat"},
        {},
        problems,
    )
    assert problems == []
    return parsed


def first_choice(stats: LiveStats) -> str:
    plan = choose(live_config(), alias="auto", tenant="t", allowed=MODELS, user=None, request_id="r1", stats=stats)
    return plan.models[0]


@pytest.fixture
def moto_table() -> Any:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        yield client


def test_a_new_container_routes_on_what_the_others_measured(moto_table: Any) -> None:
    """Against moto: container A finds `slow` slow; B, which has served nothing, leads with `fast` after its
    first exchange, where on its own window it would start with the first target."""
    clock = Clock()
    a = container(moto_table, clock)
    a.share()  # its first exchange reads the (empty) window
    for _ in range(rules.MIN_SAMPLES + 5):
        a.record("slow", 1.5, ok=True)
        a.record("fast", 0.2, ok=True)
    clock.now += PERIOD
    a.share()  # writes the period's attempts, and reads them back
    assert first_choice(a) == "fast"

    alone = LiveStats(clock)
    assert first_choice(alone) == "slow", "unmeasured, a container starts with the first target"
    b = container(moto_table, clock)
    b.share()
    assert first_choice(b) == "fast"
    item = moto_table.get_item(TableName=TABLE, Key={HASH_KEY: {"S": f"{rules.LIVE_ITEM_PREFIX}{int(clock.now)}"}})
    counters = item["Item"]
    assert counters["slow|a"] == {"N": str(rules.MIN_SAMPLES + 5)} and counters["fast|a"]["N"] == "15"
    # Expires two windows after its period, through the table's TTL.
    assert int(counters[TTL_ATTRIBUTE]["N"]) == int(clock.now) + 2 * int(rules.WINDOW_SECONDS) + int(PERIOD)


def test_the_shared_window_forgets_periods_older_than_the_window(moto_table: Any) -> None:
    clock = Clock()
    a = container(moto_table, clock)
    a.share()
    for _ in range(20):
        a.record("slow", 0.1, ok=False)
    clock.now += PERIOD
    a.share()
    b = container(moto_table, clock)
    b.share()
    assert b.counts("slow")[:2] == (20, 20)
    clock.now += rules.WINDOW_SECONDS + PERIOD
    c = container(moto_table, clock)
    c.share()
    assert c.counts("slow")[:2] == (0, 0)


def test_counts_are_exact_across_concurrent_containers() -> None:
    """Four containers, eight threads each recording and exchanging while the clock moves: the table ends
    holding exactly every attempt, and no attempt twice."""
    table, clock = MemoryTable(), Clock()
    containers = [container(table, clock) for _ in range(4)]
    recorded = {m: [0, 0] for m in MODELS}
    lock = threading.Lock()

    def traffic(stats: LiveStats, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(500):
            model, ok = rng.choice(sorted(MODELS)), rng.random() > 0.2
            stats.record(model, rng.uniform(0.01, 3.0), ok=ok)
            with lock:
                recorded[model][0] += 1
                recorded[model][1] += 0 if ok else 1
            stats.share()
            if rng.random() < 0.01:
                clock.now += 1.0

    threads = [
        threading.Thread(target=traffic, args=(c, i * 10 + n)) for i, c in enumerate(containers) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    clock.now += PERIOD
    for stats in containers:
        stats.share()
    for model, (attempts, errors) in recorded.items():
        assert table.totals(model) == (attempts, errors, attempts - errors)


def test_a_throttled_write_is_carried_and_an_unknown_one_dropped() -> None:
    table, clock, logs = MemoryTable(), Clock(), []
    stats = container(table, clock, logs)
    stats.share()
    for _ in range(3):
        stats.record("fast", 0.1, ok=True)
    table.fail.append(("update_item", client_error("ProvisionedThroughputExceededException")))
    clock.now += PERIOD
    stats.share()
    assert table.totals("fast") == (0, 0, 0) and logs[-1] == (
        "live statistics not shared", {"error": "ProvisionedThroughputExceededException", "carried": True})  # fmt: skip
    stats.record("fast", 0.1, ok=True)
    clock.now += PERIOD
    stats.share()
    assert table.totals("fast") == (4, 0, 4), "refused before applying: sent again with the next exchange"

    stats.record("fast", 0.1, ok=False)
    table.fail.append(("update_item", TimeoutError("read timed out")))
    clock.now += PERIOD
    stats.share()
    clock.now += PERIOD
    stats.share()
    # Its outcome unknown, the write is not sent again: the window may miss an attempt, never count one twice.
    assert table.totals("fast") == (4, 0, 4)
    assert logs[-1] == ("live statistics not shared", {"error": "TimeoutError", "carried": False})


def test_many_targets_take_one_more_write_per_chunk_and_every_counter_lands() -> None:
    table, clock = MemoryTable(), Clock()
    models = frozenset(f"m{i}" for i in range(80))
    stats = container(table, clock, models=models)
    stats.share()
    for model in sorted(models):
        for latency in (0.001, 0.01, 0.1, 1.0):
            stats.record(model, latency, ok=True)
    table.calls.clear()
    clock.now += PERIOD
    stats.share()
    counters = 80 * (1 + 4)  # attempts and four latency bins each
    writes = -(-counters // MAX_COUNTERS_PER_WRITE)
    assert table.calls == ["update_item"] * writes + ["batch_get_item"]
    assert all(table.totals(m) == (4, 0, 4) for m in models)

    for model in sorted(models):
        for latency in (0.001, 0.01, 0.1, 1.0):
            stats.record(model, latency, ok=True)
    table.fail.append(("update_item", TimeoutError("read timed out")))
    clock.now += PERIOD
    stats.share()  # the first chunk's outcome is unknown (dropped); the chunks not sent are carried
    clock.now += PERIOD
    stats.share()
    dropped = sorted(models)[: MAX_COUNTERS_PER_WRITE // 5]
    assert all(table.totals(m) == ((4, 0, 4) if m in dropped else (8, 0, 8)) for m in models)


def test_table_calls_are_bounded_per_period_whatever_the_traffic() -> None:
    table, clock = MemoryTable(), Clock()
    stats = container(table, clock)
    for period in range(6):
        for index in range(5_000):
            stats.record("fast" if index % 2 else "slow", 0.05, ok=True)
            stats.share()
            first_choice(stats)
            clock.now += PERIOD / 5_000 * 0.999
        assert len(table.calls) <= 2 * (period + 1)
    assert table.calls == ["update_item", "batch_get_item"] * 6, "one exchange a period: 30,000 requests, 12 calls"


def test_without_a_current_read_routing_falls_back_on_the_containers_own_window() -> None:
    table, clock, logs = MemoryTable(), Clock(), []
    stats = container(table, clock, logs)
    stats.share()
    for _ in range(15):
        stats.record("slow", 1.5, ok=True)
        stats.record("fast", 0.2, ok=True)
    clock.now += PERIOD
    stats.share()
    assert stats.counts("fast")[0] == 15
    # This container's reads fail for longer than STALE_PERIODS periods.
    table.unprocessed = True
    for _ in range(STALE_PERIODS + 1):
        clock.now += PERIOD
        stats.share()
    assert ("live statistics not read", {"error": "UnprocessedKeys"}) in logs
    assert stats.counts("fast")[0] == 15, "the container's own window, not a partial read"
    assert first_choice(stats) == "fast"
    table.unprocessed = False
    table.fail.append(("batch_get_item", client_error("InternalServerError")))
    clock.now += PERIOD
    stats.share()
    assert logs[-1] == ("live statistics not read", {"error": "InternalServerError"})
    clock.now += PERIOD
    key = f"{rules.LIVE_ITEM_PREFIX}{int(clock.now)}"
    table.items[key] = {HASH_KEY: {"S": key}, "fast|a": {"N": "1000"}}  # what the other containers saw
    stats.share()
    assert stats.counts("fast")[0] == 1000, "read again: the gateway's figures"


def test_only_targets_that_live_routing_reads_are_shared() -> None:
    table, clock = MemoryTable(), Clock()
    stats = container(table, clock, models=frozenset({"fast"}))
    stats.share()
    stats.record("fast", 0.1, ok=True)
    stats.record("other", 0.1, ok=True)
    clock.now += PERIOD
    stats.share()
    assert table.totals("fast") == (1, 0, 1) and table.totals("other") == (0, 0, 0)
    assert stats.counts("other")[0] == 1, "a target not shared keeps its own window"


def test_an_item_that_cannot_be_read_is_logged_and_routing_goes_on() -> None:
    table, clock, logs = MemoryTable(), Clock(), []
    stats = container(table, clock, logs)
    key = f"{rules.LIVE_ITEM_PREFIX}{int(clock.now)}"
    table.items[key] = {HASH_KEY: {"S": key}, "fast|a": {"N": "many"}}
    stats.share()
    assert logs == [("live statistics exchange failed", {"error": "ValueError"})]
    assert first_choice(stats) == "slow", "unmeasured: the first target, as a new container"
    clock.now += PERIOD
    table.items.clear()
    stats.share()
    assert stats.counts("fast") == (0, 0, None)
