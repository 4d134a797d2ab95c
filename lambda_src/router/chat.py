"""The router's provider-neutral chat request and result (what every backend adapter translates)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChatMessage:
    role: str
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """An OpenAI chat request after validation: system text split out, settings typed."""

    messages: tuple[ChatMessage, ...]
    system: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = field(default=())
    user: str | None = None


@dataclass(frozen=True)
class ChatResult:
    """What a backend answered, in the router's terms (`finish_reason` uses OpenAI's values)."""

    text: str
    finish_reason: str
    input_tokens: int
    output_tokens: int
