"""OpenAI wire shapes that several backends speak (HTTP providers, SageMaker `openai` containers)."""

from __future__ import annotations

import contextlib
from typing import Any

from router.backends.errors import BackendError
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.tokens import estimate_tokens


def vector_of(value: Any, source: str) -> tuple[float, ...]:
    """One embedding vector, or a BackendError when the provider sent something else."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise BackendError("unavailable", f"{source} answered an embedding that is not a list of numbers")
    return tuple(float(x) for x in value)


def openai_chat_body(request: ChatRequest, model_id: str) -> dict[str, Any]:
    messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
        {"role": m.role, "content": m.content} for m in request.messages
    ]
    body: dict[str, Any] = {"model": model_id, "messages": messages}
    for name, value in (
        ("temperature", request.temperature),
        ("top_p", request.top_p),
        ("max_tokens", request.max_tokens),
        ("stop", list(request.stop) or None),
        ("user", request.user),
    ):
        if value is not None:
            body[name] = value
    return body


def _usage(answer: dict[str, Any]) -> tuple[int, int]:
    usage = answer.get("usage")
    if not isinstance(usage, dict):
        return 0, 0
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def chat_result_from_openai(answer: Any, source: str) -> ChatResult:
    """A `chat.completion` object as a ChatResult; a wrong shape still reports the tokens it billed."""
    try:
        choice = answer["choices"][0]
        input_tokens, output_tokens = _usage(answer)
        return ChatResult(
            text=str(choice["message"].get("content") or ""),
            finish_reason=str(choice.get("finish_reason") or "stop"),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        consumed = 0
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            consumed = sum(_usage(answer))
        raise BackendError("unavailable", f"{source} answered an unexpected shape", consumed_tokens=consumed) from None


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
    usage = answer.get("usage")
    tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    if isinstance(tokens, bool) or not isinstance(tokens, int):
        tokens = sum(estimate_tokens(t) for t in request.inputs)
    return EmbeddingResult(vectors, tokens)
