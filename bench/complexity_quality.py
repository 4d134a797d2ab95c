"""The `complexity` strategy on the labeled prompts of bench/data (see its README for the labeling rule): the
set the scorer's cues were tuned on (`complexity_*`), and a held-out set written after the scorer was frozen
(`complexity_heldout_*`).

Each prompt goes through the router's own parsing, features and routing: an alias with a
cheap target (`max_complexity` THRESHOLD, Claude 3 Haiku's prices) and a strong one (no
ceiling, Claude 3.5 Sonnet's prices). Reported: the share routed to the cheap target, the
estimated cost saved against always using the strong one (each request priced at its
input bound plus OUTPUT_TOKENS of answer, the same for both), how many complex prompts
went to the cheap target and simple ones to the strong, and the scorer's own time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.routing_decision import quantiles
from router.api.parse import parse_chat
from router.pipeline.serving import chat_job
from router.routing import Price, choose, parse_routing
from shared.proxy_event import ProxyRequest, TenantContext

DATA = Path(__file__).with_name("data")
PROMPTS, HELD_OUT = DATA / "complexity_prompts.jsonl", DATA / "complexity_heldout.jsonl"
THRESHOLD = 0.2
OUTPUT_TOKENS = 500
PRICES = {"cheap": Price(0.00025, 0.00125), "strong": Price(0.003, 0.015)}
TARGETS = [{"model": "cheap", "max_complexity": THRESHOLD}, {"model": "strong"}]
ROUTING = {"aliases": {"auto": {"strategy": "complexity", "targets": TARGETS}}}


def labeled(path: Path = PROMPTS) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(row["prompt"]), str(row["label"])) for row in rows]


def figures() -> dict[str, Any]:
    tuned, held_out = measure(labeled(PROMPTS)), measure(labeled(HELD_OUT))
    return {
        **{f"complexity_{name}": value for name, value in tuned.items()},
        **{f"complexity_heldout_{name}": value for name, value in held_out.items() if not name.startswith("features")},
    }


def measure(prompts: list[tuple[str, str]]) -> dict[str, Any]:
    problems: list[str] = []
    config = parse_routing(ROUTING, {"cheap": "chat", "strong": "chat"}, PRICES, problems)
    if problems:
        raise SystemExit(f"bench routing is invalid: {problems}")
    proxy = ProxyRequest("POST", "POST /v1/chat/completions", "bench")
    tenant = TenantContext("bench", "premium", frozenset({"cheap", "strong"}))
    routed: dict[tuple[str, str], int] = {}
    spent = strongest = 0.0
    scoring: list[float] = []
    for index, (prompt, label) in enumerate(prompts):
        job = chat_job(parse_chat({"model": "auto", "messages": [{"role": "user", "content": prompt}]}))
        describe = job.features
        if describe is None:
            raise SystemExit("a chat job describes its request")
        begin = time.perf_counter()
        features = describe(proxy, tenant)
        _ = features.complexity  # scored on first use: timed with the features
        scoring.append(time.perf_counter() - begin)
        plan = choose(config, alias="auto", tenant="bench", allowed=tenant.allowed_models, user=None,
                      request_id=f"r{index}", estimated_tokens=job.estimate, features=lambda f=features: f)  # fmt: skip
        target = plan.models[0]
        routed[(label, target)] = routed.get((label, target), 0) + 1
        tokens = (job.estimate[0], OUTPUT_TOKENS)
        spent += PRICES[target].estimate(*tokens)
        strongest += PRICES["strong"].estimate(*tokens)
    p50, p99 = quantiles(scoring)
    cheap = routed.get(("simple", "cheap"), 0) + routed.get(("complex", "cheap"), 0)
    return {
        "prompts": len(prompts),
        "threshold": THRESHOLD,
        "share_to_cheap_tier": cheap / len(prompts),
        "cost_saved_vs_strongest": 1 - spent / strongest,
        "complex_sent_to_cheap": routed.get(("complex", "cheap"), 0),
        "complex_prompts": sum(1 for _, label in prompts if label == "complex"),
        "simple_sent_to_strong": routed.get(("simple", "strong"), 0),
        "simple_prompts": sum(1 for _, label in prompts if label == "simple"),
        "features_p50_us": p50 * 1e6,
        "features_p99_us": p99 * 1e6,
    }
