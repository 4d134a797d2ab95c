"""What every backend adapter implements: translate a request to one provider's API and its answer back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from router.chat import ChatRequest, ChatResult
    from router.embeddings import EmbeddingRequest, EmbeddingResult


class Backend(Protocol):
    """Translate a request to one provider's API and its answer back; raise BackendError on failure.

    `timeout_seconds` bounds the attempt: the caller passes what is left of the request's deadline.
    """

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult: ...

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult: ...
