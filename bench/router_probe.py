"""Run inside a fresh interpreter by bench/run.py: time the router's import and its requests.

Requests go through the whole handler (event parsing, validation, routing, the
resilient caller, rendering, the request log line and the EMF usage record) with a
backend that answers at once, so the figures are the gateway's own overhead.
Prints one JSON object on the last line of stderr. stdout carries the router's logs
and metrics (JSON lines) and is discarded by the caller.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator

started = time.perf_counter()
import router.handler as handler_module  # noqa: E402

import_seconds = time.perf_counter() - started

from router.backends.registry import Backends  # noqa: E402
from router.chat import ChatRequest, ChatResult  # noqa: E402
from router.embeddings import EmbeddingRequest, EmbeddingResult  # noqa: E402
from router.streaming.events import Delta, Finish  # noqa: E402

# bench/run.py names the catalog's aliases to call and what the tenant may use.
TENANT = {"tenant_id": "bench", "tier": "premium", "allowed_models": os.environ["BENCH_ALLOWED_MODELS"]}


class Context:
    aws_request_id = "bench"
    function_name = "bench-router"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-router"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class ZeroLatencyBackend:
    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        return ChatResult("Hello! How can I help you today?", "stop", 25, 9)

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        return EmbeddingResult(tuple((0.1,) * 256 for _ in request.inputs), 8)


class SlowStreamingProvider:
    """Streams `pieces` deltas, the first after `first_token_seconds`; records when it made its first token."""

    def __init__(self, first_token_seconds: float, pieces: int) -> None:
        self.first_token_seconds, self.pieces = first_token_seconds, pieces
        self.called_at = self.first_token_at = 0.0

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        raise NotImplementedError

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        raise NotImplementedError

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[Delta | Finish]:
        self.called_at = time.perf_counter()
        if self.first_token_seconds:
            time.sleep(self.first_token_seconds)
        self.first_token_at = time.perf_counter()
        # A first piece longer than the guardrails' window (512 characters): it leaves at once, screened.
        yield Delta(text="Here is the answer you asked for. " * 18)
        for _ in range(self.pieces):
            yield Delta(text="token ")
        yield Finish("stop", 25, self.pieces)


def event(path: str, method: str, body: object | None) -> dict[str, object]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "body": None if body is None else json.dumps(body),
        "requestContext": {"requestId": "bench-request", "authorizer": TENANT},
    }


CHAT = {
    "model": os.environ["BENCH_CHAT_ALIAS"],
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello in one short sentence."},
    ],
    "temperature": 0.2,
    "max_tokens": 64,
    "user": "bench-user",
}
# A registered prompt on a 4 KB document, through the prompt route (rendering included).
DOCUMENT = ("Quarterly revenue rose four percent on stronger subscriptions. " * 70)[:4096]
PROMPT = {"label": "production", "user": "bench-user", "variables": {"document": DOCUMENT, "bullets": 4}}
PROMPT_EVENT = {
    **event("/v1/prompts/summarize", "POST", PROMPT),
    "resource": "/v1/prompts/{promptName}",
    "pathParameters": {"promptName": "summarize"},
}
TOOLS = [
    {"type": "function", "function": {"name": f"tool_{i}", "description": "Look something up.",
                                      "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}
    for i in range(3)
]  # fmt: skip
CASES = {
    "models": event("/v1/models", "GET", None),
    "chat": event("/v1/chat/completions", "POST", CHAT),
    "chat_tools": event("/v1/chat/completions", "POST", {**CHAT, "tools": TOOLS, "tool_choice": "auto"}),
    "prompt": PROMPT_EVENT,
    "embeddings": event(
        "/v1/embeddings", "POST", {"model": os.environ["BENCH_EMBED_ALIAS"], "input": ["one text", "another text"]}
    ),
}


def measure(case: dict[str, object], requests: int, context: Context) -> dict[str, float]:
    samples = []
    for _ in range(requests):
        begin = time.perf_counter()
        response = handler_module.handler(case, context)  # type: ignore[arg-type]
        samples.append(time.perf_counter() - begin)
        if response["statusCode"] != 200:
            raise SystemExit(f"bench request failed: {response['body']}")
    return quantiles(samples)


def quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    return {"p50_seconds": quantile(0.50), "p99_seconds": quantile(0.99)}


def measure_rendering(requests: int) -> dict[str, float]:
    """Resolving the prompt alone: schema check of its variables, label choice and sandboxed rendering."""
    from router.api.parse import parse_prompt_call
    from router.prompts.resolve import resolve

    registry = handler_module.SETTINGS.get().prompts
    parsed = parse_prompt_call("summarize", PROMPT)
    samples = []
    for _ in range(requests):
        begin = time.perf_counter()
        resolve(registry, parsed, "bench-request")
        samples.append(time.perf_counter() - begin)
    return quantiles(samples)


def measure_stream(requests: int, context: Context, first_token_seconds: float, pieces: int) -> dict[str, object]:
    """Through the streaming entry point, default guardrails on: the time to the first content chunk the gateway
    adds over the provider's own (its first token's time from its call), and the time per further chunk (each
    one a window of the PII scan)."""
    _, service = handler_module.model_service()
    provider = SlowStreamingProvider(first_token_seconds, pieces)
    service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: provider))
    stream_event = event("/v1/chat/completions", "POST", {**CHAT, "stream": True})
    added, per_chunk = [], []
    for _ in range(requests):
        writes: list[float] = []

        def record(_data: bytes, into: list[float] = writes) -> None:
            into.append(time.perf_counter())

        begin = time.perf_counter()
        handler_module.stream_handler(stream_event, context, record)  # type: ignore[arg-type]
        # Writes: the prelude, the role chunk, then one per piece: the first piece is writes[2].
        first_content = writes[2]
        added.append((first_content - begin) - (provider.first_token_at - provider.called_at))
        per_chunk.append((writes[-1] - first_content) / max(1, len(writes) - 3))
    return {"ttfb_added": quantiles(added), "per_chunk": quantiles(per_chunk)}


def main() -> None:
    # `first`: answer one chat request and stop (bench/run.py times the process to that answer).
    first_only = len(sys.argv) > 1 and sys.argv[1] == "first"
    requests = 0 if first_only or len(sys.argv) < 2 else int(sys.argv[1])
    context = Context()
    result: dict[str, object] = {"import_seconds": import_seconds}
    if requests or first_only:
        # The first model request imports and builds the model pipeline (unless a provisioned init did).
        begin = time.perf_counter()
        _, service = handler_module.model_service()
        stub = ZeroLatencyBackend()
        service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: stub))
        measure(CASES["chat"], 1, context)
        result["first_chat_seconds"] = time.perf_counter() - begin
        result["answered_at"] = time.time()
        for name, case in CASES.items():
            result[name] = measure(case, requests, context)
        result["render"] = measure_rendering(requests)
        stream_requests = max(1, requests // 10)
        result["stream_fast"] = measure_stream(stream_requests, context, 0.0, 50)
        result["stream_slow"] = measure_stream(max(1, stream_requests // 10), context, 0.02, 50)
    print(json.dumps(result), file=sys.stderr)


main()
