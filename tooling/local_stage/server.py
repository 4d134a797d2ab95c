"""The local stage's HTTP server: API Gateway's request path over the deployed stage, on 127.0.0.1.

In API Gateway's order: the stage and route (an unknown one is
MISSING_AUTHENTICATION_TOKEN), the payload limit, the stage's method throttles, the
authorizer (with its result cache), the usage plan of the key it returned (for methods
that require a key), the body validator, then the integration: a Lambda proxy
function, whole or streamed in HTTP/1.1 chunks (STREAM transfer mode), or a direct
integration's mapping templates. Every refusal is rendered from the deployed gateway
responses (tooling/local_stage/gateway_responses.py); what the stage cannot reproduce
is a 501 `not_emulated` naming the feature.
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.http import error_response
from shared.proxy_handler import PRELUDE_SEPARATOR
from tooling.http_serving import send
from tooling.local_stage.authorization import Context, authorize
from tooling.local_stage.deployed import Method, Stage
from tooling.local_stage.gateway_responses import NotEmulated, Refusal, Request
from tooling.local_stage.signed_callers import identify
from tooling.local_stage.validation import validation_error

HOST = "127.0.0.1"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
Handler = Any


def proxy_event(
    method: Method,
    *,
    stage: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    params: dict[str, str],
    request_id: str | None = None,
) -> dict[str, Any]:
    """The REST API proxy event (payload 1.0) for one request."""
    text = body.decode("utf-8", errors="strict") if body else None
    query_values = parse_qs(query, keep_blank_values=True)
    return {
        "resource": method.resource_path,
        "path": path,
        "httpMethod": method.http_method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query_values.items()} or None,
        "multiValueQueryStringParameters": query_values or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": method.resource_path,
            "httpMethod": method.http_method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id or str(uuid.uuid4()),
            "identity": {"sourceIp": HOST, "userAgent": headers.get("user-agent", "")},
        },
        "body": text,
        "isBase64Encoded": False,
    }


class ChunkedRelay:
    """Writes a streaming function's answer to a client: the prelude as status and headers, then chunks."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler, self.prelude, self.open = handler, b"", False

    def write(self, data: bytes) -> None:
        if not self.open:
            self.prelude += data
            head, found, rest = self.prelude.partition(PRELUDE_SEPARATOR)
            if not found:
                return
            prelude = json.loads(head)
            self.handler.send_response(int(prelude["statusCode"]))
            for name, value in (prelude.get("headers") or {}).items():
                if name.lower() != "content-length":
                    self.handler.send_header(name, value)
            self.handler.send_header("transfer-encoding", "chunked")
            self.handler.end_headers()
            self.open, data = True, rest
        if data:
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.handler.wfile.flush()

    def end(self) -> None:
        self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()


class StageServer(ThreadingHTTPServer):
    """A thread per connection, and a listen backlog for many clients connecting at once (the default of 5
    resets connections under load, which API Gateway never does)."""

    request_queue_size = 512
    daemon_threads = True


def make_server(port: int, stage: Stage) -> ThreadingHTTPServer:
    api = stage.api

    class StageHandler(BaseHTTPRequestHandler):
        server_version = "local-stage"
        # Chunked answers (streams) need HTTP/1.1; every other answer carries its length.
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes: with Nagle's algorithm a keep-alive client's delayed
        # ACK holds the body back about 40 ms (and each streamed chunk with it).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            status = args[1] if len(args) > 1 else ""
            sys.stderr.write(f"local-stage: {self.command} {self.path.split('?')[0]} {status}\n")

        def _serve(self) -> None:
            request_id = str(uuid.uuid4())
            headers = {k.lower(): v for k, v in self.headers.items()}
            authorizer: dict[str, Any] = {}
            try:
                self._dispatch(request_id, headers, authorizer)
            except Refusal as refusal:
                answer = Request(request_id, api.stage, headers, authorizer)
                status, response_headers, body = stage.responses.render(refusal, answer)
                send(self, status, response_headers, body)
            except NotEmulated as missing:
                self._answer(error_response(missing, request_id))

        def _dispatch(self, request_id: str, headers: dict[str, str], authorizer: dict[str, Any]) -> None:
            url = urlsplit(self.path)
            prefix = f"/{api.stage}"
            if not (url.path == prefix or url.path.startswith(prefix + "/")):
                raise Refusal("MISSING_AUTHENTICATION_TOKEN")
            path = url.path[len(prefix) :] or "/"
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                raise Refusal("REQUEST_TOO_LARGE")
            body = self.rfile.read(length) if length else b""
            method, params = self._match(path)
            if not stage.throttles.admit(method.resource_path, method.http_method):
                raise Refusal("THROTTLED")
            try:
                event = proxy_event(method, stage=api.stage, path=path, query=url.query, headers=headers, body=body,
                                    params=params, request_id=request_id)  # fmt: skip
            except UnicodeDecodeError:
                raise Refusal("BAD_REQUEST_BODY", "the body is not UTF-8 text") from None
            self._admit(method, event, authorizer, body)
            if method.request_schema is not None and _is_json(headers):
                problem = validation_error(method.request_schema, body)
                if problem is not None:
                    raise Refusal("BAD_REQUEST_BODY", validation_error=problem)
            if method.stream_handler is not None:
                self._stream(method.stream_handler, event)
                return
            try:
                response = method.handler(event, Context())
            except (Refusal, NotEmulated):
                raise
            except Exception as err:  # a failed invocation
                sys.stderr.write(f"local-stage: handler failed: {type(err).__name__}\n")
                raise Refusal("INTEGRATION_FAILURE", "Internal server error") from None
            self._answer(response)

        def _answer(self, response: dict[str, Any]) -> None:
            """Send a proxy response (statusCode, headers, body, isBase64Encoded) as the HTTP answer."""
            payload = response.get("body") or ""
            raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
            send(self, int(response["statusCode"]), dict(response.get("headers") or {}), raw)

        def _admit(self, method: Method, event: dict[str, Any], authorizer: dict[str, Any], body: bytes) -> None:
            """The signer (AWS_IAM) or the authorizer (its context joins the event and `authorizer`, also for
            the refusal's template), then the key's usage plan."""
            key = event["headers"].get("x-api-key")
            method_arn = api.method_arn(method.http_method, event["path"])
            if method.signed:
                if stage.signature_check is None:
                    raise Refusal("MISSING_AUTHENTICATION_TOKEN")
                host = self.headers.get("host", "")
                event["requestContext"]["identity"].update(
                    identify(stage.signature_check, method=self.command, url=f"http://{host}{self.path}",
                             headers=dict(self.headers.items()), body=body, method_arn=method_arn)
                )  # fmt: skip
            if method.authorizer is not None:
                answer = authorize(method.authorizer, stage.authorizer_cache, event, method_arn, authorizer)
                authorizer["principalId"] = answer.get("principalId", "")
                event["requestContext"]["authorizer"] = dict(authorizer)
                key = answer.get("usageIdentifierKey")  # the API's key source is AUTHORIZER
            if method.api_key_required:
                refused = stage.plans.admit(key, method.resource_path, method.http_method)
                if refused is not None:
                    raise Refusal(refused)

        def _stream(self, handler: Handler, event: dict[str, Any]) -> None:
            """Relay a streaming function's answer as it is written: its prelude becomes the status and
            headers, the rest goes out in HTTP/1.1 chunks, as API Gateway's STREAM transfer mode does."""
            relay = ChunkedRelay(self)
            try:
                handler(event, Context(), relay.write)
            except Exception as err:  # a failed invocation: refused before the answer started, else the end
                sys.stderr.write(f"local-stage: stream handler failed: {type(err).__name__}\n")
                if not relay.open:
                    raise Refusal("INTEGRATION_FAILURE", "Internal server error") from None
            if not relay.open:
                raise Refusal("INTEGRATION_FAILURE", "the function wrote no answer")
            relay.end()

        def _match(self, path: str) -> tuple[Method, dict[str, str]]:
            for method in stage.methods:
                found = method.pattern.match(path)
                if found and method.http_method == self.command:
                    return method, found.groupdict()
            raise Refusal("MISSING_AUTHENTICATION_TOKEN")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return StageServer((HOST, port), StageHandler)


def _is_json(headers: dict[str, str]) -> bool:
    """API Gateway picks the model by content type; these modules declare one for application/json only
    (a request without a content type is taken as JSON)."""
    return headers.get("content-type", "application/json").split(";")[0].strip().lower() == "application/json"
