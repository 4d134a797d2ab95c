"""What one served model request produced: the backend's answer and who gave it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from router.chat import ChatResult
from router.embeddings import EmbeddingResult

if TYPE_CHECKING:
    from router.catalog import ModelEntry


@dataclass(frozen=True)
class Served:
    """A backend's answer and who gave it: the catalog model, the A/B arm, fallback, the cache's part, and what
    chose the model (the routing decision: contract.routing)."""

    result: ChatResult | EmbeddingResult
    model: ModelEntry
    arm: str
    fallback: bool
    cache: str
    decision: str = ""

    @property
    def tokens(self) -> tuple[int, int]:
        """Input and output tokens the answer reports (embeddings have no output tokens)."""
        if isinstance(self.result, ChatResult):
            return self.result.input_tokens, self.result.output_tokens
        return self.result.input_tokens, 0
