"""Sticky weighted assignment: the same key always lands on the same choice, the population splits by weight."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def weighted_pick(scope: str, key: str, choices: Sequence[tuple[T, int]]) -> T:
    """The choice `key` lands on within `scope` (an alias, a prompt label), in proportion to the weights.

    The choices are taken in the order given; one of weight 0 is never picked. The weights must
    sum to more than 0 (the configuration's parsers refuse anything else).
    """
    total = sum(weight for _, weight in choices)
    # surrogatepass: a client's JSON may hold a lone surrogate ("\ud800"), which has no UTF-8 form.
    digest = hashlib.sha256(f"{scope}\x00{key}".encode("utf-8", "surrogatepass")).digest()
    point = int.from_bytes(digest[:8], "big") % total
    for choice, weight in choices:
        if point < weight:
            return choice
        point -= weight
    raise AssertionError("the point is always below the total")  # unreachable
