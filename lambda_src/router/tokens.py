"""Token bounds: counts the router is sure no tokenizer exceeds, for reservations and for backends that report none.

Why a text's UTF-8 length (+1) bounds its tokens for every script: byte-level BPE
tokenizers (GPT, Llama 3, Claude, Titan, Mistral's tekken) emit at least one byte per
token; SentencePiece with byte fallback (Llama 2, Mistral v1-v3) emits at most one
token per byte of each character plus one word-start marker, and its space marker
replaces a one-byte space. Tokenizers that NFKC-normalize first can lengthen a text
(U+FDFA becomes 18 characters), so the bound is taken on the longer of the text and
its NFKC form. Chat templates add framing tokens per message and per request; the
overheads below are above every template in use (Llama 3: 5 per message, Claude: 4,
OpenAI: 4 + 3). The bound is several times a typical count for English (about 4
bytes per token): a reservation is held, then settled to the real count.

Tools, tool calls and structured output count as the JSON text the model is shown,
plus the system prompt a provider adds when tools are offered (Anthropic's is under
400 tokens). An image counts a fixed bound: providers scale images down before
they tokenize them (Claude to at most about 1,600 tokens, Nova and Llama's tiles
to fewer than the bound).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from router.chat import ChatRequest, ChatResult

# Framing tokens a chat template adds per message and per request (above any template in use).
MESSAGE_OVERHEAD_TOKENS = 8
REQUEST_OVERHEAD_TOKENS = 16
# The output a chat request reserves and sends as its cap when the client sets none.
DEFAULT_MAX_OUTPUT_TOKENS = 1024
# What one image may cost, and the tool-use system prompt a provider adds when tools are offered.
IMAGE_TOKEN_BOUND = 8192
TOOLS_OVERHEAD_TOKENS = 1024


def text_bound(text: str) -> int:
    """At most this many tokens for `text` in any tokenizer (its UTF-8 bytes, NFKC-expanded, plus one)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if not text.isascii():  # ASCII is NFKC-stable; only other text can grow
        size = max(size, len(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")))
    return size + 1


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def chat_input_bound(request: ChatRequest) -> int:
    """At most this many input tokens for `request`: every message (the system text, tool calls and
    results, images included), the tools offered and the answer's schema."""
    texts = [*([request.system] if request.system else []), *(m.content for m in request.messages)]
    bound = REQUEST_OVERHEAD_TOKENS + sum(text_bound(t) + MESSAGE_OVERHEAD_TOKENS for t in texts)
    for message in request.messages:
        bound += IMAGE_TOKEN_BOUND * len(message.images) + sum(
            text_bound(c.id + c.name + c.arguments) + MESSAGE_OVERHEAD_TOKENS for c in message.tool_calls
        )
        if message.tool_call_id:
            bound += text_bound(message.tool_call_id)
    if request.tools or request.response_format is not None:
        bound += TOOLS_OVERHEAD_TOKENS + sum(
            text_bound(_json([t.name, t.description, t.parameters])) + MESSAGE_OVERHEAD_TOKENS for t in request.tools
        )
    if request.response_format is not None:
        bound += text_bound(_json([request.response_format.name, request.response_format.schema]))
    return bound


def answer_bound(result: ChatResult) -> int:
    """At most this many output tokens for an answer (its text and its tool calls)."""
    return text_bound(result.text) + sum(text_bound(c.name + c.arguments) + 4 for c in result.tool_calls)


def inputs_bound(texts: Iterable[str]) -> int:
    """At most this many tokens for embedding `texts` (one request overhead for the batch)."""
    return REQUEST_OVERHEAD_TOKENS + sum(text_bound(t) for t in texts)
