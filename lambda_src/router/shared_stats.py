"""The live window of all of a gateway's router containers, shared through its budget table.

Off unless `live_stats_share_seconds` is set. Every period, the first request of a container
starts one exchange in a background thread, so no request waits for it:

1. one UpdateItem ADDs what the container recorded since its last exchange (attempts,
   errors, successes per latency bin, for the targets of aliases that route on live
   figures) to the period's item, `live#<period start>`;
2. one BatchGetItem reads the window's items (WINDOW_SECONDS / period of them).

Routing then reads the gateway's figures: the items read, which hold this container's
exchanged attempts with everyone's, plus what it recorded since. A new container is
measured from its first exchange, and every container sees a target slow down together.
If the table cannot be read for STALE_PERIODS periods, routing falls back on the
container's own window.

Cost: at most two table calls per container per period, whatever its traffic (a
write carries at most MAX_COUNTERS_PER_WRITE counters; more targets seen in one period
take one more write per that many). Counts are never added twice: a write DynamoDB
refused before applying (throttling) is carried to the next exchange, and a write whose
outcome is unknown is dropped (the shared window may then miss those attempts).
Items expire two windows after their period through the table's TTL.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contract.routing import LIVE_ITEM_PREFIX, WINDOW_SECONDS
from contract.tables import HASH_KEY, TTL_ATTRIBUTE
from router.live_stats import BINS, Counts
from shared.aws import DYNAMODB_NOT_APPLIED, error_of

if TYPE_CHECKING:
    from router.settings import Settings

ATTEMPTS, ERRORS = "a", "e"
# Attributes are `<target>|a`, `<target>|e` and `<target>|<latency bin>`; a target's alias never holds `|`.
SEPARATOR = "|"
# DynamoDB limits an expression to 4 KB: about 11 bytes a counter (`#n12 :v12, `) leaves room for this many.
MAX_COUNTERS_PER_WRITE = 200
STALE_PERIODS = 3


def _counters(model: str, counts: Counts) -> list[tuple[str, int]]:
    """The attributes `counts` adds to, and by how much (none that would add 0)."""
    named = [(ATTEMPTS, counts.attempts), (ERRORS, counts.errors), *((str(i), n) for i, n in enumerate(counts.bins))]
    return [(f"{model}{SEPARATOR}{name}", n) for name, n in named if n]


def _merged(*parts: dict[str, Counts]) -> dict[str, Counts]:
    total: dict[str, Counts] = {}
    for part in parts:
        for model, counts in part.items():
            total.setdefault(model, Counts()).merge(counts)
    return total


def _background(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="live-stats-exchange", daemon=True).start()


class SharedWindow:
    """The gateway-wide window of `models` (the targets live routing reads), exchanged every `period_seconds`."""

    def __init__(
        self,
        table: str,
        client: Any,
        period_seconds: float,
        models: frozenset[str],
        *,
        clock: Callable[[], float] = time.time,
        log: Callable[[str, dict[str, Any]], None] = lambda _message, _extra: None,
        run: Callable[[Callable[[], None]], None] = _background,
    ) -> None:
        self._table, self._client, self._period, self._models = table, client, period_seconds, models
        self._clock, self._log, self._run = clock, log, run
        # Recorded since the last write; the last read's items; and that read plus everything recorded since.
        self._pending: dict[str, Counts] = {}
        self._view: dict[str, Counts] = {}
        self._read_at: float | None = None
        self._next_exchange = -math.inf
        self._busy = False
        self._lock = threading.Lock()

    def add(self, model: str, latency_bin: int | None) -> None:
        """One attempt on `model` (a success's latency bin, or None for an error), if live routing reads it."""
        if model not in self._models:
            return
        with self._lock:
            self._pending.setdefault(model, Counts()).add(latency_bin)
            if self._read_at is not None:
                self._view.setdefault(model, Counts()).add(latency_bin)

    def figures(self, model: str) -> tuple[int, int, float | None] | None:
        """The gateway's attempts, errors and median for `model`; None for a target not shared, or while no
        recent read stands for them."""
        if model not in self._models:
            return None
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at > STALE_PERIODS * self._period:
                return None
            counts = self._view.get(model)
            return (0, 0, None) if counts is None else counts.figures()

    def share(self) -> None:
        """Start an exchange if one is due (at most one at a time; the first request of a container starts one)."""
        now = self._clock()
        with self._lock:
            if self._busy or now < self._next_exchange:
                return
            self._busy, self._next_exchange = True, now + self._period
        self._run(self._exchange)

    def _exchange(self) -> None:
        try:
            start = math.floor(self._clock() / self._period) * self._period
            with self._lock:
                sending, self._pending = self._pending, {}
            self._write(start, sending)
            self._read(start)
        except Exception as err:  # an item it cannot parse, say: the container keeps routing on what it has
            self._log("live statistics exchange failed", {"error": type(err).__name__})
        finally:
            with self._lock:
                self._busy = False

    def _write(self, start: float, sending: dict[str, Counts]) -> None:
        counters = [c for model, counts in sorted(sending.items()) for c in _counters(model, counts)]
        for first in range(0, len(counters), MAX_COUNTERS_PER_WRITE):
            chunk = counters[first : first + MAX_COUNTERS_PER_WRITE]
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key={HASH_KEY: {"S": _key(start)}},
                    UpdateExpression="SET #ttl = :ttl ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(chunk))),
                    ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE, **{f"#n{i}": n for i, (n, _) in enumerate(chunk)}},
                    ExpressionAttributeValues={
                        ":ttl": {"N": str(int(start + 2 * WINDOW_SECONDS + self._period))},
                        **{f":v{i}": {"N": str(v)} for i, (_, v) in enumerate(chunk)},
                    },
                )
            except Exception as err:  # statistics never fail a request
                code = _error_code(err)
                # Carried to the next exchange: the chunks not sent, and this one if DynamoDB did not apply it.
                carried = counters[first if code in DYNAMODB_NOT_APPLIED else first + len(chunk) :]
                with self._lock:
                    self._pending = _merged(_from_counters(carried), self._pending)
                self._log("live statistics not shared", {"error": code, "carried": code in DYNAMODB_NOT_APPLIED})
                return

    def _read(self, start: float) -> None:
        periods = max(1, math.ceil(WINDOW_SECONDS / self._period))
        keys = [{HASH_KEY: {"S": _key(start - k * self._period)}} for k in range(periods)]
        try:
            answer = self._client.batch_get_item(RequestItems={self._table: {"Keys": keys}})
        except Exception as err:  # statistics never fail a request
            self._log("live statistics not read", {"error": _error_code(err)})
            return
        if answer.get("UnprocessedKeys"):
            # A partial window would understate every target: keep the last whole one.
            self._log("live statistics not read", {"error": "UnprocessedKeys"})
            return
        items = answer.get("Responses", {}).get(self._table, [])
        counted = _from_counters(
            [(name, int(value["N"])) for item in items for name, value in item.items() if "N" in value]
        )
        view = {model: counts for model, counts in counted.items() if model in self._models}
        with self._lock:
            # What was recorded while the exchange ran is not in the items yet.
            self._view = _merged(view, self._pending)
            self._read_at = self._clock()


def shared_window(
    settings: Settings,
    client: Any,
    *,
    log: Callable[[str, dict[str, Any]], None],
    run: Callable[[Callable[[], None]], None] = _background,
) -> SharedWindow | None:
    """The gateway's shared window of the router these settings configure; None when it shares none (sharing
    off, no budget table, or no alias routing on live figures)."""
    models = settings.routing.live_targets()
    if not (settings.live_stats_share_seconds and settings.budget_table and models):
        return None
    return SharedWindow(settings.budget_table, client, settings.live_stats_share_seconds, models, log=log, run=run)


def _from_counters(counters: list[tuple[str, int]]) -> dict[str, Counts]:
    """Counts per target from `(attribute, value)` pairs (attributes that are not a target's counter are skipped)."""
    counted: dict[str, Counts] = {}
    for name, value in counters:
        model, _, counter = name.rpartition(SEPARATOR)
        counts = counted.setdefault(model, Counts())
        if counter == ATTEMPTS:
            counts.attempts += value
        elif counter == ERRORS:
            counts.errors += value
        elif counter.isdigit() and int(counter) < BINS:
            counts.bins[int(counter)] += value
    return counted


def _key(start: float) -> str:
    return f"{LIVE_ITEM_PREFIX}{int(start)}"


def _error_code(err: Exception) -> str:
    return error_of(err)[0] or type(err).__name__
