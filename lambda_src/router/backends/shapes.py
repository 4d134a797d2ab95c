"""OpenAI wire shapes that several backends speak (HTTP providers, SageMaker `openai` containers)."""

from __future__ import annotations

import base64
import math
from dataclasses import replace
from typing import Any

from router.api.render import with_tool_calls
from router.chat import ChatMessage, ChatRequest, ChatResult, ImagePart, ToolCall
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.tokens import answer_bound, chat_input_bound, inputs_bound
from shared.backend_errors import BackendError


def vector_of(value: Any, source: str) -> tuple[float, ...]:
    """One embedding vector, or a BackendError when the provider sent something else."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise BackendError("unavailable", f"{source} answered an embedding that is not a list of numbers")
    return tuple(float(x) for x in value)


def _openai_message(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    content: str | list[dict[str, Any]] = message.content
    if message.images:
        content = [
            *({"type": "image_url", "image_url": {"url": data_url(i)}} for i in message.images),
            *([{"type": "text", "text": message.content}] if message.content else []),
        ]
    return with_tool_calls({"role": message.role, "content": content}, message.tool_calls)


def data_url(image: ImagePart) -> str:
    return f"data:image/{image.format};base64," + base64.b64encode(image.data).decode("ascii")


def _tools(request: ChatRequest) -> dict[str, Any]:
    """OpenAI's tool and format parameters, as the client sent them (after validation)."""
    body: dict[str, Any] = {}
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    **({"description": t.description} if t.description is not None else {}),
                    "parameters": t.parameters,
                    **({"strict": True} if t.strict else {}),
                },
            }
            for t in request.tools
        ]
    choice = request.tool_choice
    if choice is not None:
        named = {"type": "function", "function": {"name": choice.name}}
        body["tool_choice"] = named if choice.mode == "function" else choice.mode
    if request.parallel_tool_calls is not None and request.tools:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    fmt = request.response_format
    if fmt is not None and fmt.type == "json_object":
        body["response_format"] = {"type": "json_object"}
    elif fmt is not None:
        schema = {"name": fmt.name, "schema": fmt.schema, **({"strict": True} if fmt.strict else {})}
        body["response_format"] = {"type": "json_schema", "json_schema": schema}
    return body


def openai_chat_body(request: ChatRequest, model_id: str) -> dict[str, Any]:
    messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
        _openai_message(m) for m in request.messages
    ]
    body: dict[str, Any] = {"model": model_id, "messages": messages, **_tools(request)}
    for name, value in (
        ("temperature", request.temperature),
        ("top_p", request.top_p),
        ("max_tokens", request.max_tokens),
        ("stop", list(request.stop) or None),
        ("user", request.user),
        ("seed", request.seed),
    ):
        if value is not None:
            body[name] = value
    return body


def tool_calls_of(raw: Any) -> tuple[ToolCall, ...]:
    """An OpenAI message's `tool_calls` (malformed entries are a wrong shape)."""
    if raw is None:
        return ()
    calls = []
    for call in raw:
        function = call["function"]
        arguments = function.get("arguments")
        calls.append(
            ToolCall(str(call["id"]), str(function["name"]), arguments if isinstance(arguments, str) else "{}")
        )
    return tuple(calls)


def _count(value: Any) -> int | None:
    """A token count as a provider reports it: a whole number, 0 or more; anything else is no count."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        return None
    return int(value) if float(value).is_integer() else None


def _usage(answer: Any) -> tuple[int | None, int | None]:
    usage = answer.get("usage") if isinstance(answer, dict) else None
    if not isinstance(usage, dict):
        return None, None
    return _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))


def chat_result_from_openai(answer: Any, request: ChatRequest, source: str) -> ChatResult:
    """A `chat.completion` object as a ChatResult; counts the provider left out are bounded from the texts.

    A wrong shape still reports the tokens it billed, when it says (else the attempt's
    allowance is charged: see BackendError.charge).
    """
    try:
        choice = answer["choices"][0]
        text = str(choice["message"].get("content") or "")
        calls = tool_calls_of(choice["message"].get("tool_calls"))
        finish_reason = str(choice.get("finish_reason") or "stop")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        reported = _usage(answer)
        consumed = None if None in reported else sum(r or 0 for r in reported)
        raise BackendError("unavailable", f"{source} answered an unexpected shape", consumed_tokens=consumed) from None
    input_tokens, output_tokens = _usage(answer)
    result = ChatResult(text, finish_reason, 0, 0, calls)
    return replace(
        result,
        input_tokens=chat_input_bound(request) if input_tokens is None else input_tokens,
        output_tokens=answer_bound(result) if output_tokens is None else output_tokens,
    )


def openai_embedding_body(request: EmbeddingRequest, model_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model_id, "input": list(request.inputs), "encoding_format": "float"}
    if request.dimensions is not None:
        body["dimensions"] = request.dimensions
    if request.user is not None:
        body["user"] = request.user
    return body


def embedding_result_from_openai(answer: Any, request: EmbeddingRequest, source: str) -> EmbeddingResult:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list) or len(data) != len(request.inputs):
        raise BackendError("unavailable", f"{source} answered an unexpected embeddings shape")
    ordered = sorted(data, key=lambda d: d.get("index", 0) if isinstance(d, dict) else 0)
    vectors = tuple(vector_of(d.get("embedding") if isinstance(d, dict) else None, source) for d in ordered)
    tokens, _ = _usage(answer)
    return EmbeddingResult(vectors, inputs_bound(request.inputs) if tokens is None else tokens)
