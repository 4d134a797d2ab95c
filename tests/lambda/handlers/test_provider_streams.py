"""Streams from OpenAI-compatible providers (a local server on 127.0.0.1) and SageMaker `openai` endpoints
(InvokeEndpointWithResponseStream on a Stubber): re-framed as they arrive; hostile streams end in a
BackendError, never a crash; and through the router and the SDK, a clean end for the client."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import openai
import pytest
from botocore.stub import ANY
from openai import OpenAI

from router.backends.http_provider import HttpProviderAdapter
from router.backends.registry import Backends
from router.backends.sagemaker import SageMakerAdapter
from router.chat import ChatMessage, ChatRequest
from router.streaming.events import Delta, Finish, StreamEvent
from shared.backend_errors import BackendError
from tests.support.event_stream import EventStreamStubber, blob_event, event_stream, exception
from tests.support.http import running
from tests.support.router_harness import build_router
from tests.support.sdk_stage import stage_server

REQUEST = ChatRequest((ChatMessage("user", "Hi"),), max_tokens=64)
SEEN: list[dict[str, Any]] = []


def chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    body: dict[str, Any] = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta,
                                                                            "finish_reason": finish}]}  # fmt: skip
    if usage is not None:
        body = {"object": "chat.completion.chunk", "choices": [], "usage": usage}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


GOOD = (
    chunk({"role": "assistant", "content": ""})
    + chunk({"content": "Hel"})
    + chunk({"content": "lo"})
    + chunk({"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f"}}]})
    + chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]})
    + chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]})
    + chunk({}, "tool_calls")
    + chunk({}, usage={"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12})
    + b"data: [DONE]\n\n"
)
STREAMS = {
    "good": GOOD,
    "no-usage": chunk({"content": "Hi"}) + chunk({}, "stop") + b"data: [DONE]\n\n",
    "garbled": chunk({"content": "Hi"}) + b"data: {not json\n\n",
    "cut": chunk({"content": "Hi"}),
    "huge": b"data: " + b"x" * (5 * 1024 * 1024) + b"\n\n",
    "error": chunk({"content": "Hi"}) + b'data: {"error": {"message": "overloaded"}}\n\n',
    "comments": b": keep-alive\n\n" + chunk({"content": "Hi"}) + b"event: x\nid: 3\n" + chunk({}, "stop"),
}


class Provider(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        SEEN.append(body)
        if body["model"] == "throttle":
            self.send_response(429)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        data = STREAMS[body["model"]]
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for start in range(0, len(data), 4096):
                self.wfile.write(data[start : start + 4096])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the router stopped reading (a stream over its size bound): what that test asks of it

    def log_message(self, *_args: object) -> None:
        return


class Key:
    def get(self, _secret_id: str) -> str:
        return "sk-test"


@pytest.fixture
def provider() -> Iterator[str]:
    SEEN.clear()
    with running(ThreadingHTTPServer(("127.0.0.1", 0), Provider)) as url:
        yield url


def events_of(stream: Iterator[StreamEvent]) -> list[StreamEvent]:
    return list(stream)


def test_a_provider_stream_is_reframed_with_its_usage(provider: str) -> None:
    adapter = HttpProviderAdapter(provider, "key", Key())  # type: ignore[arg-type]
    events = events_of(adapter.stream(REQUEST, "good", 5))
    assert SEEN[0]["stream"] is True and SEEN[0]["stream_options"] == {"include_usage": True}
    assert [e.text for e in events if isinstance(e, Delta) and e.text] == ["Hel", "lo"]
    calls = [e for e in events if isinstance(e, Delta) and e.tool_index is not None]
    assert (calls[0].tool_id, calls[0].tool_name) == ("c1", "f")
    assert [c.tool_name for c in calls[1:]] == [None, None]
    assert "".join(c.arguments for c in calls) == '{"a":1}'
    assert events[-1] == Finish("tool_calls", 7, 5)


def test_comments_and_other_fields_are_skipped_and_missing_usage_is_no_count(provider: str) -> None:
    adapter = HttpProviderAdapter(provider, "key", Key())  # type: ignore[arg-type]
    assert events_of(adapter.stream(REQUEST, "comments", 5))[-1] == Finish("stop", None, None)
    assert events_of(adapter.stream(REQUEST, "no-usage", 5))[-1] == Finish("stop", None, None)


@pytest.mark.parametrize(("model", "kind"), [("garbled", "unavailable"), ("cut", "unavailable"),
                                             ("huge", "oversize"), ("error", "unavailable")])  # fmt: skip
def test_hostile_provider_streams_end_in_a_backend_error(provider: str, model: str, kind: str) -> None:
    adapter = HttpProviderAdapter(provider, "key", Key())  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(BackendError) as failed:
        events_of(adapter.stream(REQUEST, model, 5))
    assert failed.value.kind == kind
    assert "sk-test" not in failed.value.message
    assert time.monotonic() - started < 5


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch, provider: str) -> Iterator[OpenAI]:
    router = build_router(monkeypatch)
    adapter = HttpProviderAdapter(provider, "key", Key())  # type: ignore[arg-type]
    router.service.backends = Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: adapter))
    with running(stage_server(router)) as base:
        client = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key", max_retries=0, timeout=15)
        yield client
        client.close()


def test_hostile_streams_end_the_clients_stream_cleanly(monkeypatch: pytest.MonkeyPatch, sdk: OpenAI) -> None:
    # Which stream the provider sends is chosen by the model id it is asked for.
    import router.backends.http_provider as http

    for model, reaches_client in (("garbled", True), ("cut", True), ("error", True), ("huge", False)):
        monkeypatch.setattr(http, "openai_chat_body", lambda request, _m, model=model: {"model": model, "messages": []})
        received: list[str] = []
        with pytest.raises(openai.APIError) as failed:
            for piece in sdk.chat.completions.create(model="gpt", messages=[{"role": "user", "content": "Hi"}],
                                                     stream=True):  # fmt: skip
                received.append(piece.choices[0].delta.content or "" if piece.choices else "")
        assert ("Hi" in received) is reaches_client, model
        assert "quote the request id" in failed.value.message


def test_a_sagemaker_openai_endpoint_streams_its_payload_parts() -> None:
    client: Any = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    adapter = SageMakerAdapter("openai", lambda _service, _timeout: client)
    parts = [GOOD[i : i + 50] for i in range(0, len(GOOD), 50)]
    data = b"".join(blob_event("PayloadPart", p) for p in parts)
    with EventStreamStubber(client) as stubber:
        stubber.add_response(
            "invoke_endpoint_with_response_stream",
            {"Body": event_stream(client, "InvokeEndpointWithResponseStream", "Body", data)},
            {"EndpointName": "llm", "Body": ANY, "ContentType": "application/json", "Accept": "text/event-stream"},
        )
        events = events_of(adapter.stream(REQUEST, "llm", 5))
        broken = blob_event("PayloadPart", chunk({"content": "x"}))
        broken += exception("ModelStreamError", "the container failed")
        stubber.add_response(
            "invoke_endpoint_with_response_stream",
            {"Body": event_stream(client, "InvokeEndpointWithResponseStream", "Body", broken)},
            {"EndpointName": "llm", "Body": ANY, "ContentType": "application/json", "Accept": "text/event-stream"},
        )
        with pytest.raises(BackendError):
            events_of(adapter.stream(REQUEST, "llm", 5))
    assert "".join(e.text for e in events if isinstance(e, Delta)) == "Hello"
    assert events[-1] == Finish("tool_calls", 7, 5)
