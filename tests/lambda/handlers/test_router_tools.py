"""Tools, images, structured output and one model's description, through the official OpenAI SDK.

The router runs in-process behind a small stage on 127.0.0.1; Bedrock is the real
Converse adapter on a botocore Stubber, so each test sees the exact Converse request the
SDK's call became and the SDK's own parsing of the answer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import openai
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from openai import OpenAI
from pydantic import BaseModel

from router.backends.bedrock import BedrockAdapter
from router.backends.registry import Backends
from router.chat import ChatResult, ToolCall
from tests.support.http import running
from tests.support.router_harness import MODELS, Router, body_of, build_router, create_table
from tests.support.sdk_stage import stage_server

HAIKU = str(MODELS["haiku"]["model_id"])
LLAMA = str(MODELS["llama"]["model_id"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
WEATHER_SPEC = {
    "toolSpec": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "inputSchema": {"json": WEATHER["function"]["parameters"]},  # type: ignore[index]
    }
}


def converse_answer(content: list[dict[str, Any]], stop: str = "end_turn", usage: tuple[int, int] = (30, 9)) -> Any:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
        "metrics": {"latencyMs": 10},
    }


class Stage:
    def __init__(self, client: OpenAI, router: Router, stubber: Stubber) -> None:
        self.client, self.router, self.stubber = client, router, stubber

    def expect(self, answer: Any, **expected: Any) -> None:
        """The next Converse call must carry `expected` (other keys: anything) and gets `answer`."""
        self.stubber.add_response(
            "converse", answer, {"modelId": HAIKU, "messages": ANY, "inferenceConfig": ANY, **expected}
        )


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stage]:
    router = build_router(monkeypatch)
    client: Any = boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    bedrock = BedrockAdapter(lambda _service, _timeout: client)
    router.service.backends = Backends(
        {
            "bedrock": lambda _: bedrock,
            "sagemaker": lambda _: router.backend,
            "openai_compatible": lambda _: router.backend,
        }
    )
    with Stubber(client) as stubber, running(stage_server(router)) as base:
        sdk = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key", max_retries=0, timeout=10)
        yield Stage(sdk, router, stubber)
        sdk.close()
        stubber.assert_no_pending_responses()


def test_a_tool_call_round_trip_is_mapped_to_converse_and_back(stage: Stage) -> None:
    use = {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}
    stage.expect(
        converse_answer([{"text": "Let me look."}, use], stop="tool_use"),
        toolConfig={"tools": [WEATHER_SPEC], "toolChoice": {"auto": {}}},
    )
    first = stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "tooluse_1", "get_weather", {"city": "Paris"},
    )  # fmt: skip
    # The second turn: the call and its result go back; a result becomes a toolResult block of a user turn.
    stage.expect(
        converse_answer([{"text": "It is sunny in Paris."}]),
        messages=[
            {"role": "user", "content": [{"text": "Weather in Paris?"}]},
            {"role": "assistant", "content": [
                {"text": "Let me look."},
                {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}},
            ]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": '{"sky": "sunny"}'}]}},
                {"text": "And tomorrow?"},
            ]},
        ],
        toolConfig={"tools": [WEATHER_SPEC], "toolChoice": {"auto": {}}},
    )  # fmt: skip
    second = stage.client.chat.completions.create(
        model="haiku",
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            choice.message.model_dump(exclude_none=True),  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "sunny"}'},
            {"role": "user", "content": "And tomorrow?"},
        ],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert second.choices[0].message.content == "It is sunny in Paris."
    assert second.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("required", {"any": {}}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"tool": {"name": "get_weather"}}),
    ],
)
def test_tool_choice_maps_to_converse(stage: Stage, choice: Any, expected: dict[str, Any]) -> None:
    stage.expect(converse_answer([{"text": "ok"}]), toolConfig={"tools": [WEATHER_SPEC], "toolChoice": expected})
    stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": "Hi"}],
        tools=[WEATHER],
        tool_choice=choice,  # type: ignore[list-item]
    )


def test_tool_choice_none_sends_no_tools_and_parallel_false_keeps_the_first_call(stage: Stage) -> None:
    stage.expect(converse_answer([{"text": "No tools."}]))
    answer = stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": "Hi"}],
        tools=[WEATHER],
        tool_choice="none",  # type: ignore[list-item]
    )
    assert answer.choices[0].message.content == "No tools."
    calls = [
        {"toolUse": {"toolUseId": f"t{i}", "name": "get_weather", "input": {"city": c}}}
        for i, c in enumerate(("Paris", "Rome"))
    ]
    stage.expect(converse_answer(calls, stop="tool_use"), toolConfig=ANY)
    answer = stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": "Paris and Rome?"}],
        tools=[WEATHER],  # type: ignore[list-item]
        parallel_tool_calls=False,
    )
    assert [c.id for c in answer.choices[0].message.tool_calls or []] == ["t0"]


class Person(BaseModel):
    name: str
    age: int


def test_parse_with_a_pydantic_model_answers_through_a_forced_tool(stage: Stage) -> None:
    schema = Person.model_json_schema()
    stage.expect(
        converse_answer([{"toolUse": {"toolUseId": "t1", "name": "Person", "input": {"name": "Ada", "age": 36}}}],
                        stop="tool_use"),
        toolConfig={"tools": [{"toolSpec": {"name": "Person", "description": ANY,
                                            "inputSchema": {"json": {**schema, "additionalProperties": False}}}}],
                    "toolChoice": {"tool": {"name": "Person"}}},
    )  # fmt: skip
    completion = stage.client.chat.completions.parse(
        model="haiku", messages=[{"role": "user", "content": "Ada Lovelace, 36"}], response_format=Person
    )
    message = completion.choices[0].message
    assert message.parsed == Person(name="Ada", age=36)
    assert completion.choices[0].finish_reason == "stop"
    assert message.tool_calls in (None, [])


def test_json_object_and_a_non_object_schema_are_unwrapped(stage: Stage) -> None:
    stage.expect(
        converse_answer([{"toolUse": {"toolUseId": "t1", "name": "json_answer", "input": {"ok": True}}}], "tool_use"),
        toolConfig={"tools": ANY, "toolChoice": {"tool": {"name": "json_answer"}}},
    )
    answer = stage.client.chat.completions.create(
        model="haiku", messages=[{"role": "user", "content": "JSON please"}], response_format={"type": "json_object"}
    )
    assert json.loads(answer.choices[0].message.content or "") == {"ok": True}
    stage.expect(
        converse_answer([{"toolUse": {"toolUseId": "t2", "name": "tags", "input": {"value": ["a", "b"]}}}], "tool_use"),
        toolConfig=ANY,
    )
    answer = stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": "Tags?"}],
        response_format={"type": "json_schema", "json_schema": {"name": "tags", "schema": {"type": "array"}}},
    )
    assert json.loads(answer.choices[0].message.content or "") == ["a", "b"]


def test_a_data_url_image_becomes_a_converse_image_block(stage: Stage) -> None:
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    stage.expect(
        converse_answer([{"text": "A tiny image."}]),
        messages=[{"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": PNG}}},
                                               {"text": "What is this?"}]}],
    )  # fmt: skip
    answer = stage.client.chat.completions.create(
        model="haiku",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
        ]}],
    )  # fmt: skip
    assert answer.choices[0].message.content == "A tiny image."


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("data:image/jpeg;base64," + base64.b64encode(PNG).decode(), "says image/jpeg but its bytes are png"),
        ("data:image/bmp;base64,Qk0=", "has media type image/bmp"),
        ("data:image/png;base64,@@@", "must be a base64 data URL"),
        ("data:image/png;base64," + base64.b64encode(b"not an image").decode(), "not an image in an accepted format"),
        ("https://169.254.169.254/latest/meta-data/x.png", "remote images are fetched only"),
        ("http://images.example.com/cat.png", "remote images are fetched only"),
        ("file:///etc/passwd", "remote images are fetched only"),
    ],
)
def test_bad_images_are_refused_naming_the_part(stage: Stage, url: str, words: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        stage.client.chat.completions.create(
            model="haiku",
            messages=[{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url",
                                                                                    "image_url": {"url": url}}]}],
        )  # fmt: skip
    body = refused.value.body
    assert isinstance(body, dict)
    assert body["param"] == "messages[0].content[1].image_url"
    assert words in body["message"]


def test_a_text_only_endpoint_refuses_tools_in_the_gateways_words(stage: Stage) -> None:
    stage.router.service.backends = Backends(
        {"sagemaker": lambda _: __import__("router.backends.sagemaker", fromlist=["x"]).SageMakerAdapter("tgi")}
    )
    with pytest.raises(openai.BadRequestError) as refused:
        stage.client.chat.completions.create(
            model="llama",
            messages=[{"role": "user", "content": "Hi"}],
            tools=[WEATHER],  # type: ignore[list-item]
        )
    assert isinstance(refused.value.body, dict) and refused.value.body["code"] == "unsupported_by_model"
    assert "tools and tool messages" in refused.value.body["message"]


def test_models_retrieve_answers_the_tenants_models_only(stage: Stage) -> None:
    model = stage.client.models.retrieve("haiku")
    assert (model.id, model.object) == ("haiku", "model")
    assert stage.client.models.retrieve("chat").owned_by == "ai-gateway"
    with pytest.raises(openai.NotFoundError):
        stage.client.models.retrieve("gpt-9")


def test_n_above_one_is_refused_with_the_reason(stage: Stage) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        stage.client.chat.completions.create(model="haiku", messages=[{"role": "user", "content": "Hi"}], n=2)
    assert "one choice per request" in refused.value.message


def test_a_cached_tool_call_answer_is_served_whole(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, "aigw-test-cache")
        router = build_router(
            monkeypatch,
            env={"GATEWAY_CACHE_TABLE": "aigw-test-cache"},
            dynamodb=dynamodb,
            response_cache={"ttl_seconds": 60},
        )
        call = ToolCall("c1", "get_weather", '{"city":"Oslo"}')
        router.backend.scripts[HAIKU] = [ChatResult("", "tool_calls", 20, 7, (call,))]
        body = {
            "model": "haiku",
            "temperature": 0,
            "messages": [{"role": "user", "content": "Oslo?"}],
            "tools": [WEATHER],
        }
        first, second = router.call("/v1/chat/completions", body), router.call("/v1/chat/completions", body)
    assert second["headers"]["x-aigw-cache"] == "hit"
    assert body_of(first)["choices"] == body_of(second)["choices"]
    message = body_of(second)["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"][0]["function"]["arguments"] == '{"city":"Oslo"}'


def test_the_responses_api_answers_text_with_instructions(stage: Stage) -> None:
    stage.expect(
        converse_answer([{"text": "Bonjour."}], usage=(12, 3)),
        messages=[{"role": "user", "content": [{"text": "Say hello in French."}]}],
        system=[{"text": "Answer in one word."}],
    )
    response = stage.client.responses.create(
        model="haiku", instructions="Answer in one word.", input="Say hello in French.", max_output_tokens=20
    )
    assert response.output_text == "Bonjour."
    assert response.status == "completed" and response.model == "haiku"
    assert response.usage is not None and (response.usage.input_tokens, response.usage.output_tokens) == (12, 3)


def test_the_responses_api_calls_tools_and_takes_their_output(stage: Stage) -> None:
    use = {"toolUse": {"toolUseId": "tu1", "name": "get_weather", "input": {"city": "Oslo"}}}
    stage.expect(
        converse_answer([use], stop="tool_use"), toolConfig={"tools": [WEATHER_SPEC], "toolChoice": {"auto": {}}}
    )
    tool = {"type": "function", **WEATHER["function"]}  # type: ignore[dict-item]
    first = stage.client.responses.create(model="haiku", input="Weather in Oslo?", tools=[tool])  # type: ignore[list-item]
    call = first.output[0]
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id == "tu1"
    stage.expect(
        converse_answer([{"text": "Rainy."}]),
        messages=[
            {"role": "user", "content": [{"text": "Weather in Oslo?"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tu1", "name": "get_weather",
                                                           "input": {"city": "Oslo"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "tu1", "content": [{"text": "rain"}]}}]},
        ],
        toolConfig=ANY,
    )  # fmt: skip
    second = stage.client.responses.create(
        model="haiku",
        input=[
            {"role": "user", "content": "Weather in Oslo?"},
            {"type": "function_call", "call_id": "tu1", "name": "get_weather", "arguments": call.arguments},
            {"type": "function_call_output", "call_id": "tu1", "output": "rain"},
        ],
        tools=[tool],  # type: ignore[list-item]
    )
    assert second.output_text == "Rainy."


def test_responses_parse_with_a_pydantic_model(stage: Stage) -> None:
    stage.expect(
        converse_answer([{"toolUse": {"toolUseId": "t", "name": "Person", "input": {"name": "Ada", "age": 36}}}],
                        stop="tool_use"),
        toolConfig={"tools": ANY, "toolChoice": {"tool": {"name": "Person"}}},
    )  # fmt: skip
    parsed = stage.client.responses.parse(model="haiku", input="Ada, 36", text_format=Person)
    assert parsed.output_parsed == Person(name="Ada", age=36)


@pytest.mark.parametrize(
    ("body", "param", "words"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id", "stores no responses"),
        ({"tools": [{"type": "web_search"}]}, "tools[0]", "runs no built-in tools"),
        ({"input": [{"role": "user", "content": "ok"}, {"role": "user", "content": [{"type": "input_file"}]}]},
         "input[1].content[0]", "files and audio are refused"),
        ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "http://x.test/a.png"}]}]},
         "input[0].content[0].image_url", "remote images are fetched only"),
        ({"max_output_tokens": 0}, "max_output_tokens", "max_output_tokens"),
    ],
)  # fmt: skip
def test_responses_refusals_name_the_responses_field(
    stage: Stage, body: dict[str, Any], param: str, words: str
) -> None:
    from tests.support.router_harness import body_of

    response = stage.router.call("/v1/responses", {"model": "haiku", "input": "Hi", **body})
    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert error["param"] == param and words in error["message"], error
