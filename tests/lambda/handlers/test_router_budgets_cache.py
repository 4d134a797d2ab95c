"""Token budgets and the response cache through the router handler, on moto's DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from router.chat import ChatResult
from router.pipeline.budgets import DynamoBudgets
from shared.backend_errors import BackendError
from tests.support.router_harness import MODELS, Router, body_of, build_router, create_table, emf_records, threads

HAIKU = str(MODELS["haiku"]["model_id"])
CHAT = "/v1/chat/completions"
# 12 bytes of content: an input bound of 37 tokens (13 + 8 per message + 16 per request), plus
# max_tokens 63 reserved = 100.
ASK = {"model": "haiku", "messages": [{"role": "user", "content": "Hello there!"}], "max_tokens": 63}
TABLES = {"GATEWAY_BUDGET_TABLE": "aigw-test-budgets", "GATEWAY_CACHE_TABLE": "aigw-test-response-cache"}


@pytest.fixture
def dynamodb(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb")
        for table in TABLES.values():
            create_table(client, table)
        yield client


def used(dynamodb: Any, router: Router, tenant: str, period: str) -> int:
    now = datetime.fromtimestamp(router.clock.now, UTC)
    return DynamoBudgets(TABLES["GATEWAY_BUDGET_TABLE"], dynamodb).used(tenant, period, now)


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> Router:
    return build_router(monkeypatch, env=TABLES, dynamodb=dynamodb)


def test_usage_is_recorded_from_the_reported_token_counts(router: Router, dynamodb: Any) -> None:
    router.backend.scripts[HAIKU] = [ChatResult("ok", "stop", 30, 40)]
    assert router.call(CHAT, ASK, daily="1000", monthly="5000")["statusCode"] == 200
    assert used(dynamodb, router, "acme", "day") == 70
    assert used(dynamodb, router, "acme", "month") == 70


def test_a_request_over_the_budget_gets_429_with_a_clear_message(
    router: Router, dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    router.backend.scripts[HAIKU] = [ChatResult("ok", "stop", 460, 460)]
    assert router.call(CHAT, ASK, daily="1000")["statusCode"] == 200
    response = router.call(CHAT, ASK, daily="1000")
    assert response["statusCode"] == 429
    served, refused = emf_records(capsys.readouterr().out)
    assert (served["Throttled"], refused["Throttled"], refused["Errors"]) == (0.0, 1.0, 1.0)
    error = body_of(response)["error"]
    assert error["code"] == "token_budget_exceeded"
    assert error["type"] == "insufficient_quota"
    assert "daily token budget of 1000" in error["message"]
    assert 0 < int(response["headers"]["retry-after"]) <= 86400
    assert used(dynamodb, router, "acme", "day") == 920, "a refused request reserves nothing"
    assert router.backend.called(HAIKU) == 1


def test_the_monthly_budget_is_enforced_separately(router: Router) -> None:
    response = router.call(CHAT, ASK, daily="100000", monthly="50")
    assert response["statusCode"] == 429
    assert "monthly token budget of 50" in body_of(response)["error"]["message"]


def test_tokens_a_failed_attempt_consumed_are_counted(router: Router, dynamodb: Any) -> None:
    router.backend.scripts[HAIKU] = [
        BackendError("unavailable", "garbled answer", consumed_tokens=25),
        ChatResult("ok", "stop", 10, 10),
    ]
    assert router.call(CHAT, ASK, daily="1000")["statusCode"] == 200
    assert used(dynamodb, router, "acme", "day") == 45


def test_a_request_the_provider_refused_everywhere_releases_its_reservation(router: Router, dynamodb: Any) -> None:
    router.backend.scripts[HAIKU] = [BackendError("unavailable", "down", status=503)] * 3
    assert router.call(CHAT, ASK, daily="1000")["statusCode"] == 502
    assert used(dynamodb, router, "acme", "day") == 0


def test_concurrent_requests_never_overshoot_and_the_counter_stays_exact(router: Router, dynamodb: Any) -> None:
    # Each request reserves 100 and reports exactly 100: 10 fit in 1,000, 15 are refused.
    router.backend.scripts[HAIKU] = [ChatResult("ok", "stop", 50, 50) for _ in range(25)]

    def one(index: int) -> int:
        return int(router.call(CHAT, ASK, daily="1000", request_id=f"c{index}")["statusCode"])

    with threads(25, one) as statuses:
        assert sorted(statuses) == [200] * 10 + [429] * 15
    assert used(dynamodb, router, "acme", "day") == 1000


def test_the_budget_store_failing_refuses_rather_than_bypasses(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> None:
    router = build_router(monkeypatch, env={**TABLES, "GATEWAY_BUDGET_TABLE": "no-such-table"}, dynamodb=dynamodb)
    response = router.call(CHAT, ASK, daily="1000")
    assert response["statusCode"] == 503
    assert body_of(response)["error"]["code"] == "budget_unavailable"
    assert router.backend.calls == []


CACHE = {"ttl_seconds": 600, "aliases": [], "cache_sampled": False}


@pytest.fixture
def cached(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> Router:
    return build_router(monkeypatch, env=TABLES, response_cache=CACHE, dynamodb=dynamodb)


def test_a_deterministic_request_is_answered_from_the_cache_the_second_time(
    cached: Router, dynamodb: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ask = {**ASK, "temperature": 0}
    first = cached.call(CHAT, ask, daily="1000", request_id="one")
    # Same request, keys reordered and an ignored parameter added: the same cache entry.
    second = cached.call(CHAT, {"metadata": {"x": "y"}, **dict(reversed(ask.items()))}, daily="1000", request_id="two")
    assert (first["headers"]["x-aigw-cache"], second["headers"]["x-aigw-cache"]) == ("miss", "hit")
    assert cached.backend.called(HAIKU) == 1
    assert body_of(second)["choices"] == body_of(first)["choices"]
    assert body_of(second)["id"] == "chatcmpl-two"
    assert used(dynamodb, cached, "acme", "day") == 17, "a cache hit costs no tokens"
    hits = [r["CacheHits"] for r in emf_records(capsys.readouterr().out)]
    assert hits == [0.0, 1.0]


def test_sampled_requests_are_not_cached_unless_asked(cached: Router) -> None:
    for index in range(2):
        response = cached.call(CHAT, {**ASK, "temperature": 0.7}, request_id=f"s{index}")
        assert response["headers"]["x-aigw-cache"] == "off"
    assert cached.backend.called(HAIKU) == 2


def test_tenants_never_share_cache_entries(cached: Router) -> None:
    ask = {**ASK, "temperature": 0}
    cached.call(CHAT, ask, tenant="acme")
    response = cached.call(CHAT, ask, tenant="initech")
    assert response["headers"]["x-aigw-cache"] == "miss"
    assert cached.backend.called(HAIKU) == 2


def test_entries_expire_and_the_bypass_header_skips_the_cache(cached: Router) -> None:
    ask = {**ASK, "temperature": 0}
    cached.call(CHAT, ask)
    assert cached.call(CHAT, ask, headers={"X-Aigw-Cache": "bypass"})["headers"]["x-aigw-cache"] == "off"
    cached.clock.now += 601
    assert cached.call(CHAT, ask)["headers"]["x-aigw-cache"] == "miss"
    assert cached.backend.called(HAIKU) == 3


def test_the_cache_failing_never_fails_the_request(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> None:
    router = build_router(
        monkeypatch, env={**TABLES, "GATEWAY_CACHE_TABLE": "gone"}, response_cache=CACHE, dynamodb=dynamodb
    )
    for _ in range(2):
        assert router.call(CHAT, {**ASK, "temperature": 0})["statusCode"] == 200
    assert router.backend.called(HAIKU) == 2


def test_a_cached_answer_from_a_model_the_tenant_lost_is_not_served(cached: Router) -> None:
    ask = {**ASK, "model": "resilient", "temperature": 0}
    assert cached.call(CHAT, ask)["headers"]["x-aigw-model"] == "haiku"
    response = cached.call(CHAT, ask, allowed="sonnet,gpt")
    assert (response["headers"]["x-aigw-model"], response["headers"]["x-aigw-cache"]) == ("sonnet", "miss")
