"""The router's provider-neutral chat request and result (what every backend adapter translates).

A message's `content` is its text (the parts joined): what the guardrails screen, the
token bounds count and text-only backends see. Images, tool calls and tool results
ride beside it, in the shapes below, for the backends that take them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImagePart:
    """An image the gateway holds (decoded from a data URL, or fetched from an allowed host)."""

    format: str  # png, jpeg, gif or webp (what the bytes are, checked)
    data: bytes


@dataclass(frozen=True)
class ToolCall:
    """A function call the assistant made: OpenAI's `id`, `function.name` and `function.arguments` (JSON text)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatMessage:
    """One turn: `user`, `assistant` (with its `tool_calls`) or `tool` (the result of `tool_call_id`)."""

    role: str
    content: str
    images: tuple[ImagePart, ...] = ()
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None


@dataclass(frozen=True)
class Tool:
    """A function the model may call: its JSON Schema `parameters` are passed on as the client sent them."""

    name: str
    description: str | None
    parameters: dict[str, Any]
    strict: bool = False


@dataclass(frozen=True)
class ToolChoice:
    """`auto`, `none`, `required`, or `function` with the `name` it must call."""

    mode: str
    name: str | None = None


@dataclass(frozen=True)
class ResponseFormat:
    """`json_object`, or `json_schema` with its `name`, `schema` and `strict` flag (`text` is no format)."""

    type: str
    name: str | None = None
    schema: dict[str, Any] | None = None
    strict: bool = False


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
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    seed: int | None = None

    @property
    def multimodal(self) -> bool:
        return any(m.images for m in self.messages)

    @property
    def uses_tools(self) -> bool:
        """Tools offered, or a conversation that already holds tool calls or results."""
        return bool(self.tools) or any(m.tool_calls or m.role == "tool" for m in self.messages)


@dataclass(frozen=True)
class ChatResult:
    """What a backend answered, in the router's terms (`finish_reason` uses OpenAI's values)."""

    text: str
    finish_reason: str
    input_tokens: int
    output_tokens: int
    tool_calls: tuple[ToolCall, ...] = ()
