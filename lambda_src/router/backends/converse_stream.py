"""Bedrock ConverseStream's events as the router's stream events, read as they arrive.

The answer plan of the request (router.backends.converse) applies as it does to a whole
answer: the answer tool's input streams as the message's text (JSON arriving piece by
piece; a wrapped schema is held to the end and unwrapped), dropped calls are skipped,
and with `parallel_tool_calls: false` only the first call streams. The usage comes in
the `metadata` event after `messageStop`; a stream that ends without it reports no
counts (the pipeline then charges its bounds). An exception event is a BackendError.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from router.backends.converse import AnswerPlan
from router.streaming.events import Delta, Finish, StreamEvent
from shared.backend_errors import BackendError

# Exception events ConverseStream may send mid-stream, by the router's failure kinds.
STREAM_ERRORS = {
    "internalServerException": "unavailable",
    "modelStreamErrorException": "unavailable",
    "serviceUnavailableException": "unavailable",
    "throttlingException": "throttled",
    "validationException": "client",
}


class _Blocks:
    """What each content block is: text, the answer tool, a client tool call (with its index), or skipped."""

    def __init__(self, plan: AnswerPlan) -> None:
        self.plan = plan
        self.kinds: dict[int, str] = {}
        self.calls: dict[int, int] = {}
        self.held: dict[int, list[str]] = {}
        self.answered = False

    def start(self, index: int, tool: dict[str, Any]) -> Delta | None:
        name = str(tool.get("name") or "")
        if name == self.plan.answer_tool:
            self.kinds[index], self.answered = "answer", True
            if self.plan.wrapped:
                self.held[index] = []
            return None
        if self.plan.drop_calls or (self.plan.first_call_only and self.calls):
            self.kinds[index] = "skip"
            return None
        self.kinds[index] = "call"
        self.calls[index] = len(self.calls)
        return Delta(tool_index=self.calls[index], tool_id=str(tool.get("toolUseId") or ""), tool_name=name)

    def delta(self, index: int, delta: dict[str, Any]) -> Delta | None:
        kind = self.kinds.get(index, "text")
        if isinstance(delta.get("text"), str) and kind == "text":
            # Text beside an answer tool is the model thinking aloud: the answer is the JSON only.
            return None if self.plan.answer_tool and self.answered else Delta(text=delta["text"])
        piece = delta.get("toolUse", {}).get("input") if isinstance(delta.get("toolUse"), dict) else None
        if not isinstance(piece, str):
            return None
        if kind == "answer":
            if index in self.held:
                self.held[index].append(piece)
                return None
            return Delta(text=piece)
        if kind == "call":
            return Delta(tool_index=self.calls[index], arguments=piece)
        return None

    def stop(self, index: int) -> Delta | None:
        pieces = self.held.pop(index, None)
        if pieces is None:
            return None
        try:
            value = json.loads("".join(pieces) or "{}")
        except ValueError:
            return Delta(text="".join(pieces))
        return Delta(text=self.plan.answer_text(value))


def read_converse_stream(stream: Iterable[Any], plan: AnswerPlan) -> Iterator[StreamEvent]:
    """Stream events from ConverseStream's event dicts (raises BackendError on an exception event)."""
    blocks = _Blocks(plan)
    stop_reason = ""
    usage: dict[str, Any] = {}
    for item in stream:
        if not isinstance(item, dict):
            continue
        for name, kind in STREAM_ERRORS.items():
            if name in item:
                message = str((item[name] or {}).get("message", name))[:500]
                raise BackendError(kind, f"bedrock stream: {message}")
        out: Delta | None = None
        if "contentBlockStart" in item:
            start = item["contentBlockStart"]
            tool = start.get("start", {}).get("toolUse")
            if isinstance(tool, dict):
                out = blocks.start(int(start.get("contentBlockIndex", 0)), tool)
        elif "contentBlockDelta" in item:
            body = item["contentBlockDelta"]
            out = blocks.delta(int(body.get("contentBlockIndex", 0)), body.get("delta") or {})
        elif "contentBlockStop" in item:
            out = blocks.stop(int(item["contentBlockStop"].get("contentBlockIndex", 0)))
        elif "messageStop" in item:
            stop_reason = str(item["messageStop"].get("stopReason") or "")
        elif "metadata" in item:
            usage = item["metadata"].get("usage") or {}
        if out is not None:
            yield out
    if not stop_reason:
        # Cut before the model said it stopped: the answer is incomplete, and what it cost unknown.
        raise BackendError("unavailable", "bedrock stream ended before messageStop")
    reason = plan.finish_reason(stop_reason, len(blocks.calls), blocks.answered and not blocks.calls)
    counts = (usage.get("inputTokens"), usage.get("outputTokens"))
    yield Finish(reason, *(c if isinstance(c, int) and not isinstance(c, bool) else None for c in counts))
