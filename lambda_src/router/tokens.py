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
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from router.chat import ChatRequest

# Framing tokens a chat template adds per message and per request (above any template in use).
MESSAGE_OVERHEAD_TOKENS = 8
REQUEST_OVERHEAD_TOKENS = 16
# The output a chat request reserves and sends as its cap when the client sets none.
DEFAULT_MAX_OUTPUT_TOKENS = 1024


def text_bound(text: str) -> int:
    """At most this many tokens for `text` in any tokenizer (its UTF-8 bytes, NFKC-expanded, plus one)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if not text.isascii():  # ASCII is NFKC-stable; only other text can grow
        size = max(size, len(unicodedata.normalize("NFKC", text).encode("utf-8", "surrogatepass")))
    return size + 1


def chat_input_bound(request: ChatRequest) -> int:
    """At most this many input tokens for `request` (every message, the system text included)."""
    texts = [*([request.system] if request.system else []), *(m.content for m in request.messages)]
    return REQUEST_OVERHEAD_TOKENS + sum(text_bound(t) + MESSAGE_OVERHEAD_TOKENS for t in texts)


def inputs_bound(texts: Iterable[str]) -> int:
    """At most this many tokens for embedding `texts` (one request overhead for the batch)."""
    return REQUEST_OVERHEAD_TOKENS + sum(text_bound(t) for t in texts)
