"""OpenAI response bodies out: the router's results rendered as OpenAI's objects, nothing else."""

from __future__ import annotations

import base64
import struct
from typing import Any

from router.catalog import ModelEntry
from router.chat import ChatResult, ToolCall
from router.embeddings import EmbeddingResult

# What a Lambda function may answer (6 MB), less room for headers and the proxy response's own JSON.
MAX_ANSWER_BYTES = 6 * 1024 * 1024 - 64 * 1024
# The longest JSON text of a float (-2.2250738585072014e-308) and its comma; base64 float32: 4 bytes as 16/3.
FLOAT_TEXT_BYTES = 25
BASE64_BYTES_PER_NUMBER = 16 / 3
# One vector's object around its numbers (with the quotes escaped once more in the proxy response).
VECTOR_OVERHEAD_BYTES = 96
LIST_OVERHEAD_BYTES = 1024


def embedding_answer_bound(inputs: int, dimensions: int, as_base64: bool) -> int:
    """At most this many bytes for an embeddings answer of `inputs` vectors of `dimensions` numbers."""
    per_number = BASE64_BYTES_PER_NUMBER if as_base64 else FLOAT_TEXT_BYTES
    return LIST_OVERHEAD_BYTES + inputs * (VECTOR_OVERHEAD_BYTES + int(dimensions * per_number + 4))


def with_tool_calls(message: dict[str, Any], calls: tuple[ToolCall, ...]) -> dict[str, Any]:
    """An OpenAI message with its `tool_calls` (and null content when it has no text besides them)."""
    if calls:
        message["content"] = message.get("content") or None
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    return message


def assistant_message(result: ChatResult) -> dict[str, Any]:
    """The answer's `message`: its text (null when it only calls tools) and its tool calls."""
    return with_tool_calls({"role": "assistant", "content": result.text, "refusal": None}, result.tool_calls)


def chat_completion(result: ChatResult, *, request_id: str, model: str, created: int) -> dict[str, Any]:
    """The OpenAI `chat.completion` object for one answer."""
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": assistant_message(result),
                "finish_reason": result.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": result.input_tokens,
            "completion_tokens": result.output_tokens,
            "total_tokens": result.input_tokens + result.output_tokens,
        },
        "system_fingerprint": None,
    }


def _vector(values: tuple[float, ...], as_base64: bool) -> list[float] | str:
    if not as_base64:
        return list(values)
    # OpenAI's base64 encoding: little-endian float32, what its SDK decodes.
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def embedding_list(result: EmbeddingResult, *, model: str, as_base64: bool) -> dict[str, Any]:
    """The OpenAI embeddings `list` object."""
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": index, "embedding": _vector(vector, as_base64)}
            for index, vector in enumerate(result.vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": result.input_tokens, "total_tokens": result.input_tokens},
    }


def model_list(entries: tuple[ModelEntry, ...]) -> dict[str, Any]:
    """Return the OpenAI `GET /v1/models` body for `entries`."""
    return {"object": "list", "data": [entry.to_openai() for entry in entries]}
