"""A Lambda runtime loop for Python functions that stream their answers, on the standard library only.

Lambda's managed Python runtime answers whole: only a runtime that speaks the Runtime API
itself can send a streamed response. This is that runtime, for a function whose module
has a streaming entry point `stream_handler(event, context, write)`:

- `GET /2018-06-01/runtime/invocation/next` gives the event and its request id, deadline,
  function ARN and trace id;
- the answer is `POST /2018-06-01/runtime/invocation/<id>/response` with
  `Lambda-Runtime-Function-Response-Mode: streaming` and chunked transfer encoding,
  each `write` sent as one chunk as soon as it is made (API Gateway reads the prelude
  the entry point writes first: status and headers as JSON, then 8 NUL bytes);
- a failure before the first byte is `POST .../<id>/error`; after it, the stream ends
  with the `Lambda-Runtime-Function-Error-Type` and `-Body` trailers;
- a failure to start is `POST /2018-06-01/runtime/init/error`.

Started with `python -m shared.stream_runtime <module>.<entry point>`, or without an argument
for the `stream_handler` beside the function's configured handler (`_HANDLER`), from the
function's code folder: in a deployed function by the exec wrapper `shared/stream_bootstrap`.
"""

from __future__ import annotations

import base64
import http.client
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

API_VERSION = "2018-06-01"
STREAMING_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
ERROR_TYPE_TRAILER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
Entry = Callable[[dict[str, Any], Any, Callable[[bytes], None]], None]


class Context:
    """What a handler's `context` offers (the subset the gateway's functions use)."""

    def __init__(self, headers: http.client.HTTPMessage) -> None:
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error_document(err: BaseException) -> dict[str, Any]:
    # The type and message only: the trace goes to the function's log (stderr), never to a caller.
    return {"errorType": type(err).__name__, "errorMessage": str(err)[:1000]}


class RuntimeApi:
    def __init__(self, address: str) -> None:
        self.address = address

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address)

    def post_json(self, path: str, document: dict[str, Any], error_type: str | None = None) -> None:
        connection = self._connection()
        headers = {"content-type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        try:
            connection.request("POST", f"/{API_VERSION}{path}", json.dumps(document).encode(), headers)
            connection.getresponse().read()
        finally:
            connection.close()

    def next(self) -> tuple[dict[str, Any], Context]:
        connection = self._connection()
        try:
            connection.request("GET", f"/{API_VERSION}/runtime/invocation/next")
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        context = Context(response.headers)
        trace = response.headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        return json.loads(body or b"{}"), context

    def stream(self, request_id: str, entry: Entry, event: dict[str, Any], context: Context) -> None:
        """Run `entry`, sending each write as a chunk of the invocation's streamed response."""
        connection = self._connection()
        connection.putrequest("POST", f"/{API_VERSION}/runtime/invocation/{request_id}/response")
        for name, value in (
            ("Lambda-Runtime-Function-Response-Mode", "streaming"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Type", STREAMING_CONTENT_TYPE),
            ("Trailer", f"{ERROR_TYPE_TRAILER}, {ERROR_BODY_TRAILER}"),
        ):
            connection.putheader(name, value)
        started = False

        def write(data: bytes) -> None:
            nonlocal started
            if not started:
                connection.endheaders()
                started = True
            if data:
                connection.send(b"%x\r\n%s\r\n" % (len(data), data))

        try:
            entry(event, context, write)
        except Exception as err:
            traceback.print_exc(file=sys.stderr)
            if not started:
                connection.close()
                self.post_json(f"/runtime/invocation/{request_id}/error", _error_document(err), type(err).__name__)
                return
            body = base64.b64encode(json.dumps(_error_document(err)).encode()).decode()
            connection.send(f"0\r\n{ERROR_TYPE_TRAILER}: {type(err).__name__}\r\n{ERROR_BODY_TRAILER}: {body}\r\n\r\n"
                            .encode())  # fmt: skip
        else:
            if not started:
                connection.endheaders()
            connection.send(b"0\r\n\r\n")
        try:
            connection.getresponse().read()
        finally:
            connection.close()


def load(spec: str) -> Entry:
    """`module.function`, imported from the working folder (the function's code)."""
    module_name, _, name = spec.rpartition(".")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    entry: Entry = getattr(importlib.import_module(module_name), name)
    return entry


def streaming_entry_of(handler: str) -> str:
    """The streaming entry point beside a function's configured handler: `router.handler.handler` ->
    `router.handler.stream_handler` (the module keeps both)."""
    module_name, _, _name = handler.rpartition(".")
    return f"{module_name}.stream_handler"


def serve(api: RuntimeApi, entry: Entry, invocations: int | None = None) -> None:
    """Answer invocations until the sandbox stops (or `invocations` have been served, for tests)."""
    served = 0
    while invocations is None or served < invocations:
        event, context = api.next()
        api.stream(context.aws_request_id, entry, event, context)
        served += 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    api = RuntimeApi(os.environ["AWS_LAMBDA_RUNTIME_API"])
    spec = args[0] if args else streaming_entry_of(os.environ.get("_HANDLER", ""))
    try:
        entry = load(spec)
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        api.post_json("/runtime/init/error", _error_document(err), "Runtime.ImportModuleError")
        return 1
    serve(api, entry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
