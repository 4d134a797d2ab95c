"""What the router has seen of each target lately: latency percentiles and error rates over a sliding window.

Kept per container (a Lambda environment serves one request at a time, so the window is
this environment's own traffic). The window is `WINDOW_BUCKETS` buckets of
`BUCKET_SECONDS` of a log-scale latency histogram (no samples are stored), with running
sums: recording is O(1), and a figure reads the sums (a bucket leaving the window is
subtracted once). Decisions made from it keep their
state here, with hysteresis, so that traffic does not flap:

- `lowest_latency` keeps its leader until another target is faster by `LATENCY_MARGIN`,
  and sends one decision in `EXPLORE_EVERY` to the target seen least (every target
  stays measured, so a recovered one wins its traffic back);
- a target is drained (tried last) once its error rate reaches the alias's
  `drain_error_rate` over at least `MIN_SAMPLES` attempts, and restored only once the
  rate falls to `RECOVERY_FACTOR` of it (or the window forgets the errors).

With `live_stats_share_seconds` set, decisions read the window of all the gateway's
containers instead (router.shared_stats), and this container's own while that is not current.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contract.routing import EXPLORE_EVERY, LATENCY_MARGIN, MIN_SAMPLES, RECOVERY_FACTOR, WINDOW_SECONDS

if TYPE_CHECKING:
    from router.shared_stats import SharedWindow

WINDOW_BUCKETS = 12
BUCKET_SECONDS = WINDOW_SECONDS / WINDOW_BUCKETS
# Latency bins: 1 ms doubling in quarter steps up to about 65 s (64 bins), the last one open-ended.
BINS = 64
BIN_BASE_SECONDS = 0.001
BIN_GROWTH = 2**0.25


def bin_of(seconds: float) -> int:
    if seconds <= BIN_BASE_SECONDS:
        return 0
    return min(BINS - 1, int(math.log(seconds / BIN_BASE_SECONDS, BIN_GROWTH)) + 1)


def _upper(index: int) -> float:
    """The latency a bin stands for: its upper edge."""
    return BIN_BASE_SECONDS * BIN_GROWTH**index


@dataclass
class Counts:
    """A target's attempts, errors and successes per latency bin, with their median kept until they change
    (decisions outnumber a target's attempts)."""

    attempts: int = 0
    errors: int = 0
    bins: list[int] = field(default_factory=lambda: [0] * BINS)
    _median: float | None = None
    _fresh: bool = False

    def add(self, latency_bin: int | None) -> None:
        """One attempt: a success in `latency_bin`, or an error (None)."""
        self.attempts += 1
        if latency_bin is None:
            self.errors += 1
        else:
            self.bins[latency_bin] += 1
        self._fresh = False

    def merge(self, other: Counts, sign: int = 1) -> None:
        """Add `other`'s counts (`sign` -1: take them away)."""
        self.attempts += sign * other.attempts
        self.errors += sign * other.errors
        self.bins = [a + sign * b for a, b in zip(self.bins, other.bins, strict=True)]
        self._fresh = False

    def figures(self) -> tuple[int, int, float | None]:
        """Attempts, errors and the median latency of successes (what routing reads)."""
        if not self._fresh:
            self._median, self._fresh = quantile(self.bins, 0.5), True
        return self.attempts, self.errors, self._median


@dataclass
class _Bucket(Counts):
    start: float = 0.0


@dataclass
class _Window:
    """One target's buckets, and their running sums (a bucket leaving the window is subtracted from them)."""

    buckets: deque[_Bucket] = field(default_factory=deque)
    total: Counts = field(default_factory=Counts)

    def roll(self, now: float) -> None:
        oldest = now - WINDOW_SECONDS
        while self.buckets and self.buckets[0].start + BUCKET_SECONDS <= oldest:
            self.total.merge(self.buckets.popleft(), sign=-1)


@dataclass(frozen=True)
class TargetStats:
    """One target over the window: attempts, their error rate, and latency percentiles of the successes."""

    attempts: int
    error_rate: float
    p50_seconds: float | None
    p99_seconds: float | None


class LiveStats:
    """Sliding-window statistics per target, and the routing state derived from them (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, shared: SharedWindow | None = None) -> None:
        self._clock, self._shared = clock, shared
        self._windows: dict[str, _Window] = {}
        self._leaders: dict[str, str] = {}
        self._decisions: dict[str, int] = {}
        self._drained: set[str] = set()
        self._lock = threading.Lock()

    def record(self, model: str, seconds: float, ok: bool) -> None:
        """One attempt on `model`: how long it took, and whether it answered."""
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault(model, _Window())
            window.roll(now)
            start = now - now % BUCKET_SECONDS
            if not window.buckets or window.buckets[-1].start != start:
                window.buckets.append(_Bucket(start=start))
            latency_bin = bin_of(seconds) if ok else None
            window.buckets[-1].add(latency_bin)
            window.total.add(latency_bin)
        if self._shared is not None:
            self._shared.add(model, latency_bin)

    def share(self) -> None:
        """Exchange with the other containers if that is due (without waiting for it): once per request."""
        if self._shared is not None:
            self._shared.share()

    def of(self, model: str) -> TargetStats:
        """The target's figures over the window (no attempts: rate 0, no percentiles)."""
        with self._lock:
            window = self._windows.get(model)
            if window is None:
                return TargetStats(0, 0.0, None, None)
            window.roll(self._clock())
            total = window.total
            attempts, errors, bins = total.attempts, total.errors, list(total.bins)
        return TargetStats(attempts, errors / attempts if attempts else 0.0, quantile(bins, 0.5),
                           quantile(bins, 0.99))  # fmt: skip

    def counts(self, model: str) -> tuple[int, int, float | None]:
        """Attempts, errors and the median latency of successes over the window (the cheap figures routing reads):
        the gateway's when shared and current, else this container's."""
        if self._shared is not None and (figures := self._shared.figures(model)) is not None:
            return figures
        with self._lock:
            window = self._windows.get(model)
            if window is None:
                return 0, 0, None
            window.roll(self._clock())
            return window.total.figures()

    def leader(self, alias: str, models: Iterable[str]) -> str:
        """The `lowest_latency` choice among `models` (in preference order): the current leader unless another
        with enough samples is faster at p50 by LATENCY_MARGIN. One decision in EXPLORE_EVERY goes to the target
        the window has seen least, so that every target stays measured and a recovered one can win back."""
        candidates = list(models)
        figures = {m: self.counts(m) for m in candidates}
        with self._lock:
            count = self._decisions[alias] = self._decisions.get(alias, 0) + 1
            current = self._leaders.get(alias)
        if len(candidates) > 1 and count % EXPLORE_EVERY == 0:
            others = [m for m in candidates if m != current]
            return min(others, key=lambda m: figures[m][0])
        measured = {m: median for m, (attempts, errors, median) in figures.items()
                    if median is not None and attempts - errors >= MIN_SAMPLES}  # fmt: skip
        with self._lock:
            current = self._leaders.get(alias)
            if current not in candidates:
                current = None
            if not measured:
                chosen = current or next((m for m in candidates if figures[m][0] < MIN_SAMPLES), candidates[0])
            else:
                fastest = min(measured, key=lambda m: measured[m] or 0.0)
                keep = current in measured and (measured[fastest] or 0.0) >= (1 - LATENCY_MARGIN) * (
                    measured[current] or 0.0
                )
                chosen = current if keep and current is not None else fastest
            self._leaders[alias] = chosen
        return chosen

    def draining(self, model: str, threshold: float) -> bool:
        """Whether `model` is drained at this error-rate threshold (with hysteresis on the way back)."""
        attempts, errors, _ = self.counts(model)
        rate = errors / attempts if attempts else 0.0
        with self._lock:
            if attempts >= MIN_SAMPLES and rate >= threshold:
                self._drained.add(model)
            elif model in self._drained and (attempts < MIN_SAMPLES or rate <= threshold * RECOVERY_FACTOR):
                self._drained.discard(model)
            return model in self._drained


def quantile(bins: list[int], q: float) -> float | None:
    total = sum(bins)
    if not total:
        return None
    rank, seen = q * total, 0
    for index, count in enumerate(bins):
        seen += count
        if seen >= rank:
            return _upper(index)
    return _upper(BINS - 1)
