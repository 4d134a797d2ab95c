"""Token budgets per tenant (daily and monthly), held as upper bounds in one DynamoDB item per tenant and month.

Layout: `pk = budget#<tenant>#<YYYY-MM>` holds `month` (the month's tokens) and
`day_<DD>` (each day's). Every change is one UpdateItem on that item, so the day and
the month counters move together or not at all.

A request holds tokens before any backend is called (`reserve`, then `extend` before
each further attempt): a conditional ADD that succeeds only if every limited counter
stays within its limit, so concurrent requests can never overshoot together. At the
end, `settle` moves the hold to what was charged. Writes are tried once by the SDK
(an ADD retried after a lost answer would count twice); here, only failures that
DynamoDB guarantees did not apply (throttling) are retried. A write whose outcome is
unknown raises `BudgetWriteUnknown`, which the caller records for reconciliation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from contract.tables import HASH_KEY, TTL_ATTRIBUTE
from shared.aws import DYNAMODB_NOT_APPLIED, error_of

PERIODS = ("day", "month")
ADJECTIVES = {"day": "daily", "month": "monthly"}
MONTH_ATTRIBUTE = "month"
# Items outlive their month long enough to report on, then DynamoDB's TTL removes them.
KEEP = timedelta(days=400)
WRITE_ATTEMPTS = 3
# Reads and conditional writes a grant tries before it gives up under contention.
GRANT_ATTEMPTS = 4


class BudgetExceeded(Exception):
    """The request would take the tenant past a budget; `period` names which."""

    def __init__(self, tenant: str, period: str, limit: int) -> None:
        super().__init__(f"tenant '{tenant}' has used its {ADJECTIVES[period]} token budget of {limit}")
        self.tenant, self.period, self.limit = tenant, period, limit


class BudgetWriteFailed(Exception):
    """A counter write failed; `applied` says whether it may have taken effect (None: unknown)."""

    def __init__(self, error: str, applied: bool | None) -> None:
        super().__init__(error)
        self.error, self.applied = error, applied


@dataclass(frozen=True)
class Limits:
    """Token limits per period; None means no limit for that period."""

    day: int | None = None
    month: int | None = None

    def of(self, period: str) -> int | None:
        return self.day if period == "day" else self.month


def budget_key(tenant: str, now: datetime) -> str:
    """The item of `tenant`'s counters for the UTC month that holds `now`."""
    return f"budget#{tenant}#{now.astimezone(UTC):%Y-%m}"


def day_attribute(now: datetime) -> str:
    """The attribute of the UTC day that holds `now` (`day_07`)."""
    return f"day_{now.astimezone(UTC):%d}"


@dataclass
class Hold:
    """What one request holds on one tenant's counters: `tokens` in the item's `day` attribute and month."""

    tenant: str
    key: str
    day: str
    limits: Limits
    expires_at: int
    tokens: int = 0
    # Tokens of writes whose outcome is unknown (the counters may hold them too).
    uncertain: list[int] = field(default_factory=list)


class DynamoBudgets:
    """Counters in a DynamoDB table with a string hash key `pk` (the contract's) and number attributes."""

    def __init__(self, table_name: str, client: Any, sleep: Callable[[float], None] = time.sleep) -> None:
        self._table, self._client, self._sleep = table_name, client, sleep

    @staticmethod
    def open(tenant: str, limits: Limits, now: datetime) -> Hold:
        """An empty hold on `tenant`'s counters of the UTC day and month that hold `now` (no write)."""
        return Hold(tenant, budget_key(tenant, now), day_attribute(now), limits, int((now + KEEP).timestamp()))

    def reserve(self, tenant: str, tokens: int, limits: Limits, now: datetime) -> Hold:
        """Hold `tokens` within every limit, or raise BudgetExceeded (nothing is held then)."""
        hold = self.open(tenant, limits, now)
        self.extend(hold, tokens)
        return hold

    def extend(self, hold: Hold, tokens: int) -> None:
        """Add `tokens` to `hold` if every limited counter stays within its limit.

        Raises
        ------
        BudgetExceeded
            A limit would be passed; the hold is unchanged.
        BudgetWriteFailed
            The store failed; with `applied=None` the tokens may have been added (recorded in `hold.uncertain`).
        """
        for period in PERIODS:
            limit = hold.limits.of(period)
            if limit is not None and tokens > limit:
                raise BudgetExceeded(hold.tenant, period, limit)
        conditions, values = [], {}
        for period, name in (("day", "#d"), ("month", "#m")):
            limit = hold.limits.of(period)
            if limit is not None:
                conditions.append(f"(attribute_not_exists({name}) OR {name} <= :{period}_room)")
                values[f":{period}_room"] = {"N": str(limit - tokens)}
        try:
            self._add(hold, tokens, " AND ".join(conditions), values)
        except self._client.exceptions.ConditionalCheckFailedException:
            raise self._exceeded(hold, tokens) from None
        hold.tokens += tokens

    def extend_up_to(self, hold: Hold, minimum: int, maximum: int) -> int:
        """Add to `hold` as many tokens as every limit still has room for, from `minimum` to `maximum`.

        The room is read (strongly consistent), then taken with the same conditional ADD as
        `extend`: a concurrent request that took some first makes the condition fail, and the
        room is read again. So the grant never passes a limit, however many requests race.

        Raises
        ------
        BudgetExceeded
            Not even `minimum` fits; the hold is unchanged.
        BudgetWriteFailed
            As `extend`.
        """
        for _ in range(GRANT_ATTEMPTS):
            item = self._item(hold.key)
            room = maximum
            for period, name in (("day", hold.day), ("month", MONTH_ATTRIBUTE)):
                limit = hold.limits.of(period)
                if limit is not None:
                    room = min(room, limit - int(item.get(name, {}).get("N", 0)))
            if room < minimum:
                raise self._exceeded(hold, minimum)
            try:
                self.extend(hold, room)
            except BudgetExceeded:
                continue  # another request took part of the room between the read and the write
            return room
        raise self._exceeded(hold, minimum)

    def settle(self, hold: Hold, charged: int) -> None:
        """Move the hold to `charged` tokens (unconditional: what was charged is owed, limit or not).

        Raises
        ------
        BudgetWriteFailed
            The counters still hold `hold.tokens` (applied False) or may hold either (applied None).
        """
        delta = charged - hold.tokens
        if delta:
            self._add(hold, delta, "", {})
            hold.tokens = charged

    def used(self, tenant: str, period: str, now: datetime) -> int:
        """The tokens counted for `tenant` in the UTC day or month that holds `now` (strongly consistent)."""
        item = self._item(budget_key(tenant, now))
        name = day_attribute(now) if period == "day" else MONTH_ATTRIBUTE
        return int(item[name]["N"]) if name in item else 0

    # -- DynamoDB ---------------------------------------------------------------------------------------

    def _add(self, hold: Hold, tokens: int, condition: str, values: dict[str, Any]) -> None:
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {HASH_KEY: {"S": hold.key}},
            "UpdateExpression": f"ADD #d :n, #m :n SET {TTL_ATTRIBUTE} = if_not_exists({TTL_ATTRIBUTE}, :exp)",
            "ExpressionAttributeNames": {"#d": hold.day, "#m": MONTH_ATTRIBUTE},
            "ExpressionAttributeValues": {":n": {"N": str(tokens)}, ":exp": {"N": str(hold.expires_at)}, **values},
        }
        if condition:
            request["ConditionExpression"] = condition
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._client.update_item(**request)
                return
            except self._client.exceptions.ConditionalCheckFailedException:
                raise
            except Exception as err:
                code, status = error_of(err)
                if code in DYNAMODB_NOT_APPLIED and attempt + 1 < WRITE_ATTEMPTS:
                    self._sleep(0.05 * 2**attempt)
                    continue
                # DynamoDB refuses a request it did not apply with a 4xx; a 5xx or no answer leaves it unknown.
                applied = (
                    False if code in DYNAMODB_NOT_APPLIED or (status is not None and 400 <= status < 500) else None
                )
                if applied is None:
                    hold.uncertain.append(tokens)
                raise BudgetWriteFailed(code or type(err).__name__, applied) from None

    def _exceeded(self, hold: Hold, tokens: int) -> BudgetExceeded:
        """Which limit refused `tokens` (read back; under a race, the first limited period)."""
        try:
            item = self._item(hold.key)
        except Exception:
            item = {}
        for period, name in (("day", hold.day), ("month", MONTH_ATTRIBUTE)):
            limit = hold.limits.of(period)
            if limit is not None and int(item.get(name, {}).get("N", 0)) + tokens > limit:
                return BudgetExceeded(hold.tenant, period, limit)
        period = "day" if hold.limits.day is not None else "month"
        return BudgetExceeded(hold.tenant, period, hold.limits.of(period) or 0)

    def _item(self, key: str) -> dict[str, Any]:
        response = self._client.get_item(TableName=self._table, Key={HASH_KEY: {"S": key}}, ConsistentRead=True)
        item: dict[str, Any] = response.get("Item") or {}
        return item
