"""Chargeback queries (CloudWatch Logs Insights) over the router's usage records, by their contract names."""

from __future__ import annotations

from contract import metrics as emf

# The records: the router's EMF lines (every one names the service and carries its input tokens).
_RECORDS = f'filter {emf.SERVICE_DIMENSION} = "{emf.SERVICE}" and ispresent({emf.INPUT_TOKENS})'
_TOTALS = (
    f"count(*) as requests, sum({emf.ERRORS}) as errors, sum({emf.INPUT_TOKENS}) as input_tokens, "
    f"sum({emf.OUTPUT_TOKENS}) as output_tokens, sum({emf.ESTIMATED_COST}) as cost_usd"
)
# Query name (under `<name>/chargeback/`) -> what it groups by.
GROUPINGS = {
    "by-tenant-model-day": (emf.TENANT, emf.MODEL),
    "by-tenant-prompt-day": (emf.TENANT, emf.PROMPT),
    "by-tenant-day": (emf.TENANT,),
}


def query(grouping: tuple[str, ...]) -> str:
    """Tokens, cost, requests and errors per UTC day (the `bin(1d)` column) and `grouping`, costliest first."""
    return f"fields @timestamp | {_RECORDS} | stats {_TOTALS} by bin(1d), {', '.join(grouping)} | sort cost_usd desc"
