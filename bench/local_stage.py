"""The local stage's own overhead per request, so that a load test measures the gateway, not the stand-in.

Two servers on loopback answer the same small JSON with a zero-work handler: a bare
ThreadingHTTPServer (what any local server costs: HTTP parsing, a thread, the socket),
and the local stage in front of the same handler with the edge it runs on every
request: the route match, the stage's method throttle, the authorizer (its result
cached, as deployed), the key's usage plan (token bucket and quota), request validation
against the deployed chat model, the proxy event and the gateway response envelope.
The stage's overhead is the difference of the two, p50 and p99, in one run.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.local_stage import module_gateway_responses
from tooling.local_stage.authorization import Authorizer
from tooling.local_stage.deployed import Api, Method, Stage, template_pattern
from tooling.local_stage.server import make_server
from tooling.local_stage.usage_plans import Plan, Quota, Throttle, UsagePlans
from tooling.paths import MODULES_DIR

ANSWER = json.dumps({"object": "chat.completion", "choices": []}).encode()
BODY = json.dumps({"model": "local-echo", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 16}).encode()
PATH = "/v1/chat/completions"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": ANSWER.decode()}


def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/local/*"
    return {"principalId": "bench", "usageIdentifierKey": "bench-key", "context": {"tenant_id": "bench"},
            "policyDocument": {"Statement": [{"Effect": "Allow", "Resource": [arn]}]}}  # fmt: skip


def stage_server() -> ThreadingHTTPServer:
    models = json.loads((MODULES_DIR / "ai_gateway" / "main.tf.json").read_text())["resource"]["aws_api_gateway_model"]
    schema = json.loads(models["chatcompletionrequest"]["schema"])
    guard = Authorizer(authorizer, ("method.request.header.Authorization",), 300)
    method = Method("POST", PATH, template_pattern(PATH), handler, guard, True, None, schema)
    plans = UsagePlans({"bench-key": Plan("p", "premium", Throttle(1e9, 10**9), Quota(10**9, "DAY"))})
    return make_server(0, Stage(Api("us-east-1", "123456789012", "api", "local"), [method],
                                module_gateway_responses(), plans))  # fmt: skip


class Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


def latencies(server: ThreadingHTTPServer, path: str, requests: int) -> list[float]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    connection.connect()
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # the body in the headers' packet
    headers = {"content-type": "application/json", "authorization": "Bearer bench"}
    samples = []
    try:
        for index in range(requests + 50):
            begin = time.perf_counter()
            connection.request("POST", path, body=BODY, headers=headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"the bench request was refused: {answer.status}")
            if index >= 50:  # the first ones warm the connection and the imports
                samples.append(time.perf_counter() - begin)
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return sorted(samples)


def quantile(samples: list[float], q: float) -> float:
    return samples[min(len(samples) - 1, int(q * len(samples)))]


def figures(requests: int = 2000) -> dict[str, float]:
    """The bare server's and the stage's latency, and the stage's overhead (p50 / p99, ms)."""
    servers: dict[str, tuple[Callable[[], ThreadingHTTPServer], str]] = {
        "bare": (lambda: ThreadingHTTPServer(("127.0.0.1", 0), Bare), PATH),
        "stage": (stage_server, f"/local{PATH}"),
    }
    with contextlib.redirect_stderr(io.StringIO()):  # the stage's line per request
        measured = {name: latencies(make(), path, requests) for name, (make, path) in servers.items()}
    results = {}
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        for name, samples in measured.items():
            results[f"local_stage_{name}_request_{label}_ms"] = quantile(samples, q) * 1000
        results[f"local_stage_overhead_{label}_ms"] = (
            results[f"local_stage_stage_request_{label}_ms"] - results[f"local_stage_bare_request_{label}_ms"]
        )
    return results
