"""The guardrail record: EMF counts per category, tenant and route of what the guardrails did to a request.

Names come from `contract.metrics`. Never the matched text: only categories, actions and where.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

from contract import metrics as m
from router.guardrails import checks
from shared.emf import MetricSchema

if TYPE_CHECKING:
    from router.guardrails.checks import Screening
    from shared.proxy_event import ProxyRequest

SCHEMA = MetricSchema(m.GUARDRAIL_DIMENSION_SETS, m.GUARDRAIL_UNITS)
METRIC_OF = {
    checks.BLOCKED: m.GUARDRAIL_BLOCKED,
    checks.MASKED: m.GUARDRAIL_MASKED,
    checks.FLAGGED: m.GUARDRAIL_FLAGGED,
    checks.LOGGED: m.GUARDRAIL_LOGGED,
    checks.FAILED: m.GUARDRAIL_FAILED,
}


def records(screening: Screening, proxy: ProxyRequest, namespace: str) -> list[dict[str, object]]:
    """One record per category that acted on the request, with a count per action."""
    by_category: dict[str, Counter[str]] = {}
    places: dict[str, set[str]] = {}
    for where, category, action in screening.events:
        by_category.setdefault(category, Counter())[METRIC_OF[action]] += 1
        places.setdefault(category, set()).add(where)
    tenant = proxy.tenant.tenant_id if proxy.tenant else m.UNKNOWN
    out = []
    for category, counts in sorted(by_category.items()):
        values = {metric: float(counts.get(metric, 0)) for metric in m.GUARDRAIL_UNITS}
        dimensions = {m.TENANT: tenant, m.ROUTE: proxy.route, m.CATEGORY: category, m.SERVICE_DIMENSION: m.SERVICE}
        properties = {
            "request_id": proxy.request_id,
            "policy": screening.policy.name,
            "where": ",".join(sorted(places[category])),
        }
        out.append(SCHEMA.record(namespace, dimensions, values, properties))
    return out


def emit(screening: Screening, proxy: ProxyRequest, namespace: str) -> None:
    """Print the request's guardrail records (Lambda ships stdout to CloudWatch Logs, which extracts them)."""
    for record in records(screening, proxy, namespace):
        print(json.dumps(record, separators=(",", ":")))
