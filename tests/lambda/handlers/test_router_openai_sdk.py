"""The official OpenAI SDK against the router: its requests are accepted and its parsers accept our answers.

A small HTTP server on 127.0.0.1 turns each request into the proxy event API Gateway
would send (with the authorizer's tenant context) and runs the router handler in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import openai
import pytest
from openai import OpenAI

from router.chat import ChatResult
from router.embeddings import EmbeddingResult
from tests.support.http import running
from tests.support.router_harness import MODELS, Router, build_router
from tests.support.sdk_stage import stage_server

HAIKU = str(MODELS["haiku"]["model_id"])
TITAN = str(MODELS["titan-embed"]["model_id"])


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAI, Router]]:
    router = build_router(monkeypatch)
    with running(stage_server(router)) as base:
        client = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key-not-checked-here", max_retries=0, timeout=10)
        yield client, router
        client.close()


def test_chat_completion_round_trip(sdk: tuple[OpenAI, Router]) -> None:
    client, router = sdk
    router.backend.scripts[HAIKU] = [ChatResult("Paris.", "stop", 21, 2)]
    raw = client.chat.completions.with_raw_response.create(
        model="haiku",
        messages=[
            {"role": "developer", "content": "Answer in one word."},
            {"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]},
        ],
        temperature=0,
        top_p=0.9,
        max_tokens=16,
        stop=["\n"],
        user="user-1",
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "Paris."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 23
    assert completion.model == "haiku"
    assert raw.headers["x-aigw-model"] == "haiku"
    assert raw.headers["x-aigw-backend"] == "bedrock"
    assert raw.headers["x-aigw-arm"] == "haiku"


def test_max_completion_tokens_is_accepted(sdk: tuple[OpenAI, Router]) -> None:
    client, _ = sdk
    completion = client.chat.completions.create(
        model="haiku", messages=[{"role": "user", "content": "Hi"}], max_completion_tokens=8
    )
    assert completion.object == "chat.completion"


def test_embeddings_round_trip_in_the_sdk_default_base64_encoding(sdk: tuple[OpenAI, Router]) -> None:
    client, router = sdk
    router.backend.scripts[TITAN] = [EmbeddingResult(((0.25, -0.5, 1.0), (2.0, 0.125, -4.0)), 7)]
    answer = client.embeddings.create(model="titan-embed", input=["a", "bb"])
    assert [d.embedding for d in answer.data] == [[0.25, -0.5, 1.0], [2.0, 0.125, -4.0]]
    assert answer.usage.prompt_tokens == 7
    assert answer.model == "titan-embed"


def test_embeddings_as_floats(sdk: tuple[OpenAI, Router]) -> None:
    client, _ = sdk
    answer = client.embeddings.create(model="titan-embed", input="hello", encoding_format="float", dimensions=256)
    assert answer.data[0].embedding == [0.25, -0.5, 5.0]


def test_the_model_list_parses(sdk: tuple[OpenAI, Router]) -> None:
    client, _ = sdk
    ids = [m.id for m in client.models.list()]
    assert "haiku" in ids and "titan-embed" in ids
    assert "chat" in ids and "resilient" in ids, "routed aliases the tenant can use are listed"


def test_refusals_arrive_as_the_sdk_error_types_with_our_message(sdk: tuple[OpenAI, Router]) -> None:
    client, _ = sdk
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "Hi"}])
    assert "does not exist or is not available" in missing.value.message
    assert isinstance(missing.value.body, dict) and missing.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as streaming:
        client.chat.completions.create(
            model="haiku", messages=[{"role": "user", "content": "Hi"}], stream_options={"include_usage": True}
        )
    assert isinstance(streaming.value.body, dict) and streaming.value.body["param"] == "stream_options"
    with pytest.raises(openai.BadRequestError) as tokens:
        client.embeddings.create(model="titan-embed", input=[[1, 2, 3]])
    assert "token arrays are not supported" in tokens.value.message


def test_error_bodies_keep_the_openai_envelope(sdk: tuple[OpenAI, Router]) -> None:
    client, _ = sdk
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="haiku", messages=[{"role": "user", "content": "Hi"}], n=3)
    body = refused.value.response.json()
    assert set(body["error"]) == {"message", "type", "code", "param", "request_id"}
    assert json.dumps(body).count("Traceback") == 0
