"""Serve a stage applied to the emulator on 127.0.0.1, running its Lambda proxy integrations in-process.

The emulator stores API Gateway and Lambda but executes neither. This server fills
that gap for local use: it reads the deployed API's resources, methods and AWS_PROXY
integrations and each target function's handler and environment from the emulator,
loads the handler from the zip `make package` built, and turns every HTTP request
into the REST proxy event API Gateway would send. What it does not emulate:
authorizers, usage plans, request validation and gateway responses (API Gateway
features); a request no method matches gets a JSON 404.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import re
import sys
import uuid
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tooling.emulator import emulator_client
from tooling.paths import BUILD_DIR, DIST_DIR

HOST = "127.0.0.1"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
FUNCTION_ARN = re.compile(r"functions/(arn:[^/]+)/invocations$")


class StageError(Exception):
    """The stage could not be read from the emulator or loaded."""


@dataclass(frozen=True)
class Method:
    """One deployed method: its resource template, and the handler that serves it."""

    http_method: str
    resource_path: str
    pattern: re.Pattern[str]
    handler: Any


def template_pattern(resource_path: str) -> re.Pattern[str]:
    """`/v1/prompts/{name}` -> a regex with a named group per path parameter."""
    parts = []
    for segment in resource_path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$")


def load_handler(handler_spec: str, environment: dict[str, str], code_dir: Path) -> Any:
    """Import `module.function` from `code_dir` with the function's environment applied."""
    os.environ.update(environment)
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    module_name, _, function_name = handler_spec.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def read_stage(endpoint: str, rest_api_id: str, code_dir: Path, region: str = "us-east-1") -> list[Method]:
    """Read every AWS_PROXY method of the API from the emulator and load its handler."""
    apigateway = emulator_client(endpoint, "apigateway", region)
    lambda_client = emulator_client(endpoint, "lambda", region)
    methods: list[Method] = []
    handlers: dict[str, Any] = {}
    for resource in apigateway.get_resources(restApiId=rest_api_id, limit=500)["items"]:
        for http_method in resource.get("resourceMethods", {}) or {}:
            integration = apigateway.get_integration(
                restApiId=rest_api_id, resourceId=resource["id"], httpMethod=http_method
            )
            match = FUNCTION_ARN.search(integration.get("uri", ""))
            if integration.get("type") != "AWS_PROXY" or match is None:
                continue
            arn = match.group(1)
            if arn not in handlers:
                config = lambda_client.get_function_configuration(FunctionName=arn)
                variables = config.get("Environment", {}).get("Variables", {})
                handlers[arn] = load_handler(config["Handler"], variables, code_dir)
            methods.append(Method(http_method, resource["path"], template_pattern(resource["path"]), handlers[arn]))
    if not methods:
        raise StageError(f"REST API {rest_api_id} has no Lambda proxy methods in the emulator at {endpoint}")
    return methods


def proxy_event(
    method: Method, *, stage: str, path: str, query: str, headers: dict[str, str], body: bytes, params: dict[str, str]
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
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": HOST, "userAgent": headers.get("user-agent", "")},
        },
        "body": text,
        "isBase64Encoded": False,
    }


class Context:
    """The LambdaContext attributes handlers read."""

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "local-stage"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local-stage"
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def make_server(port: int, stage: str, methods: list[Method]) -> ThreadingHTTPServer:
    class StageHandler(BaseHTTPRequestHandler):
        server_version = "local-stage"

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(
                f"local-stage: {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n"
            )

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            request_id = str(uuid.uuid4())
            body = {
                "error": {
                    "message": message,
                    "type": "invalid_request_error",
                    "code": code,
                    "param": None,
                    "request_id": request_id,
                }
            }
            self._send(
                status, {"content-type": "application/json", "x-request-id": request_id}, json.dumps(body).encode()
            )

        def _serve(self) -> None:
            url = urlsplit(self.path)
            prefix = f"/{stage}"
            if not (url.path == prefix or url.path.startswith(prefix + "/")):
                self._error(404, "stage_not_found", f"no stage at {url.path[:100]!r}; this server serves /{stage}")
                return
            path = url.path[len(prefix) :] or "/"
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._error(413, "payload_too_large", f"request body over {MAX_BODY_BYTES} bytes")
                return
            body = self.rfile.read(length) if length else b""
            for method in methods:
                found = method.pattern.match(path)
                if found and method.http_method == self.command:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    try:
                        event = proxy_event(
                            method,
                            stage=stage,
                            path=path,
                            query=url.query,
                            headers=headers,
                            body=body,
                            params=found.groupdict(),
                        )
                    except UnicodeDecodeError:
                        self._error(400, "invalid_body", "the request body is not UTF-8 text")
                        return
                    try:
                        response = method.handler(event, Context())
                    except Exception as err:  # API Gateway answers a failed invocation with 502
                        sys.stderr.write(f"local-stage: handler failed: {type(err).__name__}\n")
                        self._error(502, "integration_failed", "the integration failed; see the local stage log")
                        return
                    payload = response.get("body") or ""
                    raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
                    self._send(int(response["statusCode"]), dict(response.get("headers") or {}), raw)
                    return
            self._error(404, "route_not_found", f"no method {self.command} {path[:100]!r} on this stage")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return ThreadingHTTPServer((HOST, port), StageHandler)


def unpack(package: Path, target: Path) -> Path:
    """Unzip the function package into `target` (fresh), as Lambda would lay it out."""
    if not package.exists():
        raise StageError(f"{package} is missing; run `make package`")
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emulator-endpoint", required=True)
    parser.add_argument("--rest-api-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--package", type=Path, default=DIST_DIR / "router.zip")
    parser.add_argument("--code-dir", type=Path, default=BUILD_DIR / "local-stage" / "code")
    args = parser.parse_args(argv)
    try:
        code_dir = unpack(args.package, args.code_dir)
        methods = read_stage(args.emulator_endpoint, args.rest_api_id, code_dir)
        server = make_server(args.port, args.stage, methods)
    except (StageError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # botocore errors: one line, no trace
        print(f"error: could not read the stage from the emulator: {err}", file=sys.stderr)
        return 1
    print(f"local-stage: serving /{args.stage} on http://{HOST}:{args.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
