"""The failure every adapter raises, classified so the resilience policy and the budget can decide without
knowing the provider.

Kinds: `throttled` and `unavailable` (retried), `timeout` (retried within the deadline),
`client` (the request's fault: final, never retried or failed over), `oversize` (the
answer was too large to read: never retried on the same model, since it would repeat).

Billing: a provider bills work it did, whether or not the router could use the answer.
`consumed_tokens` is what the provider said the failed call used. Without it, a failure
that may have come after the provider did the work is charged the attempt's whole
allowance: a timeout, an answer too large to read, a connection lost or an answer
garbled mid-way (`unavailable` without a status). A provider's own error answer
(throttled, 4xx, 5xx: it says it did not serve the request) and a call that never
reached the provider (`billed=False` from the adapter) are charged nothing.
"""

from __future__ import annotations

RETRYABLE = frozenset({"throttled", "unavailable", "timeout"})
FINAL = frozenset({"client"})
MAY_HAVE_BILLED = frozenset({"timeout", "oversize"})


class BackendError(Exception):
    """A backend's failure, classified; `message` is the provider's words, for logs only (never for clients)."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        consumed_tokens: int | None = None,
        billed: bool | None = None,
        partial: object | None = None,
        public: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind, self.message, self.status, self.retry_after = kind, message, status, retry_after
        self.consumed_tokens = consumed_tokens
        # None: decided by the kind; False: the adapter knows nothing reached the provider.
        self.billed = billed
        # What a batch finished before failing (the router's embeddings; already counted in consumed_tokens).
        self.partial = partial
        # The gateway's own words for a request the model cannot take (safe for the client), else None.
        self.public = public

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE

    @property
    def final(self) -> bool:
        """The request itself is at fault: no retry, no fallback."""
        return self.kind in FINAL

    def charge(self, allowance: int) -> int:
        """The tokens to charge for the failed attempt that had `allowance` tokens held for it."""
        if self.consumed_tokens is not None:
            return self.consumed_tokens
        if self.billed is not None:
            return allowance if self.billed else 0
        unanswered = self.kind == "unavailable" and self.status is None
        return allowance if self.kind in MAY_HAVE_BILLED or unanswered else 0
