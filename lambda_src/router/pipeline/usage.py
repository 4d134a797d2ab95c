"""Usage metrics as CloudWatch embedded metric format (EMF), one record per model request.

Dimension sets, metric names and properties come from `contract.metrics` (the
operations module's alarms, dashboard and chargeback queries read the same names).
Never any prompt or answer text: the `prompt` property is the registered prompt's name (and
`prompt_version` its version) or the label a request names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from contract import metrics as m
from shared.emf import MetricSchema

NAMESPACE = m.DEFAULT_NAMESPACE
SCHEMA = MetricSchema(m.DIMENSION_SETS, m.UNITS)


@dataclass(frozen=True)
class Usage:
    request_id: str
    tenant: str
    route: str
    alias: str
    model: str
    backend: str
    arm: str
    status: int
    cache: str
    fallback: bool
    input_tokens: int
    output_tokens: int
    # USD from the model's price table; None when the model has no price.
    cost: float | None
    latency_ms: float
    # The registered prompt rendered, or the label the request's `metadata` named.
    prompt: str | None = None
    # The registered prompt's version rendered (spend and latency compare per version).
    prompt_version: int | None = None
    # What chose the model: a rule by name, the alias's strategy, a pin, the fallbacks, or the model itself.
    decision: str = ""


def record(usage: Usage, namespace: str = NAMESPACE, now_ms: int | None = None) -> dict[str, object]:
    """The EMF record of `usage` (shared.emf: declarations under `_aws`, values and properties beside them)."""
    values: dict[str, float] = {
        m.ERRORS: 1.0 if usage.status >= 400 else 0.0,
        m.THROTTLED: 1.0 if usage.status == 429 else 0.0,
        m.INPUT_TOKENS: float(usage.input_tokens),
        m.OUTPUT_TOKENS: float(usage.output_tokens),
        m.LATENCY: round(usage.latency_ms, 3),
        m.CACHE_HITS: 1.0 if usage.cache == "hit" else 0.0,
        m.FALLBACKS: 1.0 if usage.fallback else 0.0,
    }
    if usage.cost is not None:
        values[m.ESTIMATED_COST] = round(usage.cost, 8)
    dimensions = {
        m.TENANT: usage.tenant or m.UNKNOWN,
        m.MODEL: usage.model or m.UNKNOWN,
        m.BACKEND: usage.backend or m.UNKNOWN,
        m.SERVICE_DIMENSION: m.SERVICE,
    }
    properties = {
        "request_id": usage.request_id,
        "route": usage.route,
        "alias": usage.alias,
        m.PROMPT: usage.prompt or m.UNKNOWN,
        m.PROMPT_VERSION: str(usage.prompt_version) if usage.prompt_version is not None else m.UNKNOWN,
        "arm": usage.arm,
        m.DECISION: usage.decision,
        "status": usage.status,
        "cache": usage.cache,
        "fallback": usage.fallback,
    }
    return SCHEMA.record(namespace, dimensions, values, properties, now_ms)


def emit(usage: Usage, namespace: str = NAMESPACE) -> None:
    """Print one EMF record for `usage` (Lambda ships stdout to CloudWatch Logs, which extracts the metrics)."""
    # EMF records go to stdout by design: CloudWatch Logs extracts the metrics from there.
    print(json.dumps(record(usage, namespace), separators=(",", ":")))
