"""A small stage on 127.0.0.1 for the OpenAI SDK: each request becomes the proxy event API Gateway would send.

The router handler runs in-process with the authorizer's tenant context; a route with path
parameters gets its template and parameters as the deployed stage gives them.
"""

from __future__ import annotations

import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import FakeLambdaContext
from tests.support.router_harness import Router, proxy_event


def route_of(router: Router, path: str) -> dict[str, Any]:
    """The route template and path parameters a path matches among the handler's routes (none: as is)."""
    for template in router.module.ROUTES:
        names = re.findall(r"\{(\w+)\}", template)
        if not names:
            continue
        pattern = re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(template))
        found = re.fullmatch(pattern, path)
        if found:
            return {"resource": template, "path_parameters": dict(zip(names, found.groups(), strict=True))}
    return {}


def stage_server(router: Router, **tenant: Any) -> ThreadingHTTPServer:
    """`tenant` takes proxy_event's tenant keywords (`daily`, `monthly`, `allowed`)."""

    class Stage(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else None
            path = self.path.split("?")[0].removeprefix("/dev")
            route = route_of(router, path)
            event = proxy_event(
                path, body, raw=True, method=self.command, request_id=f"sdk-{path.count('/')}", **route, **tenant
            )
            event["headers"] = dict(self.headers.items())
            response: dict[str, Any] = router.module.handler(event, FakeLambdaContext())
            payload = response["body"].encode()
            self.send_response(response["statusCode"])
            for name, value in response["headers"].items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", 0), Stage)
