"""Guardrail quality on labeled data: PII precision and recall per entity type, injection detection rates.

PII: presidio-research's synthetic samples (`../shared/data/pii/`, or `GATEWAY_PII_CORPUS`), span
level: a found span is a true positive when it overlaps a labeled span of the same type by at
least half of the longer of the two (`exact` also counts only identical bounds). Injection: the
deepset/prompt-injections training split (`../shared/data/injection/`, or
`GATEWAY_INJECTION_CORPUS`), and long benign technical prompts cut from this repository's own
source and docs (code, paths, URLs, JSON, HTML).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from router.guardrails import pii
from tooling.paths import REPO_ROOT

DATA_DIR = REPO_ROOT.parent / "shared" / "data"
# The corpus's entity names -> ours.
PII_TYPES = {
    "CREDIT_CARD": pii.CREDIT_CARD,
    "IBAN_CODE": pii.IBAN,
    "US_SSN": pii.US_SSN,
    "EMAIL_ADDRESS": pii.EMAIL,
    "IP_ADDRESS": pii.IP_ADDRESS,
    "PHONE_NUMBER": pii.PHONE,
}
# The targets: (precision, recall).
PII_TARGETS = {t: (0.98, 0.95) for t in (pii.CREDIT_CARD, pii.IBAN, pii.US_SSN, pii.EMAIL, pii.IP_ADDRESS)} | {
    pii.PHONE: (0.85, 0.85)
}


def corpus(name: str, env: str, file: str) -> Path:
    return Path(os.environ.get(env) or DATA_DIR / name / file)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared * 2 >= max(a[1] - a[0], b[1] - b[0])


def pii_quality(path: Path | None = None) -> dict[str, Any]:
    samples = json.loads((path or corpus("pii", "GATEWAY_PII_CORPUS", "synth_dataset_v2.dev.json")).read_text())
    counts: dict[str, Counter[str]] = {t: Counter() for t in PII_TYPES.values()}
    misses: dict[str, list[str]] = {t: [] for t in PII_TYPES.values()}
    for sample in samples:
        text = sample["full_text"]
        gold = [
            (PII_TYPES[s["entity_type"]], (s["start_position"], s["end_position"]))
            for s in sample["spans"]
            if s["entity_type"] in PII_TYPES
        ]
        found = [(s.type, (s.start, s.end)) for s in pii.find(text, PII_TYPES.values())]
        for kind, bounds in found:
            hit = any(k == kind and _overlaps(bounds, g) for k, g in gold)
            counts[kind]["tp" if hit else "fp"] += 1
            counts[kind]["exact"] += (kind, bounds) in gold
            if not hit:
                misses[kind].append(f"fp {text[bounds[0] : bounds[1]]!r}")
        for kind, bounds in gold:
            counts[kind]["gold"] += 1
            if not any(k == kind and _overlaps(bounds, f) for k, f in found):
                counts[kind]["fn"] += 1
                misses[kind].append(f"fn {text[bounds[0] : bounds[1]]!r}")
    result: dict[str, Any] = {}
    for kind, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = (c["gold"] - c["fn"]) / c["gold"] if c["gold"] else 1.0
        target = PII_TARGETS[kind]
        result[kind] = {
            "labeled": c["gold"],
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "exact_bounds": c["exact"],
            "target_precision": target[0],
            "target_recall": target[1],
            "met": precision >= target[0] and recall >= target[1],
            "errors": misses[kind][:10],
        }
    return result


def benign_technical_prompts(count: int = 200, size: int = 4096) -> list[str]:
    """Long benign technical prompts: 4 KB cuts of this repository's code, docs and HTML, as a user would paste."""
    files = sorted(
        p
        for pattern in ("lambda_src/**/*.py", "modules_src/**/*.py", "tooling/*.py", "**/README.md", "envs/*/main.tf")
        for p in REPO_ROOT.glob(pattern)
        # The guardrails' own sources quote the attacks they look for.
        if not {".venv", "build", "guardrails"} & set(p.parts)
    )
    html = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Status</title>'
        '<link rel="stylesheet" href="https://cdn.example.com/app.css"></head><body>'
        '<nav><a href="/docs/getting-started">Docs</a> <a href="https://status.example.com/?q=api&x=1">Status</a>'
        "</nav><main><h1>Service status</h1><table><tr><th>Region</th><th>Latency (ms)</th></tr>"
        "<tr><td>us-east-1</td><td>41</td></tr></table><script src=/static/app.js defer></script></main></body></html>"
    )
    prompts = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for start in range(0, max(1, len(text) - size), size):
            prompts.append(f"Please review this file ({path.relative_to(REPO_ROOT)}):\n\n{text[start : start + size]}")
            if len(prompts) >= count - 1:
                return [*prompts, f"Why does this page render blank in Safari?\n\n{html * 8}"[:size]]
    return prompts


def injection_quality(flag_at: float, block_at: float, path: Path | None = None) -> dict[str, Any]:
    from router.guardrails import injection

    rows = [
        json.loads(line)
        for line in (path or corpus("injection", "GATEWAY_INJECTION_CORPUS", "deepset_prompt_injections.train.jsonl"))
        .read_text()
        .splitlines()
        if line.strip()
    ]
    scored = [(row["label"] == "injection", injection.score(row["text"]).value) for row in rows]
    attacks = [s for bad, s in scored if bad]
    benign = [s for bad, s in scored if not bad]
    technical = [injection.score(t).value for t in benign_technical_prompts()]

    def rate(scores: list[float], threshold: float) -> float:
        return round(sum(s >= threshold for s in scores) / len(scores), 4) if scores else 0.0

    return {
        "labeled_injections": len(attacks),
        "labeled_benign": len(benign),
        "benign_technical_prompts": len(technical),
        "flag_at": flag_at,
        "block_at": block_at,
        "true_positive_rate_flag": rate(attacks, flag_at),
        "true_positive_rate_block": rate(attacks, block_at),
        "false_positive_rate_flag": rate(benign, flag_at),
        "false_positive_rate_block": rate(benign, block_at),
        "technical_false_positive_rate_flag": rate(technical, flag_at),
        "technical_false_positive_rate_block": rate(technical, block_at),
    }


def latency(requests: int = 2000) -> dict[str, Any]:
    """The default policy's steps on a 4 KB prompt and its answer, in-process (p50 and p99, ms)."""
    import time

    from contract import guardrails as g
    from router.chat import ChatMessage, ChatRequest, ChatResult
    from router.guardrails.checks import Screening
    from router.guardrails.policy import parse_guardrails

    problems: list[str] = []
    policy = parse_guardrails(g.DEFAULT_GUARDRAILS, problems).policies[g.DEFAULT_POLICY]
    assert not problems, problems
    sample = (
        "Hi team, the deploy to eu-west-1 failed at 10:42. Logs: https://logs.example.com/run/8812?tail=200. "
        'Contact jane.doe@example.com or +44 20 7946 0958. Stack trace: File "app/main.py", line 88, in run. '
    )
    prompt = (sample * (4096 // len(sample) + 1))[:4096]
    request = ChatRequest(messages=(ChatMessage("user", prompt),), system="You are a helpful assistant.")
    answer = ChatResult(prompt[:1024], "stop", 900, 250)

    def timed(step: Any) -> dict[str, float]:
        samples = []
        for _ in range(requests):
            began = time.perf_counter()
            step()
            samples.append((time.perf_counter() - began) * 1000)
        samples.sort()
        return {"p50": round(samples[len(samples) // 2], 4), "p99": round(samples[int(len(samples) * 0.99)], 4)}

    def both() -> None:
        screening = Screening(policy, lambda *_: None)
        screening.screen_request(request, 1100)
        screening.screen_answer(answer)

    # Typical text: a 4 KB technical question with one address and one phone number in it.
    prose = (
        "Our checkout service times out under load; the p99 of POST /orders rose from 180 ms to 2.4 s after the "
        "last release, and the database pool shows waits. We run three replicas behind an ALB with keep-alive. "
    )
    typical = ((prose * (4096 // len(prose) + 1))[:4000] + " Reach me at ops@example.com or 020 7946 0958.")[:4096]
    typical_request = ChatRequest(messages=(ChatMessage("user", typical),), system="You are a helpful assistant.")
    return {
        "prompt_4kb_pii_dense": timed(lambda: Screening(policy, lambda *_: None).screen_request(request, 1100)),
        "prompt_4kb_pii_dense_and_1kb_answer": timed(both),
        "prompt_4kb_typical": timed(lambda: Screening(policy, lambda *_: None).screen_request(typical_request, 1100)),
    }


# The latency target for the default policy on a 4 KB prompt.
LATENCY_P99_TARGET_MS = 1.0


def figures() -> dict[str, Any]:
    """Flat, machine-readable figures for bench/run.py's results."""
    out: dict[str, Any] = {}
    for kind, q in pii_quality().items():
        for key in ("labeled", "precision", "recall", "met"):
            out[f"pii_{kind.lower()}_{key}"] = q[key]
    from contract import guardrails as g

    for key, value in injection_quality(g.DEFAULT_FLAG_AT, g.DEFAULT_BLOCK_AT).items():
        out[f"injection_{key}"] = value
    timings = latency()
    for case, quantiles in timings.items():
        for q, value in quantiles.items():
            out[f"guardrails_default_policy_{case}_{q}_ms"] = value
    out["guardrails_p99_target_ms"] = LATENCY_P99_TARGET_MS
    out["guardrails_p99_within_target_typical"] = timings["prompt_4kb_typical"]["p99"] <= LATENCY_P99_TARGET_MS
    out["guardrails_p99_within_target_pii_dense"] = timings["prompt_4kb_pii_dense"]["p99"] <= LATENCY_P99_TARGET_MS
    return out


if __name__ == "__main__":
    print(json.dumps(figures(), indent=1, ensure_ascii=False))
