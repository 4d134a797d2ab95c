"""Retries, circuit breakers, fallbacks and deadlines, with a fake clock: no test waits."""

from __future__ import annotations

import random

import pytest

from shared.backend_errors import BackendError
from shared.resilience import AllTargetsFailed, Caller, CircuitBreaker, RetryPolicy


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def script(*outcomes: object) -> tuple[list[str], object]:
    """A backend call that plays `outcomes` in order (an exception is raised, anything else returned)."""
    calls: list[str] = []
    queue = list(outcomes)

    def call(model: str, remaining: float) -> object:
        calls.append(model)
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return calls, call


def caller(fake: FakeTime, **kwargs: object) -> Caller[object]:
    breakers: dict[str, CircuitBreaker] = {}
    return Caller(
        breakers=breakers,
        clock=fake.clock,
        sleep=fake.sleep,
        rng=random.Random(7),
        breaker_factory=lambda: CircuitBreaker(failure_threshold=2, reset_seconds=30, clock=fake.clock),
        **kwargs,  # type: ignore[arg-type]
    )


THROTTLED = BackendError("throttled", "slow down", status=429, retry_after=2)
DOWN = BackendError("unavailable", "503", status=503)


def test_primary_throttles_then_succeeds_after_a_jittered_backoff() -> None:
    fake = FakeTime()
    calls, call = script(THROTTLED, "ok")
    assert caller(fake).run(("a", "b"), call, budget_seconds=25) == ("a", "ok")  # type: ignore[arg-type]
    assert calls == ["a", "a"]
    assert len(fake.slept) == 1 and 0 <= fake.slept[0] <= 0.1


def test_primary_down_fails_over_to_the_next_target() -> None:
    fake = FakeTime()
    calls, call = script(DOWN, DOWN, DOWN, "from-b")
    assert caller(fake).run(("a", "b"), call, budget_seconds=25) == ("b", "from-b")  # type: ignore[arg-type]
    assert calls == ["a", "a", "a", "b"]


def test_a_client_error_is_final_and_never_failed_over() -> None:
    fake = FakeTime()
    calls, call = script(BackendError("client", "bad request", status=400))
    with pytest.raises(BackendError, match="bad request"):
        caller(fake).run(("a", "b"), call, budget_seconds=25)  # type: ignore[arg-type]
    assert calls == ["a"]


def test_the_circuit_opens_after_repeated_failures_and_closes_after_a_good_probe() -> None:
    fake = FakeTime()
    runner = caller(fake, policy=RetryPolicy(attempts=1))
    for _ in range(2):
        _, call = script(DOWN, "b")
        runner.run(("a", "b"), call, budget_seconds=25)  # type: ignore[arg-type]
    assert runner.breakers[("", "a")].state == "open"
    calls, call = script("b")
    assert runner.run(("a", "b"), call, budget_seconds=25) == ("b", "b")  # type: ignore[arg-type]
    assert calls == ["b"], "an open circuit is skipped without a call"
    fake.now += 31
    assert runner.breakers[("", "a")].state == "half-open"
    calls, call = script("a-is-back")
    assert runner.run(("a", "b"), call, budget_seconds=25) == ("a", "a-is-back")  # type: ignore[arg-type]
    assert runner.breakers[("", "a")].state == "closed"


def test_a_failed_probe_reopens_the_circuit() -> None:
    fake = FakeTime()
    breaker = CircuitBreaker(failure_threshold=1, reset_seconds=10, clock=fake.clock)
    breaker.record_failure()
    fake.now += 11
    assert breaker.allow() and not breaker.allow(), "one probe at a time"
    breaker.record_failure()
    assert breaker.state == "open"


def test_all_targets_throttled_is_503_with_retry_after() -> None:
    fake = FakeTime()
    _, call = script(*[THROTTLED] * 6)
    with pytest.raises(AllTargetsFailed) as failed:
        caller(fake).run(("a", "b"), call, budget_seconds=25)  # type: ignore[arg-type]
    assert failed.value.status == 503
    assert failed.value.retry_after_seconds == 2


def test_all_targets_down_is_502() -> None:
    fake = FakeTime()
    _, call = script(*[DOWN] * 6)
    with pytest.raises(AllTargetsFailed) as failed:
        caller(fake).run(("a", "b"), call, budget_seconds=25)  # type: ignore[arg-type]
    assert failed.value.status == 502 and failed.value.retry_after_seconds is None


def test_the_deadline_stops_retries_with_504() -> None:
    fake = FakeTime()

    def slow(model: str, remaining: float) -> object:
        # A real backend call gets `remaining` as its timeout.
        fake.now += min(10, remaining)
        raise BackendError("timeout", "backend timed out")

    with pytest.raises(AllTargetsFailed) as failed:
        caller(fake).run(("a", "b"), slow, budget_seconds=25)  # type: ignore[arg-type]
    assert failed.value.status == 504
    assert fake.now <= 25, "never past the budget"


def test_backoff_grows_and_is_capped() -> None:
    policy, rng = RetryPolicy(base_seconds=0.1, cap_seconds=0.5), random.Random(1)
    assert all(0 <= policy.delay(n, rng) <= min(0.5, 0.1 * 2**n) for n in range(10) for _ in range(20))
