"""The local stage streams for real: the router's streaming entry point writes, the stage relays HTTP/1.1
chunks as they are written, and the OpenAI SDK sees the first token long before the last."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai import OpenAI

from router.backends.registry import Backends
from router.chat import ChatRequest, ChatResult
from router.streaming.events import Delta, Finish, StreamEvent
from tests.support.http import running
from tests.support.router_harness import Router, build_router, proxy_event
from tooling.background import free_port
from tooling.local_stage.deployed import Api, Method, Stage, template_pattern
from tooling.local_stage.server import make_server

PIECES = ("Once ", "upon ", "a ", "time.")
GAP_SECONDS = 0.3


class SlowProvider:
    """Streams its answer a piece every GAP_SECONDS."""

    def __init__(self) -> None:
        self.finished_at = 0.0

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[StreamEvent]:
        for piece in PIECES:
            time.sleep(GAP_SECONDS)
            yield Delta(text=piece)
        self.finished_at = time.monotonic()
        yield Finish("stop", 5, 4)

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        return ChatResult("".join(PIECES), "stop", 5, 4)


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAI, SlowProvider, Router]]:
    router = build_router(monkeypatch)
    provider = SlowProvider()
    router.service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: provider))
    tenant = proxy_event("/v1/chat/completions", None)["requestContext"]["authorizer"]

    def with_tenant(event: dict[str, Any]) -> dict[str, Any]:
        event["requestContext"]["authorizer"] = tenant  # what the deployed authorizer adds
        return event

    def handler(event: dict[str, Any], context: Any) -> Any:
        return router.module.handler(with_tenant(event), context)

    def stream(event: dict[str, Any], context: Any, write: Any) -> None:
        router.module.stream_handler(with_tenant(event), context, write)

    route = "/v1/chat/completions"
    methods = [Method("POST", route, template_pattern(route), handler, stream_handler=stream)]
    with running(make_server(free_port(), Stage(Api("us-east-1", "123456789012", "api", "local"), methods))) as url:
        client = OpenAI(base_url=f"{url}/local/v1", api_key="k", max_retries=0, timeout=10)
        yield client, provider, router
        client.close()


def test_tokens_arrive_as_the_provider_makes_them(stage: tuple[OpenAI, SlowProvider, Router]) -> None:
    client, provider, _ = stage
    arrivals: list[tuple[float, str]] = []
    for chunk in client.chat.completions.create(model="haiku", messages=[{"role": "user", "content": "Hi"}],
                                                stream=True):  # fmt: skip
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append((time.monotonic(), chunk.choices[0].delta.content))
    assert "".join(text for _, text in arrivals) == "".join(PIECES)
    first, last = arrivals[0][0], arrivals[-1][0]
    # Each piece left as it was made: the first long before the provider finished.
    assert provider.finished_at - first > 2 * GAP_SECONDS
    assert last - first > 2 * GAP_SECONDS


def test_a_refusal_keeps_its_status_through_the_streaming_entry_point(
    stage: tuple[OpenAI, SlowProvider, Router],
) -> None:
    client, _, _ = stage
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "Hi"}], stream=True)
    assert isinstance(missing.value.body, dict) and missing.value.body["code"] == "model_not_found"
    answer = client.chat.completions.create(model="haiku", messages=[{"role": "user", "content": "Hi"}])
    assert answer.choices[0].message.content == "".join(PIECES), "a whole answer through the same entry point"
