"""Token budgets per tenant (daily and monthly), enforced with atomic DynamoDB counters.

Before a call, `reserve` adds the request's estimated tokens to each period's counter
only if the counter stays within the limit (a conditional update, so concurrent
requests can never overshoot together); after the answer, `settle` adds the
difference to what the backend reported, so the counters end exact, including for
calls that failed after consuming tokens. A refused reservation is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contract.tables import HASH_KEY, TTL_ATTRIBUTE

PERIODS = ("day", "month")
ADJECTIVES = {"day": "daily", "month": "monthly"}
# Counters outlive their period long enough to report on, then DynamoDB's TTL removes them.
KEEP = {"day": timedelta(days=40), "month": timedelta(days=400)}


class BudgetExceeded(Exception):
    """The request would take the tenant past a budget; `period` names which."""

    def __init__(self, tenant: str, period: str, limit: int) -> None:
        super().__init__(f"tenant '{tenant}' has used its {ADJECTIVES[period]} token budget of {limit}")
        self.tenant, self.period, self.limit = tenant, period, limit


@dataclass(frozen=True)
class Limits:
    """Token limits per period; None means no limit for that period."""

    day: int | None = None
    month: int | None = None

    def of(self, period: str) -> int | None:
        return self.day if period == "day" else self.month


def period_keys(tenant: str, now: datetime) -> dict[str, str]:
    """The counter keys of `tenant` for the current UTC day and month."""
    day = now.astimezone(UTC)
    return {"day": f"budget#{tenant}#day#{day:%Y-%m-%d}", "month": f"budget#{tenant}#month#{day:%Y-%m}"}


@dataclass
class Reservation:
    tenant: str
    keys: dict[str, str]
    tokens: int
    expires_at: int = 0


class DynamoBudgets:
    """Counters in a DynamoDB table with a string hash key `pk` and a number attribute `used`."""

    def __init__(self, table_name: str, client: Any) -> None:
        self._table, self._client = table_name, client

    def _add(self, key: str, tokens: int, limit: int | None, expires_at: int) -> bool:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {HASH_KEY: {"S": key}},
            "UpdateExpression": f"ADD used :n SET {TTL_ATTRIBUTE} = if_not_exists({TTL_ATTRIBUTE}, :exp)",
            "ExpressionAttributeValues": {":n": {"N": str(tokens)}, ":exp": {"N": str(expires_at)}},
        }
        if limit is not None and tokens > 0:
            request["ConditionExpression"] = "attribute_not_exists(used) OR used <= :room"
            request["ExpressionAttributeValues"][":room"] = {"N": str(limit - tokens)}
        try:
            self._client.update_item(**request)
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def reserve(self, tenant: str, tokens: int, limits: Limits, now: datetime) -> Reservation:
        """Reserve `tokens` in every limited period, or raise BudgetExceeded (nothing stays reserved)."""
        keys = period_keys(tenant, now)
        expires_at = int((now + KEEP["month"]).timestamp())
        done: list[str] = []
        for period in PERIODS:
            limit = limits.of(period)
            if limit is None:
                continue
            if tokens > limit or not self._add(keys[period], tokens, limit, int((now + KEEP[period]).timestamp())):
                for undo in done:
                    self._add(keys[undo], -tokens, None, expires_at)
                raise BudgetExceeded(tenant, period, limit)
            done.append(period)
        return Reservation(tenant, {p: keys[p] for p in done}, tokens, expires_at)

    def settle(self, reservation: Reservation, actual_tokens: int) -> None:
        """Correct every reserved counter from the estimate to what the backend reported."""
        delta = actual_tokens - reservation.tokens
        if delta == 0:
            return
        for key in reservation.keys.values():
            self._add(key, delta, None, reservation.expires_at)

    def used(self, tenant: str, period: str, now: datetime) -> int:
        item = self._client.get_item(
            TableName=self._table, Key={HASH_KEY: {"S": period_keys(tenant, now)[period]}}, ConsistentRead=True
        ).get("Item")
        return int(item["used"]["N"]) if item else 0
