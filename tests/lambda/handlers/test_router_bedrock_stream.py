"""`stream: true` on Bedrock: ConverseStream's event stream (binary, as botocore parses it) relayed as OpenAI
chunks, with the SDK reassembling them; hostile streams end cleanly; budgets exact for completed, cut and
budget-stopped streams, also under concurrency."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import openai
import pytest
from botocore.stub import ANY
from moto import mock_aws
from openai import OpenAI

from router.backends.bedrock import BedrockAdapter
from router.backends.registry import Backends
from router.chat import ChatMessage, ChatRequest, ChatResult
from router.pipeline.budgets import DynamoBudgets
from router.tokens import chat_input_bound
from tests.support.event_stream import EventStreamStubber, event, event_stream, exception
from tests.support.http import running
from tests.support.router_harness import MODELS, Router, build_router, create_table, threads
from tests.support.sdk_stage import stage_server

HAIKU = str(MODELS["haiku"]["model_id"])
BUDGETS = "aigw-test-budgets"
HELLO = [{"role": "user", "content": "Hi"}]
DAILY = 100_000


def text_events(*pieces: str, stop: str = "end_turn", usage: tuple[int, int] | None = (9, 4)) -> bytes:
    data = event("messageStart", {"role": "assistant"})
    data += b"".join(event("contentBlockDelta", {"delta": {"text": p}, "contentBlockIndex": 0}) for p in pieces)
    data += event("contentBlockStop", {"contentBlockIndex": 0}) + event("messageStop", {"stopReason": stop})
    if usage is not None:
        counts = {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}
        data += event("metadata", {"usage": counts, "metrics": {"latencyMs": 5}})
    return data


class Stage:
    def __init__(self, client: OpenAI, router: Router, stubber: EventStreamStubber, bedrock: Any, db: Any) -> None:
        self.client, self.router, self.stubber, self.bedrock, self.dynamodb = client, router, stubber, bedrock, db

    def stream(self, data: bytes, **expected: Any) -> None:
        """The next ConverseStream call must carry `expected` (other keys: anything) and streams `data`."""
        response = {"stream": event_stream(self.bedrock, "ConverseStream", "stream", data)}
        params = {"modelId": HAIKU, "messages": ANY, "inferenceConfig": ANY, **expected}
        self.stubber.add_response("converse_stream", response, params)

    def used(self) -> int:
        now = datetime.fromtimestamp(self.router.clock.now, UTC)
        return DynamoBudgets(BUDGETS, self.dynamodb).used("acme", "day", now)


def make_stage(monkeypatch: pytest.MonkeyPatch, daily: int) -> Iterator[Stage]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, BUDGETS)
        router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": BUDGETS}, dynamodb=dynamodb)
        bedrock: Any = boto3.client(
            "bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        adapter = BedrockAdapter(lambda _service, _timeout: bedrock)
        router.service.backends = Backends(
            dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: adapter)
        )
        with EventStreamStubber(bedrock) as stubber, running(stage_server(router, daily=str(daily))) as base:
            client = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key", max_retries=0, timeout=10)
            yield Stage(client, router, stubber, bedrock, dynamodb)
            client.close()
            stubber.assert_no_pending_responses()


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> Iterator[Stage]:
    yield from make_stage(monkeypatch, DAILY)


def test_text_arrives_in_pieces_and_the_streams_own_usage_is_charged(stage: Stage) -> None:
    stage.stream(text_events("Bon", "jour", ", le ", "monde."))
    response = stage.client.chat.completions.create(
        model="haiku", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(response)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert pieces == ["Bon", "jour", ", le ", "monde."]
    assert chunks[-1].usage is not None and (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (
        9, 4,
    )  # fmt: skip
    assert stage.used() == 13, "the stream's own counts are charged, never 0"


def test_tool_call_deltas_stream_and_the_sdk_reassembles_them(stage: Stage) -> None:
    data = event("messageStart", {"role": "assistant"})
    data += event("contentBlockDelta", {"delta": {"text": "Looking."}, "contentBlockIndex": 0})
    data += event("contentBlockStart", {"start": {"toolUse": {"toolUseId": "t1", "name": "get_weather"}},
                                        "contentBlockIndex": 1})  # fmt: skip
    for piece in ('{"ci', 'ty": "Os', 'lo"}'):
        data += event("contentBlockDelta", {"delta": {"toolUse": {"input": piece}}, "contentBlockIndex": 1})
    data += event("contentBlockStop", {"contentBlockIndex": 1}) + event("messageStop", {"stopReason": "tool_use"})
    data += event("metadata", {"usage": {"inputTokens": 30, "outputTokens": 12, "totalTokens": 42}, "metrics": {}})
    stage.stream(data, toolConfig=ANY)
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    with stage.client.chat.completions.stream(model="haiku", messages=HELLO, tools=[tool]) as s:  # type: ignore[list-item]
        final = s.get_final_completion()
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    assert message.content == "Looking."
    calls = message.tool_calls or []
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("t1", "get_weather", {"city": "Oslo"})
    ]


def test_structured_output_streams_as_the_answers_json(stage: Stage) -> None:
    data = event("messageStart", {"role": "assistant"})
    data += event("contentBlockStart", {"start": {"toolUse": {"toolUseId": "t", "name": "city"}},
                                        "contentBlockIndex": 0})  # fmt: skip
    for piece in ('{"name": ', '"Oslo"}'):
        data += event("contentBlockDelta", {"delta": {"toolUse": {"input": piece}}, "contentBlockIndex": 0})
    data += event("messageStop", {"stopReason": "tool_use"})
    data += event("metadata", {"usage": {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10}, "metrics": {}})
    stage.stream(data, toolConfig=ANY)
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    chunks = list(stage.client.chat.completions.create(
        model="haiku", messages=HELLO, stream=True,
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}},
    ))  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert json.loads(text) == {"name": "Oslo"}
    assert chunks[-1].choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    "tail",
    [
        exception("modelStreamErrorException", "the model failed mid-way"),
        b"",  # cut: no messageStop
        b"\x00\x00\x00\x10garbage-bytes",  # a garbled message
    ],
    ids=["exception-event", "cut", "garbled"],
)
def test_a_stream_that_fails_after_its_first_token_ends_with_an_error_event(stage: Stage, tail: bytes) -> None:
    data = event("messageStart", {"role": "assistant"})
    data += event("contentBlockDelta", {"delta": {"text": "Partial"}, "contentBlockIndex": 0}) + tail
    stage.stream(data)
    received: list[str] = []
    with pytest.raises(openai.APIError) as failed:
        for chunk in stage.client.chat.completions.create(model="haiku", messages=HELLO, stream=True, max_tokens=50):
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Partial"
    assert "request id" in str(failed.value.message)
    bound = chat_input_bound(ChatRequest((ChatMessage("user", "Hi"),)))
    assert stage.used() == bound + 50, "a cut stream is charged its whole grant (the provider may have billed it)"


def test_a_stream_that_fails_before_its_first_event_is_retried(stage: Stage) -> None:
    stage.stream(exception("throttlingException", "slow down"))
    stage.stream(text_events("ok"))
    answer = stage.client.chat.completions.create(model="haiku", messages=HELLO, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in answer) == "ok"


def test_a_stream_without_usage_is_charged_its_bounds(stage: Stage) -> None:
    stage.stream(text_events("four", usage=None))
    list(stage.client.chat.completions.create(model="haiku", messages=HELLO, stream=True))
    bound = chat_input_bound(ChatRequest((ChatMessage("user", "Hi"),)))
    assert stage.used() == bound + len("four") + 1


def budget_stopped_chat(client: OpenAI) -> tuple[str | None, dict[str, Any]]:
    last = list(client.chat.completions.create(model="haiku", messages=HELLO, stream=True, max_tokens=500))[-1]
    return last.choices[0].finish_reason, (last.model_extra or {}).get("aigw", {})


def budget_stopped_response(client: OpenAI) -> tuple[str | None, dict[str, Any]]:
    last: Any = list(client.responses.create(model="haiku", input="Hi", stream=True, max_output_tokens=500))[-1]
    assert last.type == "response.incomplete"
    return last.response.incomplete_details.reason, (last.response.model_extra or {}).get("aigw", {})


@pytest.mark.parametrize(
    ("ask", "stop"),
    [(budget_stopped_chat, "length"), (budget_stopped_response, "max_output_tokens")],
    ids=["chat", "responses"],
)
def test_a_stream_is_stopped_at_the_budget_with_length_and_a_note(
    monkeypatch: pytest.MonkeyPatch, aws_credentials: None, ask: Any, stop: str
) -> None:
    bound = chat_input_bound(ChatRequest((ChatMessage("user", "Hi"),)))
    for stage in make_stage(monkeypatch, bound + 20):
        # The budget has room for 20 output tokens: the model is sent exactly that cap.
        stage.stream(text_events("a" * 20, stop="max_tokens", usage=(bound - 5, 20)),
                     inferenceConfig={"maxTokens": 20})  # fmt: skip
        reason, note = ask(stage.client)
        assert reason == stop and note.get("stop") == "token_budget"
        assert stage.used() == bound + 15 <= bound + 20
        with pytest.raises(openai.RateLimitError):
            stage.client.chat.completions.create(model="haiku", messages=HELLO, stream=True)


class FullCapBackend:
    """Answers with every output token it is allowed (the worst case for a budget)."""

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        return ChatResult("x", "length", chat_input_bound(request), request.max_tokens or 0)


def test_concurrent_streams_never_pass_the_budget_and_are_counted_exactly(
    monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    from tests.conftest import FakeLambdaContext
    from tests.support.router_harness import proxy_event

    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, BUDGETS)
        router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": BUDGETS}, dynamodb=dynamodb)
        backend = FullCapBackend()
        router.service.backends = Backends(
            dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: backend)
        )
        limit = 1000
        body = {
            "model": "haiku",
            "messages": HELLO,
            "stream": True,
            "max_tokens": 200,
            "stream_options": {"include_usage": True},
        }

        def one(index: int) -> dict[str, Any]:
            event_ = proxy_event("/v1/chat/completions", body, daily=str(limit), request_id=f"r{index}")
            return router.module.handler(event_, FakeLambdaContext())  # type: ignore[no-any-return]

        with threads(12, one) as responses:
            served = [r for r in responses if r["statusCode"] == 200]
        charged = 0
        for response in served:
            lines = [line for line in response["body"].split("\n\n") if line.startswith("data: {")]
            usage = json.loads(lines[-1][6:])["usage"]
            charged += usage["total_tokens"]
        now = datetime.fromtimestamp(router.clock.now, UTC)
        used = DynamoBudgets(BUDGETS, dynamodb).used("acme", "day", now)
    assert used == charged <= limit
    assert {r["statusCode"] for r in responses} <= {200, 429}
    assert len(served) >= 4, "a stream takes what room is left instead of being refused"


def tool_events(text: str, arguments: tuple[str, ...], usage: tuple[int, int] = (30, 12)) -> bytes:
    data = event("messageStart", {"role": "assistant"})
    data += event("contentBlockDelta", {"delta": {"text": text}, "contentBlockIndex": 0})
    data += event("contentBlockStart", {"start": {"toolUse": {"toolUseId": "t1", "name": "get_weather"}},
                                        "contentBlockIndex": 1})  # fmt: skip
    for piece in arguments:
        data += event("contentBlockDelta", {"delta": {"toolUse": {"input": piece}}, "contentBlockIndex": 1})
    data += event("contentBlockStop", {"contentBlockIndex": 1}) + event("messageStop", {"stopReason": "tool_use"})
    counts = {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}
    return data + event("metadata", {"usage": counts, "metrics": {}})


WEATHER_TOOL = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}


def test_a_streamed_response_is_reassembled_by_the_sdks_response_stream(stage: Stage) -> None:
    stage.stream(tool_events("Looking.", ('{"ci', 'ty": "Os', 'lo"}')), toolConfig=ANY)
    deltas: list[str] = []
    with stage.client.responses.stream(model="haiku", input="Weather in Oslo?", tools=[WEATHER_TOOL]) as stream:  # type: ignore[list-item]
        for item in stream:
            if item.type == "response.output_text.delta":
                deltas.append(item.delta)
        final = stream.get_final_response()
    assert deltas == ["Looking."]
    assert final.status == "completed" and final.output_text == "Looking."
    call = final.output[1]
    assert call.type == "function_call" and call.call_id == "t1" and json.loads(call.arguments) == {"city": "Oslo"}
    assert final.usage is not None and (final.usage.input_tokens, final.usage.output_tokens) == (30, 12)
    assert stage.used() == 42


def test_streamed_response_events_follow_openais_order(stage: Stage) -> None:
    stage.stream(tool_events("Hm.", ('{"city": "Oslo"}',)), toolConfig=ANY)
    events = list(stage.client.responses.create(model="haiku", input="Hi", tools=[WEATHER_TOOL], stream=True))  # type: ignore[list-item]
    assert [e.type for e in events] == [
        "response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed",
    ]  # fmt: skip
    assert [e.sequence_number for e in events] == list(range(len(events)))
    created = events[0].response  # type: ignore[union-attr]
    assert created.status == "in_progress" and created.output == [] and created.id.startswith("resp_")
    done = events[-1].response  # type: ignore[union-attr]
    assert done.id == created.id and [o.type for o in done.output] == ["message", "function_call"]


def test_a_streamed_response_that_fails_mid_way_raises_the_gateways_error(stage: Stage) -> None:
    data = event("messageStart", {"role": "assistant"})
    data += event("contentBlockDelta", {"delta": {"text": "Partial"}, "contentBlockIndex": 0})
    stage.stream(data + exception("modelStreamErrorException", "the model failed mid-way"))
    received: list[str] = []
    with pytest.raises(openai.APIError) as failed:
        for item in stage.client.responses.create(model="haiku", input="Hi", stream=True, max_output_tokens=50):
            received.append(item.type)
    assert received[-1] == "response.output_text.delta"
    assert "request id" in str(failed.value.message)
    bound = chat_input_bound(ChatRequest((ChatMessage("user", "Hi"),)))
    assert stage.used() == bound + 50


def test_a_refused_streamed_response_keeps_its_status_and_the_responses_names(stage: Stage) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        stage.client.responses.create(model="haiku", input="Hi", stream=True, max_output_tokens=0)
    assert refused.value.body["param"] == "max_output_tokens"  # type: ignore[index]
