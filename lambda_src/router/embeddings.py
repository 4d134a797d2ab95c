"""The router's provider-neutral embeddings request and result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmbeddingRequest:
    """An OpenAI embeddings request after validation (always float vectors here; base64 is rendering)."""

    inputs: tuple[str, ...]
    dimensions: int | None = None
    user: str | None = None


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: tuple[tuple[float, ...], ...]
    input_tokens: int
