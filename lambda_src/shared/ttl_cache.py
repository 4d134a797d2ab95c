"""A small thread-safe cache whose entries expire: what each Lambda keeps between invocations."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Values by key until their time-to-live runs out; bounded (cleared when full)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 4096) -> None:
        self._clock, self._max = clock, max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V], ttl_of: Callable[[V], float]) -> V:
        """The cached value of `key`, or `load()` kept for `ttl_of(value)` seconds (errors are not cached)."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (now + ttl_of(value), value)
        return value


def never_expires(_: object) -> float:
    """The time-to-live of a value derived from what never changes in a container (its configuration)."""
    return math.inf
