"""OpenAI wire shapes that several backends speak (HTTP providers, SageMaker `openai` containers)."""

from __future__ import annotations

import math
from typing import Any

from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.tokens import chat_input_bound, inputs_bound, text_bound
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
        finish_reason = str(choice.get("finish_reason") or "stop")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        reported = _usage(answer)
        consumed = None if None in reported else sum(r or 0 for r in reported)
        raise BackendError("unavailable", f"{source} answered an unexpected shape", consumed_tokens=consumed) from None
    input_tokens, output_tokens = _usage(answer)
    return ChatResult(
        text=text,
        finish_reason=finish_reason,
        input_tokens=chat_input_bound(request) if input_tokens is None else input_tokens,
        output_tokens=text_bound(text) if output_tokens is None else output_tokens,
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
