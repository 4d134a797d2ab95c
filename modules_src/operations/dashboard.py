"""The dashboard: a widget per alarm (same metrics, its threshold drawn), then usage by tenant and by model."""

from __future__ import annotations

import json
from typing import Any

from contract import metrics as emf
from modules_src.common.expressions import Expr, ForList, hcl_value
from modules_src.operations.watches import Metric, Sources, Watch

SECTIONS = {
    "edge": "Edge: API Gateway and WAF",
    "functions": "Lambda functions",
    "tables": "DynamoDB tables",
    "models": "Models",
    "tenants": "Tenants",
}
# Usage rows drawn for every tenant and every model the router has written (a SEARCH finds them).
USAGE = (
    ("Tokens in", emf.INPUT_TOKENS, "Sum"),
    ("Tokens out", emf.OUTPUT_TOKENS, "Sum"),
    ("Estimated cost (USD)", emf.ESTIMATED_COST, "Sum"),
    ("Latency p99 (ms)", emf.LATENCY, "p99"),
    ("Errors", emf.ERRORS, "Sum"),
)
PERIOD = 300
KEY, VALUE = Expr("k"), Expr("v")


def _row(metric: Metric, label: object) -> list[object]:
    row: list[object] = [metric.namespace, metric.name]
    for name, value in metric.dimensions:
        row += [name, value]
    return [*row, {"stat": metric.stat, "label": label}]


def _widget(title: str, metrics: object, region: Expr, annotation: Expr | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"title": title, "region": region, "view": "timeSeries", "period": PERIOD,
                                  "metrics": metrics}  # fmt: skip
    if annotation is not None:
        properties["annotations"] = {"horizontal": [{"label": "alarm", "value": annotation}]}
    return {"type": "metric", "width": 12, "height": 6, "properties": properties}


def _watch_widget(watch: Watch, s: Sources) -> dict[str, Any]:
    if watch.each is None:
        rows: object = [_row(m, watch.title) for m in watch.metrics(Expr("null"), Expr("null"))]
    else:
        per_item = ForList("k, v", watch.each, [_row(m, KEY) for m in watch.metrics(KEY, VALUE)])
        rows = Expr(f"flatten({hcl_value(per_item)})")
    # The threshold is drawn when it is the same for every item.
    fixed = watch.threshold(KEY, VALUE).text == watch.threshold(Expr("null"), Expr("null")).text
    return _widget(watch.title, rows, s.region, watch.threshold(KEY, VALUE) if fixed else None)


def _search(s: Sources, dimension: str, metric: str, stat: str) -> Expr:
    """`SEARCH('{"<namespace>",<dimension>,service} MetricName="<metric>"', ...)` over the router's namespace."""
    text = json.dumps(
        f"SEARCH('{{\"@NS@\",{dimension},{emf.SERVICE_DIMENSION}}} MetricName=\"{metric}\"', '{stat}', {PERIOD})"
    )
    return Expr(text.replace("@NS@", "${" + s.field("metrics_namespace").text + "}"))


def _usage(s: Sources, dimension: str, who: str) -> list[dict[str, Any]]:
    return [
        _widget(f"{title} per {who}", [[{"expression": _search(s, dimension, metric, stat), "id": "e0"}]], s.region)
        for title, metric, stat in USAGE
    ]


def _text(markdown: str) -> dict[str, Any]:
    return {"type": "text", "width": 24, "height": 1, "properties": {"markdown": markdown}}


def dashboard_body(watches: tuple[Watch, ...], s: Sources) -> dict[str, Any]:
    """The dashboard's JSON (as HCL): sections in order, each alarm's widget, then usage per tenant and model."""
    parts: list[str] = []
    for section, heading in SECTIONS.items():
        widgets: list[Any] = [_text(f"## {heading}")]
        if section == "models":
            widgets += _usage(s, emf.MODEL, "model")
        if section == "tenants":
            widgets += _usage(s, emf.TENANT, "tenant")
        parts.append(hcl_value(widgets))
        for watch in (w for w in watches if w.section == section):
            widget = hcl_value([_watch_widget(watch, s)])
            # A filter, not `cond ? [w] : []`: the two branches of a conditional must have one type.
            parts.append(f"[for w in {widget} : w if {watch.when.text}]" if watch.when is not None else widget)
    return {"widgets": Expr(f"concat({', '.join(parts)})")}
