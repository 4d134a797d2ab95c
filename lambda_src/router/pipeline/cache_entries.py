"""How a served answer is stored in the response cache and read back, refusing entries that no longer fit."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from router.chat import ChatResult, ToolCall
from router.embeddings import EmbeddingResult
from router.pipeline.served import Served

if TYPE_CHECKING:
    from router.settings import Settings


def to_cache(served: Served) -> dict[str, Any]:
    """The cache entry of an answer: the model, arm and fallback flag with the result."""
    return {
        "model": served.model.alias,
        "arm": served.arm,
        "fallback": served.fallback,
        "result": asdict(served.result),
    }


def from_cache(item: dict[str, Any], kind: str, settings: Settings) -> Served | None:
    """A cached answer, or None when it no longer fits the configuration (model gone, other kind)."""
    entry = settings.by_alias.get(str(item.get("model")))
    raw = item.get("result")
    if entry is None or entry.kind != kind or not isinstance(raw, dict):
        return None
    try:
        result: ChatResult | EmbeddingResult
        if kind == "chat":
            calls = tuple(ToolCall(**c) for c in raw.get("tool_calls") or ())
            result = ChatResult(**{**raw, "tool_calls": calls})
        else:
            result = EmbeddingResult(tuple(tuple(v) for v in raw["vectors"]), int(raw["input_tokens"]))
    except (TypeError, KeyError, ValueError):
        return None
    return Served(result, entry, str(item.get("arm") or entry.alias), bool(item.get("fallback")), "hit")
