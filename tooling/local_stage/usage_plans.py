"""Usage plans as API Gateway enforces them on methods that require an API key: throttles and quotas.

The deployed plans, their stages and keys are read from the emulator. A request of a
method with `apiKeyRequired` carries the key the authorizer returned
(`usageIdentifierKey`, the API's key source being AUTHORIZER); the key must be enabled
and in a plan of this stage, else 403 (INVALID_API_KEY). Then, in API Gateway's order:

- the plan's per-method throttle (`apiStages[].throttle["/path/METHOD"]`) if it names
  the method, else the plan's own throttle: a token bucket per key holding `burstLimit`
  tokens, refilled at `rateLimit` per second, one token per request (429 THROTTLED);
- the plan's quota: `limit` requests per UTC day, week (from Sunday 00:00 UTC) or month
  (from the 1st), less `offset` in the first period (429 QUOTA_EXCEEDED). Where in its
  day AWS starts a quota's period is not documented: the local periods are UTC calendar
  periods, an approximation.

Stage-wide and per-method throttles of the stage's method settings (`*/*` or
`/path/METHOD`) are token buckets shared by every caller, checked before the
authorizer runs, as API Gateway throttles before it authorizes.

The clock is injectable so that tests and the load test can check the arithmetic.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]

THROTTLED = "THROTTLED"
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
INVALID_API_KEY = "INVALID_API_KEY"


@dataclass(frozen=True)
class Throttle:
    rate_limit: float
    burst_limit: int


class TokenBucket:
    """`burst_limit` tokens, refilled continuously at `rate_limit` per second; starts full."""

    def __init__(self, throttle: Throttle, clock: Clock) -> None:
        self.throttle, self._clock = throttle, clock
        self._tokens, self._last = float(throttle.burst_limit), clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(
            float(self.throttle.burst_limit), self._tokens + (now - self._last) * self.throttle.rate_limit
        )
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Buckets:
    """A token bucket per key, created full on first use; thread-safe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[Any, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, key: Any, throttle: Throttle) -> bool:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(throttle, self._clock)
            return bucket.take()


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str  # DAY, WEEK or MONTH
    offset: int = 0


def period_start(period: str, now: float) -> datetime.datetime:
    """The start of the UTC day, week (from Sunday, the quota's documented week) or month holding `now`."""
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "DAY":
        return day
    if period == "WEEK":
        return day - datetime.timedelta(days=(day.weekday() + 1) % 7)
    return day.replace(day=1)


@dataclass(frozen=True)
class Plan:
    plan_id: str
    name: str
    throttle: Throttle | None
    quota: Quota | None
    # "/path/METHOD" -> the plan's throttle for that method on this stage.
    method_throttles: dict[str, Throttle] = field(default_factory=dict)


def _throttle(item: dict[str, Any] | None) -> Throttle | None:
    if not item or "rateLimit" not in item:
        return None
    return Throttle(float(item["rateLimit"]), int(item.get("burstLimit", 0)))


def _resource_key(path: str, http_method: str) -> str:
    return f"{path}/{http_method}"


class UsagePlans:
    """Every plan of one stage, by key value; the per-key buckets and quota counters they keep."""

    def __init__(self, plans_by_key: dict[str, Plan], clock: Clock = time.monotonic, wall: Clock = time.time) -> None:
        self._plans_by_key = plans_by_key
        self._wall = wall
        self._buckets = Buckets(clock)
        self._lock = threading.Lock()
        self._used: dict[tuple[str, str], tuple[datetime.datetime, int]] = {}
        # What each refusal was, for the load test's arithmetic.
        self.refused: dict[str, int] = {THROTTLED: 0, QUOTA_EXCEEDED: 0}

    @classmethod
    def from_emulator(cls, apigateway: Any, rest_api_id: str, stage: str, **clocks: Clock) -> UsagePlans:
        enabled = {
            key["id"]: key["value"]
            for key in apigateway.get_api_keys(includeValues=True, limit=500).get("items", [])
            if key.get("enabled", True)
        }
        plans_by_key: dict[str, Plan] = {}
        for item in apigateway.get_usage_plans(limit=500).get("items", []):
            stages = [s for s in item.get("apiStages", []) if s.get("apiId") == rest_api_id and s.get("stage") == stage]
            if not stages:
                continue
            quota = item.get("quota")
            plan = Plan(
                item["id"],
                item.get("name", item["id"]),
                _throttle(item.get("throttle")),
                Quota(int(quota["limit"]), str(quota["period"]), int(quota.get("offset", 0))) if quota else None,
                {
                    key: throttle
                    for key, value in (stages[0].get("throttle") or {}).items()
                    if (throttle := _throttle(value)) is not None
                },
            )
            for key in apigateway.get_usage_plan_keys(usagePlanId=item["id"], limit=500).get("items", []):
                if key["id"] in enabled:
                    plans_by_key[enabled[key["id"]]] = plan
        return cls(plans_by_key, **clocks)

    def admit(self, key: str | None, resource_path: str, http_method: str) -> str | None:
        """None to let the request through, else the gateway response type refusing it."""
        plan = self._plans_by_key.get(key or "")
        if plan is None:
            return INVALID_API_KEY
        method = _resource_key(resource_path, http_method)
        throttle = plan.method_throttles.get(method) or plan.throttle
        bucket = (plan.plan_id, key, method if method in plan.method_throttles else "")
        with self._lock:
            if throttle is not None and not self._buckets.take(bucket, throttle):
                self.refused[THROTTLED] += 1
                return THROTTLED
            if plan.quota is not None and not self._count(plan.plan_id, str(key), plan.quota):
                self.refused[QUOTA_EXCEEDED] += 1
                return QUOTA_EXCEEDED
        return None

    def _count(self, plan_id: str, key: str, quota: Quota) -> bool:
        """Count one request against the key's quota; False when the period's limit is reached."""
        start = period_start(quota.period, self._wall())
        counted = self._used.get((plan_id, key))
        # The offset is "the number of requests subtracted from the limit in the initial period".
        used = quota.offset if counted is None else counted[1] if counted[0] == start else 0
        if used >= quota.limit:
            return False
        self._used[(plan_id, key)] = (start, used + 1)
        return True


class StageThrottles:
    """The stage's method settings: a token bucket per method (or one for `*/*`) shared by all callers."""

    def __init__(self, throttles: dict[str, Throttle], clock: Clock = time.monotonic) -> None:
        self._throttles = throttles
        self._buckets = Buckets(clock)

    @classmethod
    def from_stage(cls, stage: dict[str, Any], clock: Clock = time.monotonic) -> StageThrottles:
        throttles = {}
        for key, settings in (stage.get("methodSettings") or {}).items():
            rate, burst = settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")
            if rate is not None and burst is not None and float(rate) >= 0:
                throttles[key] = Throttle(float(rate), int(burst))
        return cls(throttles, clock)

    def admit(self, resource_path: str, http_method: str) -> bool:
        # Method settings name a method as its path without the leading slash, then the verb.
        # `*/*` sets every method's own bucket.
        key = f"{resource_path.lstrip('/')}/{http_method}"
        throttle = self._throttles.get(key) or self._throttles.get("*/*")
        return throttle is None or self._buckets.take(key, throttle)
