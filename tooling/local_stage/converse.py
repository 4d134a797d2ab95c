"""A local stand-in for Bedrock's Converse API, so the direct Bedrock route's templates run end to end.

It takes what the deployed request template rendered (a Converse request body, the
model id the template chose) and answers in Converse's wire format, so that the
deployed response template parses a real Converse answer:

- with an OpenAI-compatible provider on 127.0.0.1 (`--bedrock-provider-url`, the
  provider `envs/local` serves `local-echo` from), the request is translated to a chat
  completion, sent there, and the provider's answer translated back (text, stop
  reason, token usage); the provider's failures become Bedrock's statuses;
- without one, it answers deterministically: the last user text echoed back, with
  token counts of whitespace-separated words.

The role API Gateway assumes may invoke only the catalog's Bedrock models: the request
template's refusal target (`contract.routes.REFUSED_TARGET`) answers as Bedrock does for a model the role
may not invoke (403 AccessDeniedException); a body that is not a Converse request is a
400 ValidationException.
"""

from __future__ import annotations

import json
from typing import Any

from contract.routes import REFUSED_TARGET
from tooling.local_stage.direct import Service, post

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "guardrail_intervened",
}


def _error(status: int, kind: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"__type": kind, "message": message}).encode()


def _text(blocks: list[dict[str, Any]]) -> str:
    return "".join(str(block.get("text", "")) for block in blocks if isinstance(block, dict))


def chat_request(model_id: str, converse: dict[str, Any]) -> dict[str, Any]:
    """The Converse request as an OpenAI chat completion request."""
    messages = [{"role": "system", "content": _text(converse.get("system") or [])}] if converse.get("system") else []
    messages += [{"role": m["role"], "content": _text(m.get("content") or [])} for m in converse["messages"]]
    config = converse.get("inferenceConfig") or {}
    request: dict[str, Any] = {"model": model_id, "messages": messages}
    for ours, theirs in (("maxTokens", "max_tokens"), ("temperature", "temperature"), ("topP", "top_p"),
                         ("stopSequences", "stop")):  # fmt: skip
        if ours in config:
            request[theirs] = config[ours]
    return request


def converse_answer(text: str, stop_reason: str, input_tokens: int, output_tokens: int) -> bytes:
    return json.dumps({
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens,
                  "totalTokens": input_tokens + output_tokens},
        "metrics": {"latencyMs": 0},
    }).encode()  # fmt: skip


def _from_provider(provider_url: str, model_id: str, converse: dict[str, Any]) -> tuple[int, bytes]:
    body = json.dumps(chat_request(model_id, converse)).encode()
    status, answer = post(f"{provider_url.rstrip('/')}/chat/completions", body, "application/json")
    if status == 429:
        return _error(429, "ThrottlingException", "Too many requests, please wait before trying again.")
    if status >= 500:
        return _error(500, "InternalServerException", "The server encountered an internal error.")
    if status >= 400:
        return _error(400, "ValidationException", "The provided request is not valid.")
    try:
        document = json.loads(answer)
        choice = document["choices"][0]
        usage = document.get("usage") or {}
        text = str(choice["message"].get("content") or "")
        reason = STOP_REASONS.get(str(choice.get("finish_reason")), "end_turn")
        return 200, converse_answer(text, reason, int(usage.get("prompt_tokens", 0)),
                                    int(usage.get("completion_tokens", 0)))  # fmt: skip
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return _error(500, "InternalServerException", "The model returned an answer that could not be read.")


def _echo(converse: dict[str, Any]) -> tuple[int, bytes]:
    said = [_text(m.get("content") or []) for m in converse["messages"] if m.get("role") == "user"]
    prompt_words = len(_text(converse.get("system") or []).split()) + sum(len(s.split()) for s in said)
    text = said[-1] if said else ""
    return 200, converse_answer(text, "end_turn", prompt_words, len(text.split()))


def converse_service(provider_url: str | None) -> Service:
    """The Converse stand-in: backed by `provider_url` when given, else the deterministic echo."""

    def converse(model_id: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        if model_id in ("", REFUSED_TARGET):
            return _error(
                403, "AccessDeniedException", "You don't have access to the model with the specified model ID."
            )
        try:
            request = json.loads(body)
            if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
                raise ValueError("no messages")
        except ValueError:
            return _error(400, "ValidationException", "The provided request is not valid.")
        return _from_provider(provider_url, model_id, request) if provider_url else _echo(request)

    return converse
