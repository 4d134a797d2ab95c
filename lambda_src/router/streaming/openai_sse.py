"""An OpenAI-compatible provider's SSE stream (HTTP providers, SageMaker `openai` containers) as stream events.

Bytes in, as they arrive: events are split on blank lines, their `data:` lines joined,
and each `chat.completion.chunk` translated (text deltas, tool-call deltas by `index`,
the finish reason, the usage chunk). What a hostile provider can send ends in a
BackendError, never a crash: an event over `MAX_EVENT_BYTES`, a stream over
`MAX_STREAM_BYTES`, JSON that does not parse, an `error` event, or an end without a
finish reason. A provider that never sends usage reports no counts (the pipeline
charges its bounds).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from router.streaming.events import Delta, Finish, StreamEvent
from shared.backend_errors import BackendError

MAX_EVENT_BYTES = 1024 * 1024
MAX_STREAM_BYTES = 8 * 1024 * 1024


def sse_data(chunks: Iterable[bytes], source: str) -> Iterator[str]:
    """The `data` of each server-sent event in `chunks` (comments and other fields skipped)."""
    buffer = b""
    total = 0
    data: list[bytes] = []
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_STREAM_BYTES:
            raise BackendError("oversize", f"{source} stream larger than {MAX_STREAM_BYTES} bytes")
        buffer += chunk
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                break
            line, buffer = buffer[:end].rstrip(b"\r"), buffer[end + 1 :]
            if not line:
                if data:
                    yield b"\n".join(data).decode("utf-8", "replace")
                    data = []
            elif line.startswith(b"data:"):
                data.append(line[5:].removeprefix(b" "))
        if len(buffer) + sum(len(d) for d in data) > MAX_EVENT_BYTES:
            raise BackendError("oversize", f"{source} sent an event larger than {MAX_EVENT_BYTES} bytes")
    if data:
        yield b"\n".join(data).decode("utf-8", "replace")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _deltas(choice: dict[str, Any], started: set[int]) -> Iterator[Delta]:
    """A choice's deltas; a tool call's id and name travel with its first piece only (`started` tracks which)."""
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        return
    if isinstance(delta.get("content"), str) and delta["content"]:
        yield Delta(text=delta["content"])
    for call in delta.get("tool_calls") or ():
        if not isinstance(call, dict) or not isinstance(call.get("index"), int):
            raise BackendError("unavailable", "tool call delta without an index")
        function = call.get("function") or {}
        name = function.get("name") if isinstance(function, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        index, first = call["index"], call["index"] not in started
        started.add(index)
        yield Delta(
            tool_index=index,
            tool_id=str(call.get("id") or "") if first else None,
            tool_name=(name if isinstance(name, str) else "") if first else None,
            arguments=arguments if isinstance(arguments, str) else "",
        )


def read_openai_stream(chunks: Iterable[bytes], source: str) -> Iterator[StreamEvent]:
    """Stream events from an OpenAI chunk stream's bytes."""
    finish: str | None = None
    usage: tuple[int | None, int | None] = (None, None)
    started: set[int] = set()
    for data in sse_data(chunks, source):
        if data.strip() == "[DONE]":
            break
        try:
            chunk = json.loads(data)
        except ValueError:
            raise BackendError("unavailable", f"{source} sent an event that is not JSON") from None
        if not isinstance(chunk, dict):
            raise BackendError("unavailable", f"{source} sent an event that is not an object")
        if chunk.get("error") is not None:
            raise BackendError("unavailable", f"{source} stream error: {str(chunk['error'])[:500]}")
        counts = chunk.get("usage")
        if isinstance(counts, dict):
            usage = (_count(counts.get("prompt_tokens")), _count(counts.get("completion_tokens")))
        choices = chunk.get("choices") or []
        if not isinstance(choices, list):
            raise BackendError("unavailable", f"{source} sent choices that are not a list")
        for choice in choices[:1]:
            if not isinstance(choice, dict):
                continue
            yield from _deltas(choice, started)
            if choice.get("finish_reason"):
                finish = str(choice["finish_reason"])
    if finish is None:
        raise BackendError("unavailable", f"{source} stream ended without a finish reason")
    yield Finish(finish, *usage)
