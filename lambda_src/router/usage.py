"""Usage metrics as CloudWatch embedded metric format (powertools), one record per model request.

Dimensions are tenant, model and backend (what dashboards and alarms slice by);
the A/B arm, cache result, fallback flag, alias asked for and request id ride
along as properties, searchable in Logs Insights without multiplying metric cost.
Never any prompt or answer text.
"""

from __future__ import annotations

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


def _metrics(namespace: str) -> Any:
    # Imported on the first model request, not at cold start (GET /v1/models never needs it).
    from aws_lambda_powertools.metrics import EphemeralMetrics

    return EphemeralMetrics(namespace=namespace, service="router")


def emit(usage: Usage, namespace: str = NAMESPACE) -> None:
    """Print one EMF record for `usage` (Lambda ships stdout to CloudWatch Logs, which extracts the metrics)."""
    metrics = _metrics(namespace)
    metrics.add_dimension("tenant", usage.tenant or "-")
    metrics.add_dimension("model", usage.model or "-")
    metrics.add_dimension("backend", usage.backend or "-")
    metrics.add_metric("Requests", "Count", 1)
    metrics.add_metric("Errors", "Count", 1 if usage.status >= 400 else 0)
    metrics.add_metric("InputTokens", "Count", usage.input_tokens)
    metrics.add_metric("OutputTokens", "Count", usage.output_tokens)
    metrics.add_metric("Latency", "Milliseconds", round(usage.latency_ms, 3))
    metrics.add_metric("CacheHits", "Count", 1 if usage.cache == "hit" else 0)
    metrics.add_metric("Fallbacks", "Count", 1 if usage.fallback else 0)
    if usage.cost is not None:
        metrics.add_metric("EstimatedCostUSD", "None", round(usage.cost, 8))
    for name in ("request_id", "route", "alias", "arm", "status", "cache"):
        metrics.add_metadata(name, getattr(usage, name))
    metrics.add_metadata("fallback", usage.fallback)
    metrics.flush_metrics()
