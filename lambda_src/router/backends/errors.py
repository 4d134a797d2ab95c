"""The failure every adapter raises, classified so the resilience policy can decide without knowing the provider."""

from __future__ import annotations

RETRYABLE = frozenset({"throttled", "unavailable", "timeout"})


class BackendError(Exception):
    """A backend's failure, classified: `throttled`, `unavailable`, `timeout` or `client`.

    `consumed_tokens` is what the provider says the failed call used (it is still billed).
    """

    def __init__(
        self,
        kind: str,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
        consumed_tokens: int = 0,
    ) -> None:
        super().__init__(message)
        self.kind, self.message, self.status, self.retry_after = kind, message, status, retry_after
        self.consumed_tokens = consumed_tokens

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE
