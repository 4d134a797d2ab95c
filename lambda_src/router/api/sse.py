"""How a streamed answer is framed as server-sent events, and OpenAI's chat framing.

The relay (router.pipeline.stream_serving) says what happens: the answer opens, text and
tool-call pieces arrive, it closes with its result, or it fails after the first byte. A
`Framing` turns each into events. Chat completions (`ChatFraming`) send what OpenAI sends
and its SDK reassembles: a first chunk with the role, content deltas, tool-call deltas
(`index`, then `id`, `type` and `name` once, then `arguments` pieces), a chunk with the
`finish_reason` and an empty delta, and with `stream_options.include_usage` a last chunk
with no choices and the `usage` (every chunk before it then carries `"usage": null`),
then `[DONE]`. The Responses API has its own framing (router.api.responses_stream).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from router.chat import ChatResult

DONE = "data: [DONE]\n\n"


def event(data: Any) -> str:
    """One server-sent event carrying `data` as JSON."""
    return "data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n\n"


def named_event(name: str, data: Any) -> str:
    """One server-sent event of type `name` (the `event:` field) carrying `data` as JSON."""
    return f"event: {name}\n" + event(data)


@dataclass(frozen=True)
class StreamIdentity:
    """What every event of one answer names: the request, when the answer was made, and the model alias."""

    request_id: str
    created: int
    model: str


class Framing(Protocol):
    """The events of one streamed answer; each method returns the text to send ("" for nothing)."""

    def opening(self) -> str:
        """Before the first piece of the answer."""

    def text(self, text: str) -> str:
        """A piece of the answer's text."""

    def tool_start(self, index: int, call_id: str, name: str) -> str:
        """Tool call `index` begins."""

    def tool_arguments(self, index: int, arguments: str) -> str:
        """A piece of tool call `index`'s arguments."""

    def closing(self, result: ChatResult, note: dict[str, Any] | None) -> str:
        """The answer is complete (`note`: the gateway's own word on why it stopped, if any)."""

    def failure(self, body: dict[str, Any]) -> str:
        """The stream fails after its first byte; `body` is the gateway's error envelope."""


FramingFactory = Callable[[StreamIdentity], Framing]


class ChatFraming:
    """`chat.completion.chunk` events: the same id, creation time and model on each."""

    def __init__(self, identity: StreamIdentity, *, include_usage: bool) -> None:
        self.completion_id = f"chatcmpl-{identity.request_id}"
        self.created, self.model = identity.created, identity.model
        self.include_usage = include_usage

    def chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, extra: dict[str, Any] | None = None
    ) -> str:
        """One chunk; `extra` adds the gateway's own fields (the SDK keeps them as the chunk's extras)."""
        body: dict[str, Any] = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
        }
        if self.include_usage:
            body["usage"] = None
        return event({**body, **(extra or {})})

    def opening(self) -> str:
        return self.chunk({"role": "assistant", "content": "", "refusal": None})

    def text(self, text: str) -> str:
        return self.chunk({"content": text})

    def tool_start(self, index: int, call_id: str, name: str) -> str:
        call = {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        return self.chunk({"tool_calls": [call]})

    def tool_arguments(self, index: int, arguments: str) -> str:
        return self.chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})

    def closing(self, result: ChatResult, note: dict[str, Any] | None) -> str:
        last = self.chunk({}, result.finish_reason, extra={"aigw": note} if note else None)
        if not self.include_usage:
            return last + DONE
        usage = {"prompt_tokens": result.input_tokens, "completion_tokens": result.output_tokens,
                 "total_tokens": result.input_tokens + result.output_tokens}  # fmt: skip
        return last + self._usage(usage) + DONE

    def _usage(self, usage: dict[str, Any]) -> str:
        return event(
            {
                "id": self.completion_id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "system_fingerprint": None,
                "choices": [],
                "usage": usage,
            }
        )

    def failure(self, body: dict[str, Any]) -> str:
        return event(body) + DONE
