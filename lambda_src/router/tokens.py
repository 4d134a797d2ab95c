"""Token estimates, where a count is needed before (or without) the backend's own."""

from __future__ import annotations


def estimate_tokens(text: str) -> int:
    """A cheap token estimate (4 characters per token, rounded up), for budget reservations and
    for formats whose backend reports no counts."""
    return (len(text) + 3) // 4
