"""Call a plan's targets in order: retries with full-jitter backoff, a circuit breaker per target, a deadline.

Pure apart from the injected clock, sleep and random source, so every path is
tested without time passing. Only throttling, server-side failures and timeouts are retried;
a client error (4xx other than 429) is final and is never retried or failed over, and
an answer too large to read is not retried on the same model (it would repeat).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.backend_errors import BackendError

T = TypeVar("T")


class AllTargetsFailed(Exception):
    """Every target failed or was skipped; `errors` holds the last error of each target tried."""

    def __init__(self, errors: dict[str, BackendError], skipped: tuple[str, ...]) -> None:
        super().__init__("all targets failed")
        self.errors, self.skipped = errors, skipped

    @property
    def status(self) -> int:
        """504 when time ran out, 503 when every target was throttled or open, 502 otherwise."""
        kinds = {e.kind for e in self.errors.values()}
        if "timeout" in kinds:
            return 504
        if not self.errors or kinds <= {"throttled"}:
            return 503
        return 502

    @property
    def retry_after_seconds(self) -> int | None:
        hints = [e.retry_after for e in self.errors.values() if e.retry_after]
        if self.status == 503:
            return max(1, round(min(hints))) if hints else 1
        return None


@dataclass
class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures; after `reset_seconds` lets one probe through."""

    failure_threshold: int = 5
    reset_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = 0
    _opened_at: float | None = None
    _probing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self._opened_at >= self.reset_seconds else "open"

    def allow(self) -> bool:
        with self._lock:
            state = self.state
            if state == "closed":
                return True
            if state == "half-open" and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures, self._opened_at, self._probing = 0, None, False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.failure_threshold:
                self._opened_at, self._probing = self.clock(), False


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `attempts` tries per target, sleeping uniform(0, min(cap, base * 2**n)) between them."""

    attempts: int = 3
    base_seconds: float = 0.1
    cap_seconds: float = 2.0

    def delay(self, retry: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**retry))


@dataclass
class Caller(Generic[T]):
    """Runs `call(model, remaining_seconds)` over a plan's models with retries, breakers and a deadline."""

    # By (tenant, model): see `run`.
    breakers: dict[tuple[str, str], CircuitBreaker]
    policy: RetryPolicy = RetryPolicy()
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    breaker_factory: Callable[[], CircuitBreaker] = CircuitBreaker

    def run(
        self, models: tuple[str, ...], call: Callable[[str, float], T], budget_seconds: float, scope: str = ""
    ) -> tuple[str, T]:
        """Return (model that answered, its answer).

        Breakers are kept per `scope` (the tenant) and model: a tenant whose own requests
        fail (too large to answer in time, content a model chokes on) opens only its own
        circuit, never another tenant's. The cost is that an outage is detected once per
        tenant, after `failure_threshold` requests each, which is cheap against letting one
        tenant's traffic refuse everyone.

        Raises
        ------
        BackendError
            A client error: final, not failed over.
        AllTargetsFailed
            Nothing answered within the budget.
        """
        deadline = self.clock() + budget_seconds
        errors: dict[str, BackendError] = {}
        skipped: list[str] = []
        for model in models:
            breaker = self.breakers.setdefault((scope, model), self.breaker_factory())
            if not breaker.allow():
                skipped.append(model)
                continue
            for attempt in range(self.policy.attempts):
                remaining = deadline - self.clock()
                if remaining <= 0:
                    errors[model] = BackendError("timeout", "the request's time budget ran out", billed=False)
                    raise AllTargetsFailed(errors, tuple(skipped))
                try:
                    answer = call(model, remaining)
                except BackendError as err:
                    if err.final:
                        breaker.record_success()  # the backend answered; the request was wrong
                        raise
                    errors[model] = err
                    if not err.retryable:
                        break  # it would fail the same way again on this model: try the next one
                    if attempt + 1 < self.policy.attempts:
                        pause = min(self.policy.delay(attempt, self.rng), max(0.0, deadline - self.clock()))
                        self.sleep(pause)
                    continue
                breaker.record_success()
                return model, answer
            breaker.record_failure()
        raise AllTargetsFailed(errors, tuple(skipped))
