"""The routing decision alone, in-process: an alias with 20 rules, the request's features computed as the router
does (its input bound, the code scan), and the worst case where no rule holds and every one is tried; then its
`lowest_latency` strategy and `drain_error_rate` read a live window holding a minute of traffic.

Not a timed test: figures for `make bench` (p50 / p99 of 10,000 decisions).
"""

from __future__ import annotations

import time
from typing import Any

from router.api.parse import parse_chat
from router.live_stats import LiveStats
from router.pipeline.serving import chat_job
from router.routing import choose, parse_routing
from shared.proxy_event import ProxyRequest, TenantContext

DECISIONS = 10_000
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
    samples = []
    for index in range(DECISIONS):
        begin = time.perf_counter()
        plan = choose(config, alias="auto", tenant="bench", allowed=tenant.allowed_models, user="someone",
                      request_id=f"r{index}", estimated_tokens=job.estimate,
                      features=lambda: describe(proxy, tenant), stats=stats)  # fmt: skip
        samples.append(time.perf_counter() - begin)
        if plan.decision != "lowest_latency":
            raise SystemExit(f"a bench rule held: {plan.decision}")
    p50, p99 = quantiles(samples)
    return {"routing_decision_20_rules_live_p50_us": p50 * 1e6, "routing_decision_20_rules_live_p99_us": p99 * 1e6}
