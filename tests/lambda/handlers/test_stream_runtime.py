"""The streaming Lambda runtime against a local Runtime API on 127.0.0.1: the streamed response's headers,
chunks sent as they are written, errors before and after the first byte, and the router through it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from contract import environment as env
from router.chat import ChatResult
from shared.proxy_handler import PRELUDE_SEPARATOR
from shared.stream_runtime import RuntimeApi, serve, streaming_entry_of
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


ECHO_FUNCTION = """
def handler(event, context):
    raise AssertionError("the managed runtime's entry point: the exec wrapper must start stream_handler")


def stream_handler(event, context, write):
    write(b'{"statusCode": 200}' + b"\\0" * 8)
    write(("streamed " + event["say"]).encode())
"""


def bootstrap_env(task_root: Path, runtime_api: str, streaming: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "_HANDLER": "echo_fn.handler.handler",
        env.RESPONSE_STREAMING: streaming,
    }


@pytest.fixture
def task_root(tmp_path: Path, router_zip: Path) -> Iterator[Path]:
    """The router's zip unpacked as Lambda would (/var/task), plus a small function beside it."""
    root = tmp_path / "task"
    with zipfile.ZipFile(router_zip) as archive:
        mode = archive.getinfo(env.STREAM_BOOTSTRAP).external_attr >> 16
        assert mode == 0o100755, "Lambda runs the exec wrapper itself: it must be executable in the zip"
        archive.extractall(root)
    (root / env.STREAM_BOOTSTRAP).chmod(0o755)
    (root / "echo_fn").mkdir()
    (root / "echo_fn" / "handler.py").write_text(ECHO_FUNCTION)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_the_exec_wrapper_runs_the_streaming_runtime_on_the_managed_interpreter(runtime: Any, task_root: Path) -> None:
    server, _api = runtime([{"say": "hello"}])
    with running(server):
        address = f"127.0.0.1:{server.server_address[1]}"
        # Lambda passes the managed runtime's start command: its interpreter, then its bootstrap.
        process = subprocess.Popen(
            [str(task_root / env.STREAM_BOOTSTRAP), sys.executable, "/var/runtime/bootstrap.py"],
            env=bootstrap_env(task_root, address, "true"),
            cwd="/",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert server.invocations[0].done.wait(30)
        finally:
            process.kill()
            process.wait(timeout=10)
    invocation = server.invocations[0]
    assert invocation.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert b"".join(c for _, c in invocation.chunks) == b'{"statusCode": 200}' + PRELUDE_SEPARATOR + b"streamed hello"


MANAGED_RUNTIME = "import sys; print('managed', sys.argv[1:])"


def test_the_exec_wrapper_starts_the_managed_runtime_unchanged_with_streaming_off(task_root: Path) -> None:
    result = subprocess.run(
        [str(task_root / env.STREAM_BOOTSTRAP), sys.executable, "-c", MANAGED_RUNTIME, "x"],
        env=bootstrap_env(task_root, "127.0.0.1:9", "false"),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == "managed ['x']"


def test_the_streaming_entry_point_sits_beside_the_configured_handler() -> None:
    assert streaming_entry_of("router.handler.handler") == "router.handler.stream_handler"
    assert streaming_entry_of("echo_fn.handler.handler") == "echo_fn.handler.stream_handler"
