"""One request's token account: what it holds on the tenant's budget and what its attempts have charged.

The rules that make a budget an upper bound of what providers billed:
- before every attempt, the hold covers everything already charged plus the whole
  allowance of that attempt (its input bound and the output cap it sends), or the
  attempt is not made (429);
- each finished attempt charges what the provider reported, or, when it failed
  without a count, its whole allowance if the provider may have done the work
  (`BackendError.charge`);
- the hold is settled to the sum of charges once, at the end.
So the counter never passes the budget by the router's choice (the hold is checked
against it before any work), and never falls below what was billed (every attempt
that may have billed is charged at least its bound).

A settle or a hold whose write failed is logged as `budget reconcile` with the item,
attribute and tokens: the counter then holds more than was charged (a failed settle
only ever leaves a hold in place), which an operator may correct; it is never less.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contract.metrics import BUDGET_RECONCILE_MESSAGE
from router.pipeline import refusals
from router.pipeline.budgets import MONTH_ATTRIBUTE, BudgetExceeded, BudgetWriteFailed, DynamoBudgets, Hold, Limits

Log = Callable[[str, dict[str, Any]], None]


class Meter:
    """The budget account of one request; a no-op for a tenant without budgets."""

    def __init__(
        self,
        budgets: DynamoBudgets | None,
        tenant: str,
        limits: Limits,
        *,
        clock: Callable[[], float],
        log: Log,
        request_id: str,
    ) -> None:
        self._budgets, self._tenant, self._limits = budgets, tenant, limits
        self._clock, self._log, self._request_id = clock, log, request_id
        self._hold: Hold | None = None
        self.charged = 0
        self.limited = limits.day is not None or limits.month is not None
        if self.limited and budgets is None:
            raise refusals.BUDGET_UNAVAILABLE

    def admit(self, allowance: int) -> None:
        """Make sure the hold covers what was charged plus `allowance`, or refuse the attempt.

        Raises
        ------
        GatewayError
            429 when the budget cannot cover it, 503 when the store cannot be written.
        """

        def cover(budgets: DynamoBudgets, hold: Hold) -> None:
            missing = self.charged + allowance - hold.tokens
            if missing > 0:
                budgets.extend(hold, missing)

        self._on_hold(cover)

    def admit_up_to(self, minimum: int, maximum: int) -> int:
        """Hold what was charged plus as much of `maximum` as the budget has room for (at least `minimum`);
        return the tokens the next attempt may use. Without limits, `maximum`.

        Raises
        ------
        GatewayError
            429 when not even `minimum` fits, 503 when the store cannot be read or written.
        """

        def grant(budgets: DynamoBudgets, hold: Hold) -> None:
            held = hold.tokens - self.charged
            if held < maximum:
                budgets.extend_up_to(hold, max(0, minimum - held), maximum - held)

        hold = self._on_hold(grant)
        return maximum if hold is None else min(maximum, hold.tokens - self.charged)

    def _on_hold(self, change: Callable[[DynamoBudgets, Hold], None]) -> Hold | None:
        """Apply `change` to the request's hold (opened on first use); store failures become refusals."""
        if not self.limited or self._budgets is None:
            return None
        now = datetime.fromtimestamp(self._clock(), UTC)
        try:
            if self._hold is None:
                self._hold = self._budgets.open(self._tenant, self._limits, now)
            change(self._budgets, self._hold)
        except BudgetExceeded as err:
            raise refusals.budget_exceeded(err, now) from None
        except BudgetWriteFailed as err:
            self._log("budget store unavailable", {"error": err.error, "tenant_id": self._tenant})
            self._reconcile_if_uncertain(err)
            raise refusals.BUDGET_UNAVAILABLE from None
        except Exception as err:  # any other store failure refuses rather than bypasses the budget
            self._log("budget store unavailable", {"error": type(err).__name__, "tenant_id": self._tenant})
            raise refusals.BUDGET_UNAVAILABLE from None
        return self._hold

    def charge(self, tokens: int) -> None:
        self.charged += max(0, tokens)

    def settle(self) -> None:
        """Move the hold to what was charged; a failure is logged for reconciliation, never raised."""
        hold = self._hold
        if hold is None or self._budgets is None:
            return
        if self.charged > hold.tokens:
            # Only a provider that answered past the cap it was sent gets here: the charge is the truth.
            self._log("usage above hold", {"tenant_id": self._tenant, "held": hold.tokens, "charged": self.charged})
        owed = self.charged - hold.tokens
        try:
            self._budgets.settle(hold, self.charged)
        except BudgetWriteFailed as err:
            self._log("budget settle failed", {"error": err.error, "tenant_id": self._tenant})
            self._reconcile(hold, owed, err.applied)
            return
        except Exception as err:
            self._log("budget settle failed", {"error": type(err).__name__, "tenant_id": self._tenant})
            self._reconcile(hold, owed, None)
            return
        if hold.uncertain:
            self._reconcile(hold, 0, None)

    def _reconcile_if_uncertain(self, err: BudgetWriteFailed) -> None:
        if err.applied is None and self._hold is not None:
            self._reconcile(self._hold, 0, None)

    def _reconcile(self, hold: Hold, owed: int, applied: bool | None) -> None:
        """One log line an operator (or a job) can apply: add `owed` to the item's day and month attributes."""
        self._log(
            BUDGET_RECONCILE_MESSAGE,
            {
                "request_id": self._request_id,
                "tenant_id": self._tenant,
                "item": hold.key,
                "attributes": [hold.day, MONTH_ATTRIBUTE],
                "owed_tokens": owed,
                "write_applied": "unknown" if applied is None else applied,
                "uncertain_tokens": list(hold.uncertain),
            },
        )
