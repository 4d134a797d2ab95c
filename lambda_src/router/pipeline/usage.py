"""Usage metrics as CloudWatch embedded metric format (powertools), one record per model request.

Dimensions are tenant, model and backend (what dashboards and alarms slice by);
the A/B arm, cache result, fallback flag, alias asked for and request id ride
along as properties, searchable in Logs Insights without multiplying metric cost.
Never any prompt or answer text.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

NAMESPACE = "AiGateway"


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


@functools.cache
def _serializer(namespace: str) -> Any:
    # Imported on the first model request, not at cold start (GET /v1/models never needs it).
    from aws_lambda_powertools.metrics import EphemeralMetrics

    return EphemeralMetrics(namespace=namespace, service="router")


def _metric(unit: str, value: float) -> dict[str, Any]:
    return {"Unit": unit, "StorageResolution": 60, "Value": [float(value)]}


def emit(usage: Usage, namespace: str = NAMESPACE) -> None:
    """Print one EMF record for `usage` (Lambda ships stdout to CloudWatch Logs, which extracts the metrics).

    The record is built by powertools' EMF serializer from a complete metric set in one
    call: adding metrics one by one re-validates each unit and costs several times more
    on the request path. Units here are CloudWatch's own names. Request counts are the
    `Latency` metric's sample count.
    """
    metrics = {
        "Errors": _metric("Count", 1 if usage.status >= 400 else 0),
        "InputTokens": _metric("Count", usage.input_tokens),
        "OutputTokens": _metric("Count", usage.output_tokens),
        "Latency": _metric("Milliseconds", round(usage.latency_ms, 3)),
        "CacheHits": _metric("Count", 1 if usage.cache == "hit" else 0),
        "Fallbacks": _metric("Count", 1 if usage.fallback else 0),
    }
    if usage.cost is not None:
        metrics["EstimatedCostUSD"] = _metric("None", round(usage.cost, 8))
    dimensions = {
        "tenant": usage.tenant or "-",
        "model": usage.model or "-",
        "backend": usage.backend or "-",
        "service": "router",
    }
    metadata = {
        "request_id": usage.request_id,
        "route": usage.route,
        "alias": usage.alias,
        "arm": usage.arm,
        "status": usage.status,
        "cache": usage.cache,
        "fallback": usage.fallback,
    }
    record = _serializer(namespace).serialize_metric_set(metrics=metrics, dimensions=dimensions, metadata=metadata)
    # EMF records go to stdout by design: CloudWatch Logs extracts the metrics from there.
    print(json.dumps(record, separators=(",", ":")))
