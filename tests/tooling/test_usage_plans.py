"""Usage plans as the local stage enforces them: token buckets, quotas, the deployed plans read back."""

from __future__ import annotations

import datetime
import threading

import boto3
from moto import mock_aws

from tests.support.local_stage import ManualClock as Clock
from tooling.local_stage.usage_plans import (
    Plan,
    Quota,
    StageThrottles,
    Throttle,
    TokenBucket,
    UsagePlans,
    period_start,
)


def test_a_bucket_admits_its_burst_then_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(Throttle(rate_limit=10, burst_limit=5), clock)
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]
    clock.now += 0.25  # 2.5 tokens
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 100  # never more than the burst
    assert sum(bucket.take() for _ in range(10)) == 5


def test_concurrent_callers_together_get_exactly_the_burst() -> None:
    plans = UsagePlans({"k": Plan("p", "free", Throttle(rate_limit=0, burst_limit=25), None)}, clock=Clock())
    admitted: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        for _ in range(20):
            verdict = plans.admit("k", "/v1/chat/completions", "POST") is None
            with lock:
                admitted.append(verdict)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert (admitted.count(True), admitted.count(False)) == (25, 135)
    assert plans.refused == {"THROTTLED": 135, "QUOTA_EXCEEDED": 0}


def test_quota_periods_are_utc_days_weeks_from_sunday_and_months() -> None:
    moment = datetime.datetime(2026, 12, 3, 15, 30, tzinfo=datetime.UTC).timestamp()  # a Thursday
    assert period_start("DAY", moment) == datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC)
    assert period_start("WEEK", moment) == datetime.datetime(2026, 11, 29, tzinfo=datetime.UTC)
    assert period_start("MONTH", moment) == datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)


def test_a_quota_offset_is_used_up_in_the_first_period_only() -> None:
    wall = Clock(datetime.datetime(2026, 12, 3, tzinfo=datetime.UTC).timestamp())
    plans = UsagePlans({"k": Plan("p", "free", None, Quota(limit=3, period="DAY", offset=2))}, clock=Clock(), wall=wall)
    assert [plans.admit("k", "/v1/x", "GET") for _ in range(2)] == [None, "QUOTA_EXCEEDED"]
    wall.now += 86_400
    assert [plans.admit("k", "/v1/x", "GET") for _ in range(4)] == [None, None, None, "QUOTA_EXCEEDED"]


def test_a_plans_method_throttle_wins_over_its_own() -> None:
    plan = Plan("p", "free", Throttle(100, 100), None, {"/v1/chat/completions/POST": Throttle(0, 1)})
    plans = UsagePlans({"k": plan}, clock=Clock())
    assert [plans.admit("k", "/v1/chat/completions", "POST") for _ in range(2)] == [None, "THROTTLED"]
    assert plans.admit("k", "/v1/models", "GET") is None
    assert plans.admit("other", "/v1/models", "GET") == "INVALID_API_KEY"


def test_stage_method_settings_throttle_each_method_and_the_wildcard_applies_per_method() -> None:
    settings = {"methodSettings": {"*/*": {"throttlingRateLimit": 0, "throttlingBurstLimit": 1},
                                   "v1/models/GET": {"throttlingRateLimit": 0, "throttlingBurstLimit": 3}}}  # fmt: skip
    throttles = StageThrottles.from_stage(settings, clock=Clock())
    assert [throttles.admit("/v1/models", "GET") for _ in range(4)] == [True, True, True, False]
    assert [throttles.admit("/v1/chat/completions", "POST") for _ in range(2)] == [True, False]
    assert throttles.admit("/v1/embeddings", "POST") is True


@mock_aws
def test_the_deployed_plans_of_the_stage_and_their_enabled_keys_are_read_back() -> None:
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    api = apigateway.create_rest_api(name="aigw")["id"]
    free = apigateway.create_usage_plan(
        name="free", apiStages=[{"apiId": api, "stage": "local"}],
        throttle={"rateLimit": 2.0, "burstLimit": 4}, quota={"limit": 1000, "period": "DAY"},
    )  # fmt: skip
    other = apigateway.create_usage_plan(name="other", apiStages=[{"apiId": api, "stage": "prod"}])
    keys = {}
    for name, enabled in (("initech", True), ("hooli", False), ("elsewhere", True)):
        key = apigateway.create_api_key(name=name, value=f"{name}-key-value-0123456789", enabled=enabled)
        keys[name] = key["value"]
        plan = other if name == "elsewhere" else free
        apigateway.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    plans = UsagePlans.from_emulator(apigateway, api, "local", clock=Clock())
    assert [plans.admit(keys["initech"], "/v1/models", "GET") for _ in range(5)] == [None] * 4 + ["THROTTLED"]
    assert plans.admit(keys["hooli"], "/v1/models", "GET") == "INVALID_API_KEY"  # disabled
    assert plans.admit(keys["elsewhere"], "/v1/models", "GET") == "INVALID_API_KEY"  # another stage's plan
