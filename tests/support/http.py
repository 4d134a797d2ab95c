"""Run an HTTP server on 127.0.0.1 in a thread for one test, and always shut it down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve `server` in a daemon thread; yield its base URL; stop it and join (bounded) afterwards."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def send_json(
    handler: BaseHTTPRequestHandler, status: int, document: Any, headers: dict[str, str] | None = None
) -> None:
    """Answer a request on a test server with `document` as JSON."""
    payload = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("content-length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
