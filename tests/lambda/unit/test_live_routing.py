"""Latency- and health-aware routing on a fake clock with scripted latencies: the live window, `lowest_latency`
with hysteresis and exploration, and draining a degrading target before its breaker opens."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from contract import routing as rules
from router.live_stats import LiveStats
from router.routing import RoutingConfig, choose, parse_routing

KINDS = {"fast": "chat", "slow": "chat", "other": "chat"}
ALLOWED = frozenset(KINDS)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def config(**alias: object) -> RoutingConfig:
    problems: list[str] = []
    spec = {"targets": [{"model": "fast"}, {"model": "slow"}], **alias}
    parsed = parse_routing({"aliases": {"auto": spec}}, KINDS, {}, problems)
    assert problems == []
    return parsed


def serve(cfg: RoutingConfig, stats: LiveStats, clock: Clock, *, latency: dict[str, float],
          errors: dict[str, float], requests: int, rng: random.Random, noise: float = 0.0) -> Counter[str]:  # fmt: skip
    """`requests` decisions, one every 0.1 s; the chosen target answers after its scripted latency (with noise),
    failing at its scripted error rate (then the next target of the plan answers, as the caller would)."""
    chosen: Counter[str] = Counter()
    for index in range(requests):
        plan = choose(cfg, alias="auto", tenant="t", allowed=ALLOWED, user=None, request_id=f"r{index}", stats=stats)
        chosen[plan.models[0]] += 1
        for model in plan.models:
            ok = rng.random() >= errors.get(model, 0.0)
            stats.record(model, latency[model] * (1 + rng.uniform(-noise, noise)), ok=ok)
            if ok:
                break
        clock.now += 0.1
    return chosen


def test_the_window_reports_percentiles_and_error_rates_and_forgets() -> None:
    clock = Clock()
    stats = LiveStats(clock)
    for index in range(100):
        stats.record("fast", 0.010 if index < 98 else 2.0, ok=True)
    stats.record("fast", 0.5, ok=False)
    figures = stats.of("fast")
    assert figures.attempts == 101 and figures.error_rate == pytest.approx(1 / 101)
    assert figures.p50_seconds is not None and 0.010 <= figures.p50_seconds <= 0.012
    assert figures.p99_seconds is not None and figures.p99_seconds >= 1.9
    clock.now += rules.WINDOW_SECONDS + 5
    assert stats.of("fast").attempts == 0 and stats.of("fast").p50_seconds is None


def test_a_slowing_target_loses_traffic_within_the_window_and_wins_it_back_on_recovery() -> None:
    clock, rng = Clock(), random.Random(7)
    stats, cfg = LiveStats(clock), config(strategy="lowest_latency")
    latency = {"fast": 0.2, "slow": 0.8}
    warm = serve(cfg, stats, clock, latency=latency, errors={}, requests=300, rng=rng)
    assert warm["fast"] > 0.9 * 300, warm
    # `fast` slows down to 1.5 s: once its median over the window passes slow's (about half a window), the
    # traffic moves, within one window.
    latency["fast"] = 1.5
    moved = serve(cfg, stats, clock, latency=latency, errors={}, requests=int(rules.WINDOW_SECONDS / 0.1), rng=rng)
    assert moved["slow"] > 0.4 * sum(moved.values()), moved
    settled = serve(cfg, stats, clock, latency=latency, errors={}, requests=200, rng=rng)
    assert settled["slow"] >= 0.9 * 200, settled
    # It recovers: exploration keeps it measured, and it wins its traffic back within a window or two.
    latency["fast"] = 0.2
    serve(cfg, stats, clock, latency=latency, errors={}, requests=int(2 * rules.WINDOW_SECONDS / 0.1), rng=rng)
    back = serve(cfg, stats, clock, latency=latency, errors={}, requests=200, rng=rng)
    assert back["fast"] >= 0.9 * 200, back


def test_noise_does_not_make_traffic_flap() -> None:
    clock, rng = Clock(), random.Random(11)
    stats, cfg = LiveStats(clock), config(strategy="lowest_latency")
    # Two targets within 10% of each other, each with ±30% noise: the leader holds (only exploration moves).
    latency = {"fast": 0.50, "slow": 0.54}
    serve(cfg, stats, clock, latency=latency, errors={}, requests=300, rng=rng, noise=0.3)
    leaders = []
    for _ in range(20):
        chosen = serve(cfg, stats, clock, latency=latency, errors={}, requests=40, rng=rng, noise=0.3)
        leaders.append(chosen.most_common(1)[0][0])
    assert len(set(leaders)) == 1, leaders


def test_a_degrading_target_is_drained_before_its_breaker_would_open_and_restored_with_hysteresis() -> None:
    clock, rng = Clock(), random.Random(3)
    stats, cfg = LiveStats(clock), config(strategy="weighted", drain_error_rate=0.3)
    latency = {"fast": 0.1, "slow": 0.1}
    # Half of fast's attempts fail (no five in a row needed, so no breaker opens): it is drained.
    serve(cfg, stats, clock, latency=latency, errors={"fast": 0.5}, requests=200, rng=rng)
    drained = serve(cfg, stats, clock, latency=latency, errors={"fast": 0.5}, requests=100, rng=rng)
    assert drained["slow"] == 100, drained
    plan = choose(cfg, alias="auto", tenant="t", allowed=ALLOWED, user=None, request_id="x", stats=stats)
    assert plan.models == ("slow", "fast"), "a drained target is still tried, last"
    # Its errors stop: it stays drained until its rate falls to half the threshold (no flapping at the edge),
    # then serves again.
    assert stats.draining("fast", 0.3)
    clock.now += rules.WINDOW_SECONDS + 1
    restored = serve(cfg, stats, clock, latency=latency, errors={}, requests=100, rng=rng)
    assert restored["fast"] > 0, restored


def test_a_drained_alias_with_every_target_degrading_keeps_its_order() -> None:
    clock, rng = Clock(), random.Random(5)
    stats, cfg = LiveStats(clock), config(strategy="weighted", drain_error_rate=0.2)
    both = {"fast": 0.6, "slow": 0.6}
    serve(cfg, stats, clock, latency={"fast": 0.1, "slow": 0.1}, errors=both, requests=200, rng=rng)
    plan = choose(cfg, alias="auto", tenant="t", allowed=ALLOWED, user=None, request_id="x", stats=stats)
    assert set(plan.models) == {"fast", "slow"}, "nothing healthy: every target is still tried"


def test_without_live_statistics_the_first_target_leads() -> None:
    plan = choose(config(strategy="lowest_latency"), alias="auto", tenant="t", allowed=ALLOWED, user=None,
                  request_id="r")  # fmt: skip
    assert (plan.decision, plan.models) == ("lowest_latency", ("fast", "slow"))


@pytest.mark.parametrize("rate", [0, -0.5, 1.5, "high", True])
def test_a_drain_rate_outside_zero_to_one_is_refused(rate: object) -> None:
    problems: list[str] = []
    parse_routing({"aliases": {"a": {"targets": [{"model": "fast"}], "drain_error_rate": rate}}}, KINDS, {},
                  problems)  # fmt: skip
    assert problems == [rules.DRAIN_INVALID.format(alias="a")]
