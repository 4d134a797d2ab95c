"""The streaming Lambda runtime against a local Runtime API on 127.0.0.1: the streamed response's headers,
chunks sent as they are written, errors before and after the first byte, and the router through it."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from router.chat import ChatResult
from shared.proxy_handler import PRELUDE_SEPARATOR
from shared.stream_runtime import RuntimeApi, serve
from tests.support.http import running
from tests.support.router_harness import MODELS, build_router, proxy_event

DEADLINE_SECONDS = 60


@dataclass
class Invocation:
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    trailers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)


class RuntimeServer(ThreadingHTTPServer):
    def __init__(self, events: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.events, self.invocations = events, [Invocation() for _ in events]
        self.next_index = 0


class RuntimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RuntimeServer

    def log_message(self, *_args: object) -> None:
        return

    def do_GET(self) -> None:
        index = self.server.next_index
        self.server.next_index += 1
        body = json.dumps(self.server.events[index]).encode()
        self.send_response(200)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": f"inv-{index}",
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + DEADLINE_SECONDS) * 1000)),
            "Lambda-Runtime-Trace-Id": "Root=1-abc",
            "content-length": str(len(body)),
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        index = int(self.path.split("/")[4].removeprefix("inv-"))
        invocation = self.server.invocations[index]
        invocation.headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.endswith("/error"):
            invocation.error = json.loads(self.rfile.read(int(self.headers["content-length"])))
        else:
            self._read_chunks(invocation)
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()
        invocation.done.set()

    def _read_chunks(self, invocation: Invocation) -> None:
        while True:
            size = int(self.rfile.readline().strip(), 16)
            if size == 0:
                break
            invocation.chunks.append((time.monotonic(), self.rfile.read(size)))
            self.rfile.readline()
        while (line := self.rfile.readline().strip()) != b"":
            name, _, value = line.decode().partition(": ")
            invocation.trailers[name] = value


@pytest.fixture
def runtime() -> Iterator[Any]:
    servers: list[RuntimeServer] = []

    def start(events: list[dict[str, Any]]) -> tuple[RuntimeServer, RuntimeApi]:
        server = RuntimeServer(events)
        servers.append(server)
        return server, RuntimeApi(f"127.0.0.1:{server.server_address[1]}")

    yield start
    for server in servers:
        server.server_close()


def test_each_write_leaves_as_it_is_made_in_streaming_mode(runtime: Any) -> None:
    server, api = runtime([{"n": 1}])
    written: list[float] = []

    def entry(event: dict[str, Any], context: Any, write: Any) -> None:
        assert event == {"n": 1} and context.aws_request_id == "inv-0"
        assert 50_000 < context.get_remaining_time_in_millis() <= 60_000
        for piece in (b'{"statusCode":200}' + b"\x00" * 8, b"one ", b"two ", b"three"):
            written.append(time.monotonic())
            write(piece)
            time.sleep(0.2)

    with running(server):
        serve(api, entry, invocations=1)
        invocation = server.invocations[0]
        assert invocation.done.wait(5)
    assert invocation.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert invocation.headers["transfer-encoding"] == "chunked"
    assert invocation.headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    assert b"".join(c for _, c in invocation.chunks).endswith(b"one two three")
    # The first piece reached the Runtime API before the last was written.
    assert invocation.chunks[0][0] < written[-1]


def test_a_failure_before_the_first_byte_is_an_invocation_error(runtime: Any) -> None:
    server, api = runtime([{}])

    def entry(event: dict[str, Any], context: Any, write: Any) -> None:
        raise ValueError("no answer")

    with running(server):
        serve(api, entry, invocations=1)
        assert server.invocations[0].done.wait(5)
    assert server.invocations[0].error == {"errorType": "ValueError", "errorMessage": "no answer"}


def test_a_failure_mid_stream_ends_it_with_the_error_trailers(runtime: Any) -> None:
    server, api = runtime([{}])

    def entry(event: dict[str, Any], context: Any, write: Any) -> None:
        write(b"partial")
        raise RuntimeError("cut")

    with running(server):
        serve(api, entry, invocations=1)
        invocation = server.invocations[0]
        assert invocation.done.wait(5)
    assert invocation.trailers["Lambda-Runtime-Function-Error-Type"] == "RuntimeError"
    body = json.loads(base64.b64decode(invocation.trailers["Lambda-Runtime-Function-Error-Body"]))
    assert body == {"errorType": "RuntimeError", "errorMessage": "cut"}


def test_the_router_streams_through_the_runtime(runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    router = build_router(monkeypatch)
    router.backend.scripts[str(MODELS["haiku"]["model_id"])] = [ChatResult("Hello.", "stop", 4, 2)]
    body = {"model": "haiku", "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    server, api = runtime([proxy_event("/v1/chat/completions", body), proxy_event("/v1/chat/completions", {})])
    with running(server):
        serve(api, router.module.stream_handler, invocations=2)
        assert all(i.done.wait(5) for i in server.invocations)
    streamed = b"".join(c for _, c in server.invocations[0].chunks)
    prelude, _, rest = streamed.partition(PRELUDE_SEPARATOR)
    assert json.loads(prelude)["statusCode"] == 200
    assert json.loads(prelude)["headers"]["content-type"].startswith("text/event-stream")
    assert b'"content":"Hello."' in rest and rest.endswith(b"data: [DONE]\n\n")
    refused, _, error = b"".join(c for _, c in server.invocations[1].chunks).partition(PRELUDE_SEPARATOR)
    assert json.loads(refused)["statusCode"] == 400
    assert json.loads(error)["error"]["request_id"]
