"""`stream: true` through the official OpenAI SDK: text and tool-call deltas reassembled by the SDK itself,
the usage chunk, refusals before the stream, and budgets counted for streamed answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import openai
import pytest
from moto import mock_aws
from openai import OpenAI

from router.chat import ChatRequest, ChatResult, ToolCall
from router.streaming.events import Delta, Finish, StreamEvent
from tests.support.http import running
from tests.support.router_harness import MODELS, Router, build_router, create_table
from tests.support.sdk_stage import stage_server

HAIKU = str(MODELS["haiku"]["model_id"])
BUDGETS = "aigw-test-budgets"
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
HELLO = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> Iterator[tuple[OpenAI, Router, Any]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, BUDGETS)
        router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": BUDGETS}, dynamodb=dynamodb)
        with running(stage_server(router, daily="1000000")) as base:
            client = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key", max_retries=0, timeout=10)
            yield client, router, dynamodb
            client.close()


def test_a_streamed_answer_is_reassembled_by_the_sdk(sdk: tuple[OpenAI, Router, Any]) -> None:
    client, router, _ = sdk
    router.backend.scripts[HAIKU] = [ChatResult("Bonjour, le monde.", "stop", 11, 6)]
    with client.chat.completions.stream(model="haiku", messages=HELLO, stream_options={"include_usage": True}) as s:
        kinds = [e.type for e in s]
        final = s.get_final_completion()
    assert final.choices[0].message.content == "Bonjour, le monde."
    assert final.choices[0].finish_reason == "stop"
    assert final.usage is not None and (final.usage.prompt_tokens, final.usage.completion_tokens) == (11, 6)
    assert "content.delta" in kinds and "chunk" in kinds


def test_raw_chunks_follow_openais_order(sdk: tuple[OpenAI, Router, Any]) -> None:
    client, router, _ = sdk
    router.backend.scripts[HAIKU] = [ChatResult("Hi!", "stop", 3, 2)]
    response = client.chat.completions.with_raw_response.create(model="haiku", messages=HELLO, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-aigw-model"] == "haiku"
    chunks = list(response.parse())
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hi!"
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    assert all(c.usage is None for c in chunks), "no usage chunk unless include_usage"
    assert len({c.id for c in chunks}) == 1


def test_streamed_tool_calls_are_reassembled_by_the_sdk(sdk: tuple[OpenAI, Router, Any]) -> None:
    client, router, _ = sdk
    calls = (ToolCall("c1", "get_weather", '{"city":"Oslo"}'), ToolCall("c2", "get_weather", '{"city":"Rome"}'))
    router.backend.scripts[HAIKU] = [ChatResult("", "tool_calls", 20, 14, calls)]
    with client.chat.completions.stream(model="haiku", messages=HELLO, tools=[WEATHER]) as s:  # type: ignore[list-item]
        final = s.get_final_completion()
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []] == [
        ("c1", "get_weather", {"city": "Oslo"}), ("c2", "get_weather", {"city": "Rome"}),
    ]  # fmt: skip


def test_a_refusal_comes_before_the_stream_as_the_sdk_error(sdk: tuple[OpenAI, Router, Any]) -> None:
    client, _, _ = sdk
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-9", messages=HELLO, stream=True)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="haiku", messages=HELLO, stream=True, stream_options={"x": True})  # type: ignore[typeddict-unknown-key]
    assert isinstance(refused.value.body, dict) and refused.value.body["param"] == "stream_options"


def test_streamed_answers_are_counted_against_the_budget(sdk: tuple[OpenAI, Router, Any]) -> None:
    from datetime import UTC, datetime

    from router.pipeline.budgets import DynamoBudgets

    client, router, dynamodb = sdk
    router.backend.scripts[HAIKU] = [ChatResult("One.", "stop", 40, 2), ChatResult("Two.", "stop", 50, 3)]
    for _ in range(2):
        with client.chat.completions.stream(model="haiku", messages=HELLO) as s:
            s.get_final_completion()
    now = datetime.fromtimestamp(router.clock.now, UTC)
    assert DynamoBudgets(BUDGETS, dynamodb).used("acme", "day", now) == 95


class SplittingProvider:
    """Streams an answer that quotes the prompt's masked email and a card number of its own, split mid-entity."""

    def __init__(self) -> None:
        self.seen: list[ChatRequest] = []

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[StreamEvent]:
        self.seen.append(request)
        placeholder = request.messages[0].content.split()[-1]
        answer = f"I will write to {placeholder}. Your card 4111 1111 1111 1111 is on file. " + "More. " * 120
        for start in range(0, len(answer), 7):
            yield Delta(text=answer[start : start + 7])
        yield Finish("stop", 30, 200)

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        raise AssertionError("streamed only")


def test_the_default_guardrails_screen_a_stream_as_it_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    from contract.guardrails import DEFAULT_GUARDRAILS
    from router.backends.registry import Backends
    from tests.support.router_harness import proxy_event

    router = build_router(monkeypatch, guardrails=DEFAULT_GUARDRAILS)
    provider = SplittingProvider()
    router.service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: provider))
    body = {"model": "haiku", "stream": True, "messages": [{"role": "user", "content": "Mail ada@example.com"}]}
    writes: list[bytes] = []
    router.module.stream_handler(proxy_event("/v1/chat/completions", body), None, writes.append)
    assert "ada@example.com" not in provider.seen[0].messages[0].content, "the model saw the masked prompt"
    events = [e for e in b"".join(writes).split(b"\x00" * 8, 1)[1].decode().split("\n\n") if e]
    text = "".join(
        json.loads(e[6:])["choices"][0]["delta"].get("content") or "" for e in events if e.startswith("data: {")
    )
    assert "I will write to ada@example.com." in text, "the prompt's value is restored"
    assert "4111" not in text and "<CREDIT_CARD_1>" in text
    assert len(writes) > 4, "pieces left before the answer ended"
    assert events[-1] == "data: [DONE]"
