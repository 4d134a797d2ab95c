"""The transform's usage record (EMF), one per request: per tenant, model and variant (`contract.metrics`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from contract import metrics as m
from shared.emf import MetricSchema

SCHEMA = MetricSchema(m.TRANSFORM_DIMENSION_SETS, m.TRANSFORM_UNITS)


@dataclass(frozen=True)
class TransformUsage:
    request_id: str
    tenant: str
    model: str
    variant: str
    status: int
    predictions: int
    latency_ms: float
    model_latency_ms: float
    attempts: int


def record(usage: TransformUsage, namespace: str, now_ms: int | None = None) -> dict[str, object]:
    values = {
        m.ERRORS: 1.0 if usage.status >= 400 else 0.0,
        m.THROTTLED: 1.0 if usage.status == 429 else 0.0,
        m.PREDICTIONS: float(usage.predictions),
        m.LATENCY: round(usage.latency_ms, 3),
        m.MODEL_LATENCY: round(usage.model_latency_ms, 3),
    }
    dimensions = {
        m.TENANT: usage.tenant or m.UNKNOWN,
        m.MODEL: usage.model or m.UNKNOWN,
        m.VARIANT: usage.variant or m.UNKNOWN,
        m.SERVICE_DIMENSION: m.TRANSFORM_SERVICE,
    }
    properties = {"request_id": usage.request_id, "status": usage.status, "attempts": usage.attempts}
    return SCHEMA.record(namespace, dimensions, values, properties, now_ms)


def emit(usage: TransformUsage, namespace: str) -> None:
    """Print the record (Lambda ships stdout to CloudWatch Logs, which extracts the metrics)."""
    print(json.dumps(record(usage, namespace), separators=(",", ":")))
