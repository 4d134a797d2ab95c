"""What a streaming backend yields: pieces of the answer as they arrive, then how it ended.

A `Delta` is text, or a piece of a tool call (`tool_index` counts the answer's calls from
0; `tool_id` and `tool_name` come with its first piece). `Finish` comes last, once, with
the finish reason and the provider's own token counts (None when it sent none). A
backend that cannot stream answers whole, and `whole_answer` turns that answer into
the same events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from router.chat import ChatResult


@dataclass(frozen=True)
class Delta:
    text: str = ""
    tool_index: int | None = None
    tool_id: str | None = None
    tool_name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class Finish:
    reason: str
    input_tokens: int | None
    output_tokens: int | None


StreamEvent = Delta | Finish


def whole_answer(result: ChatResult) -> Iterator[StreamEvent]:
    """A complete answer as stream events (for backends that answer whole, and for cache hits)."""
    if result.text:
        yield Delta(text=result.text)
    for index, call in enumerate(result.tool_calls):
        yield Delta(tool_index=index, tool_id=call.id, tool_name=call.name, arguments=call.arguments)
    yield Finish(result.finish_reason, result.input_tokens, result.output_tokens)
