"""The contract test's engine finds what it is there to find: server errors and answers the document forbids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from tests.support.contract import run_contract
from tests.support.http import running

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/thing": {"get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}}}},
        "404": {"description": "none", "content": {"application/json": {"schema": {"type": "object"}}}},
    }}}},
}  # fmt: skip


class Server(BaseHTTPRequestHandler):
    answer: ClassVar[tuple[int, Any]] = (200, {"a": 1})

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, document = Server.answer
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def url() -> Iterator[str]:
    with running(ThreadingHTTPServer(("127.0.0.1", 0), Server)) as base:
        yield base


@pytest.mark.parametrize(
    ("answer", "fails"),
    [((200, {"a": 1}), False), ((404, {}), False), ((500, {"a": 1}), True), ((200, {"b": 1}), True),
     ((418, {}), True)],
)  # fmt: skip
def test_the_engine_flags_server_errors_and_undocumented_answers(
    url: str, answer: tuple[int, Any], fails: bool
) -> None:
    Server.answer = answer
    report = run_contract(DOCUMENT, url, {}, examples=3, requests_per_second=200, deadline_seconds=20)
    assert report.requests >= 1
    assert bool(report.failures) == fails, report.failures
