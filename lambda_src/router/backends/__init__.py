"""Backend adapters: one module per provider, all implementing `Backend`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from router.chat import ChatRequest, ChatResult


class Backend(Protocol):
    """Translate a chat request to one provider's API and its answer back; raise BackendError on failure."""

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult: ...
