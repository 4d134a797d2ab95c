"""What the local servers (stage, model server, SageMaker runtime) share: one answer, and serving until stopped."""

from __future__ import annotations

import contextlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    """Answer the request `handler` serves: status, headers, a length, the body."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("content-length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def serve_until_stopped(server: ThreadingHTTPServer) -> int:
    """Serve until interrupted (SIGINT; `make down` stops the process group), then close; exit status 0."""
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()
    return 0
