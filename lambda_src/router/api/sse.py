"""OpenAI's streamed chat answer: `chat.completion.chunk` objects as server-sent events, then `[DONE]`.

The order OpenAI sends and its SDK reassembles: a first chunk with the role, content
deltas, tool-call deltas (`index`, then `id`, `type` and `name` once, then `arguments`
pieces), a chunk with the `finish_reason` and an empty delta, and with
`stream_options.include_usage` a last chunk with no choices and the `usage` (every
chunk before it then carries `"usage": null`).
"""

from __future__ import annotations

import json
from typing import Any

DONE = "data: [DONE]\n\n"


def event(data: Any) -> str:
    """One server-sent event carrying `data` as JSON."""
    return "data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n\n"


class ChunkWriter:
    """Makes the chunks of one answer: the same id, creation time and model on each."""

    def __init__(self, completion_id: str, created: int, model: str, *, include_usage: bool) -> None:
        self.completion_id, self.created, self.model = completion_id, created, model
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

    def usage(self, usage: dict[str, Any]) -> str:
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

    def tool_call_start(self, index: int, call_id: str, name: str) -> str:
        call = {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        return self.chunk({"tool_calls": [call]})

    def tool_call_arguments(self, index: int, arguments: str) -> str:
        return self.chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
