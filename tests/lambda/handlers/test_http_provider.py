"""The OpenAI-compatible HTTP adapter against a local provider on 127.0.0.1; its key from moto's Secrets Manager."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from router.backends.http_provider import MAX_RESPONSE_BYTES as MAX
from router.backends.http_provider import HttpProviderAdapter
from router.chat import ChatMessage, ChatRequest
from router.embeddings import EmbeddingRequest
from router.secrets import SecretCache
from shared.backend_errors import BackendError
from tests.support.http import running, send_json

KEY = "sk-provider-0123456789"
SEEN: list[dict[str, Any]] = []


class Provider(BaseHTTPRequestHandler):
    """Answers like an OpenAI-compatible provider; the model name picks a behaviour."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        SEEN.append({"auth": self.headers.get("authorization"), "body": body, "path": self.path})
        if self.path.endswith("/embeddings"):
            data = [
                {"object": "embedding", "index": i, "embedding": [0.5, float(i)]} for i in range(len(body["input"]))
            ]
            self._answer(200, {"object": "list", "data": data[::-1], "usage": {"prompt_tokens": 4, "total_tokens": 4}})
            return
        if body["model"] == "trickle":
            self._trickle()
            return
        status, answer = {
            "throttle": (429, {"error": {"message": "slow down"}}),
            "broken": (500, {"error": {"message": "boom"}}),
            "bad": (400, {"error": {"message": "bad request"}}),
            "garbage": (200, {"unexpected": True}),
        }.get(
            body["model"],
            (
                200,
                {
                    "choices": [{"message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 7, "completion_tokens": 1},
                },
            ),
        )
        self._answer(status, answer)

    def _trickle(self) -> None:
        """A provider that sends its answer a byte at a time: every read is quick, the whole is not."""
        payload = json.dumps({"choices": [{"message": {"content": "slow"}}]}).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        for byte in payload:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.02)

    def _answer(self, status: int, answer: Any) -> None:
        send_json(self, status, answer, {"retry-after": "3"} if status == 429 else None)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def adapter(aws_credentials: None) -> Iterator[HttpProviderAdapter]:
    SEEN.clear()
    with mock_aws(), running(ThreadingHTTPServer(("127.0.0.1", 0), Provider)) as url:
        client = boto3.client("secretsmanager")
        client.create_secret(Name="provider-key", SecretString=KEY)
        yield HttpProviderAdapter(url, "provider-key", SecretCache(client_factory=lambda: client))


def test_a_chat_request_reaches_the_provider_with_its_key_and_maps_back(adapter: HttpProviderAdapter) -> None:
    request = ChatRequest((ChatMessage("user", "ping"),), system="Be brief.", temperature=0.5, user="u-1")
    result = adapter.complete(request, "some-model", timeout_seconds=5)
    assert (result.text, result.finish_reason, result.input_tokens, result.output_tokens) == ("pong", "stop", 7, 1)
    assert SEEN[0]["auth"] == f"Bearer {KEY}"
    assert SEEN[0]["body"] == {
        "model": "some-model",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "ping"}],
        "temperature": 0.5,
        "user": "u-1",
    }


@pytest.mark.parametrize(
    ("model", "kind", "status"),
    [
        ("throttle", "throttled", 429),
        ("broken", "unavailable", 500),
        ("bad", "client", 400),
        ("garbage", "unavailable", None),
    ],
)
def test_provider_failures_are_classified_and_never_carry_the_key(
    adapter: HttpProviderAdapter, model: str, kind: str, status: int | None
) -> None:
    with pytest.raises(BackendError) as failed:
        adapter.complete(ChatRequest((ChatMessage("user", "x"),)), model, timeout_seconds=5)
    assert (failed.value.kind, failed.value.status) == (kind, status)
    assert KEY not in str(failed.value) and KEY not in failed.value.message
    if model == "throttle":
        assert failed.value.retry_after == 3


def test_an_unreachable_provider_is_unavailable() -> None:
    from tooling.background import free_port

    class Client:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            return {"SecretString": "k"}

    cache = SecretCache(client_factory=Client)
    adapter = HttpProviderAdapter(f"http://127.0.0.1:{free_port()}", "s", cache)
    with pytest.raises(BackendError) as failed:
        adapter.complete(ChatRequest((ChatMessage("user", "x"),)), "m", timeout_seconds=2)
    assert failed.value.kind == "unavailable"


def test_the_key_is_cached_for_its_ttl() -> None:
    calls: list[str] = []

    class Client:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            calls.append(SecretId)
            return {"SecretString": "k"}

    now = [0.0]
    cache = SecretCache(ttl_seconds=60, client_factory=Client, clock=lambda: now[0])
    assert cache.get("s") == cache.get("s") == "k" and calls == ["s"]
    now[0] = 61
    cache.get("s")
    assert calls == ["s", "s"]


def test_a_plain_http_provider_outside_loopback_is_refused() -> None:
    with pytest.raises(ValueError, match="must use https"):
        HttpProviderAdapter("http://provider.example", "s", SecretCache())


def test_embeddings_reach_the_provider_and_come_back_in_input_order(adapter: HttpProviderAdapter) -> None:
    result = adapter.embed(EmbeddingRequest(("a", "b"), dimensions=2, user="u"), "embed-model", timeout_seconds=5)
    assert result.vectors == ((0.5, 0.0), (0.5, 1.0))
    assert result.input_tokens == 4
    assert SEEN[0]["path"].endswith("/embeddings")
    assert SEEN[0]["body"] == {
        "model": "embed-model", "input": ["a", "b"], "encoding_format": "float", "dimensions": 2, "user": "u"
    }  # fmt: skip


def test_a_garbled_answer_still_reports_the_tokens_it_billed() -> None:
    from router.backends.shapes import chat_result_from_openai

    with pytest.raises(BackendError) as garbled:
        chat_result_from_openai(
            {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}},
            ChatRequest((ChatMessage("user", "hi"),)),
            "provider",
        )
    assert garbled.value.consumed_tokens == 12
    assert garbled.value.kind == "unavailable"


def test_a_provider_trickling_its_answer_is_cut_off_at_the_attempt_deadline(adapter: HttpProviderAdapter) -> None:
    started = time.monotonic()
    with pytest.raises(BackendError) as slow:
        adapter.complete(ChatRequest((ChatMessage("user", "hi"),)), "trickle", timeout_seconds=0.3)
    assert slow.value.kind == "timeout"
    assert time.monotonic() - started < 1.0, "the whole attempt stays near its deadline, not each read"


class Secrets:
    """The provider key without Secrets Manager."""

    def get(self, _secret_id: str) -> str:
        return KEY


def test_a_redirect_is_refused_and_the_key_never_reaches_the_other_host() -> None:
    # Before: urllib followed a 302 to another host and re-sent `Authorization` there.
    seen: list[str | None] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            seen.append(self.headers.get("authorization"))
            send_json(self, 200, {"choices": [{"message": {"content": "stolen"}}]})

        def log_message(self, *args: object) -> None:
            pass

    with running(ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)) as elsewhere:

        class Redirect(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                self.send_response(307)  # 307 keeps the method and body: the worst case
                self.send_header("location", f"{elsewhere}/v1/chat/completions")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        with running(ThreadingHTTPServer(("127.0.0.1", 0), Redirect)) as url:
            adapter = HttpProviderAdapter(url, "key", Secrets())  # type: ignore[arg-type]
            with pytest.raises(BackendError) as refused:
                adapter.complete(ChatRequest((ChatMessage("user", "hi"),)), "m", timeout_seconds=5)
    assert seen == []
    assert (refused.value.kind, refused.value.status) == ("client", 307)


def test_an_answer_too_large_is_oversize_not_retryable() -> None:
    class Huge(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))  # unread, closing would reset the connection
            send_json(self, 200, {"padding": "x" * (MAX + 1024)})

        def log_message(self, *args: object) -> None:
            pass

    with running(ThreadingHTTPServer(("127.0.0.1", 0), Huge)) as url:
        adapter = HttpProviderAdapter(url, "key", Secrets())  # type: ignore[arg-type]
        with pytest.raises(BackendError) as big:
            adapter.complete(ChatRequest((ChatMessage("user", "hi"),)), "m", timeout_seconds=10)
    assert big.value.kind == "oversize" and not big.value.retryable, big.value.message
    assert big.value.charge(500) == 500, "the provider did the work: the attempt keeps its allowance"
