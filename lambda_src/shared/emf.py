"""CloudWatch embedded metric format (EMF) records, written by hand.

EMF is a small JSON shape: the metric declarations under `_aws`, then the dimension
values, the metric values and searchable properties beside them. powertools' serializer
holds one dimension set per record and costs tens of milliseconds to import; this costs
nothing. Values are plain numbers, not one-element lists, so Logs Insights sums them by
name (`sum(InputTokens)`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence


class MetricSchema:
    """One record type's dimension sets and metric units, declared once per container."""

    def __init__(self, dimension_sets: Sequence[Sequence[str]], units: Mapping[str, str]) -> None:
        self._dimensions = [list(s) for s in dimension_sets]
        self._declared = {name: {"Name": name, "Unit": unit, "StorageResolution": 60} for name, unit in units.items()}

    def record(
        self,
        namespace: str,
        dimensions: Mapping[str, str],
        values: Mapping[str, float],
        properties: Mapping[str, object],
        now_ms: int | None = None,
    ) -> dict[str, object]:
        """The EMF record: each value in `values` is declared as a metric (it must be in the schema's units)."""
        declared = [self._declared[name] for name in values]
        return {
            "_aws": {
                "Timestamp": int(time.time() * 1000) if now_ms is None else now_ms,
                "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": self._dimensions, "Metrics": declared}],
            },
            **dimensions,
            **values,
            **properties,
        }
