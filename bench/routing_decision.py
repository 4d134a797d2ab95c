"""The routing decision alone, in-process: an alias with 20 rules, the request's features computed as the router
does (its input bound, the code scan), and the worst case where no rule holds and every one is tried; then its
`lowest_latency` strategy and `drain_error_rate` read a live window holding a minute of traffic: the container's
own, then the gateway's shared through the budget table (router.shared_stats), with what one exchange costs
this side of the network and the table calls per request.

Not a timed test: figures for `make bench` (p50 / p99 of 10,000 decisions).
"""

from __future__ import annotations

import time
from typing import Any

from router.api.parse import parse_chat
from router.live_stats import LiveStats
from router.pipeline.serving import chat_job
from router.routing import choose, parse_routing
from router.shared_stats import SharedWindow
from shared.proxy_event import ProxyRequest, TenantContext

DECISIONS = 10_000
TABLE, SHARE_SECONDS = "bench-budgets", 10
KINDS = {f"model-{i}": "chat" for i in range(8)}
# Twenty rules on every kind of condition; none holds for BODY, so each decision tries them all.
RULES = [
    {"name": f"rule-{i}", "target": f"model-{i % 8}",
     "when": [{"users": ["vip"]}, {"metadata": {"lane": "batch"}}, {"headers": {"x-team": "z"}},
              {"tiers": ["enterprise"]}, {"min_input_tokens": 100_000}, {"code": True, "tools": True},
              {"images": True}, {"response_formats": ["json_schema"]}, {"prompts": ["summarize"]},
              {"max_input_tokens": 1, "tiers": ["free"]}][i % 10]}
    for i in range(20)
]  # fmt: skip
ROUTING = {"aliases": {"auto": {"strategy": "lowest_latency", "drain_error_rate": 0.5,
                                "targets": [{"model": "model-0"}, {"model": "model-1"}, {"model": "model-3"}],
                                "fallbacks": ["model-2"], "rules": RULES}}}  # fmt: skip
BODY = {
    "model": "auto",
    "user": "someone",
    "metadata": {"lane": "online"},
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Summarize the quarter in three sentences. " * 20},
    ],
}


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def figures() -> dict[str, Any]:
    problems: list[str] = []
    config = parse_routing(ROUTING, KINDS, {}, problems)
    if problems:
        raise SystemExit(f"bench routing is invalid: {problems}")
    job = chat_job(parse_chat(BODY))
    proxy = ProxyRequest("POST", "POST /v1/chat/completions", "bench", headers={"x-team": "a"})
    tenant = TenantContext("bench", "premium", frozenset(KINDS))
    describe = job.features
    if describe is None:
        raise SystemExit("a chat job describes its request")
    stats = LiveStats()
    for index in range(600):  # a minute of traffic: ten requests a second over the three targets
        stats.record(f"model-{(0, 1, 3)[index % 3]}", 0.2 + (index % 7) / 10, ok=index % 11 != 0)
    own = decisions(config, stats, job.estimate, lambda: describe(proxy, tenant), tenant.allowed_models)
    table = AnsweringTable(TABLE)
    shared = SharedWindow(TABLE, table, SHARE_SECONDS, frozenset(("model-0", "model-1", "model-3")),
                          run=lambda work: work())  # fmt: skip
    gateway = LiveStats(shared=shared)
    gateway.share()  # reads twenty containers' minute
    every = decisions(config, gateway, job.estimate, lambda: describe(proxy, tenant), tenant.allowed_models)
    exchange = []
    for _ in range(200):
        for index in range(30):  # a period's attempts of this container
            gateway.record(f"model-{(0, 1, 3)[index % 3]}", 0.2 + (index % 7) / 10, ok=index % 11 != 0)
        begin = time.perf_counter()
        shared._exchange()
        exchange.append(time.perf_counter() - begin)
    return {
        "routing_decision_20_rules_live_p50_us": own[0] * 1e6,
        "routing_decision_20_rules_live_p99_us": own[1] * 1e6,
        "routing_decision_20_rules_shared_live_p50_us": every[0] * 1e6,
        "routing_decision_20_rules_shared_live_p99_us": every[1] * 1e6,
        # CPU of one exchange (an UpdateItem of a period's counters, a BatchGetItem of twenty containers' minute),
        # without the network: it runs in the background, once a period.
        "live_stats_exchange_cpu_p50_us": quantiles(exchange)[0] * 1e6,
        # Two calls a period, at ten requests a second per container and a 10 s period.
        "live_stats_table_calls_per_request": 2 / (10 * SHARE_SECONDS),
    }


def decisions(config: Any, stats: LiveStats, estimate: tuple[int, int], features: Any,
              allowed: frozenset[str]) -> tuple[float, float]:  # fmt: skip
    """p50 and p99 of DECISIONS decisions, each starting the exchange when due as the router does."""
    samples = []
    for index in range(DECISIONS):
        begin = time.perf_counter()
        stats.share()
        plan = choose(config, alias="auto", tenant="bench", allowed=allowed, user="someone",
                      request_id=f"r{index}", estimated_tokens=estimate, features=features, stats=stats)  # fmt: skip
        samples.append(time.perf_counter() - begin)
        if plan.decision != "lowest_latency":
            raise SystemExit(f"a bench rule held: {plan.decision}")
    return quantiles(samples)


class AnsweringTable:
    """Answers the exchange's calls at once: UpdateItem accepted, BatchGetItem with six periods of twenty
    containers' counters for the three targets (what a busy gateway's window holds)."""

    def __init__(self, table: str) -> None:
        item: dict[str, Any] = {"pk": {"S": "live#0"}, "expires_at": {"N": "0"}}
        for model in ("model-0", "model-1", "model-3"):
            item[f"{model}|a"], item[f"{model}|e"] = {"N": str(20 * 100)}, {"N": str(20 * 9)}
            for latency_bin in range(30, 40):
                item[f"{model}|{latency_bin}"] = {"N": str(20 * 9)}
        self._answer = {"Responses": {table: [item] * 6}, "UnprocessedKeys": {}}

    def update_item(self, **_request: Any) -> None:
        return None

    def batch_get_item(self, **_request: Any) -> dict[str, Any]:
        return self._answer
