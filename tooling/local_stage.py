"""Serve a stage applied to the emulator on 127.0.0.1, running its Lambda authorizer and integrations.

The emulator stores API Gateway and Lambda but executes neither. This server fills
that gap for local use: it reads the deployed API's resources, methods, REQUEST
authorizer and AWS_PROXY integrations, and each function's handler and environment,
from the emulator; loads the handlers from the zips `make package` built; and turns
every HTTP request into the events API Gateway would send. The authorizer's AWS
calls (tenant table, API keys) go to the emulator too.

What each function prints (usage records, log lines) is put into its log group on the
emulator, as Lambda ships stdout to CloudWatch Logs.

SageMaker runs locally too: with `--sagemaker-endpoints` (endpoint -> variant -> model
server URL, what `make up` starts) the server runs a local SageMaker runtime
(tooling/sagemaker_runtime.py) that the functions reach through
`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, and the direct SageMaker route runs its deployed
mapping templates against it (tooling/local_direct.py).

Streams: a function with a streaming entry point (`stream_handler` beside its handler, as
the router has) is run in Lambda's streaming response mode, and its answer relayed in
HTTP/1.1 chunks as it is written (API Gateway's STREAM transfer mode); `stream: true`
then shows tokens arriving. Other functions answer whole.

What it does not emulate: the direct Bedrock route (501 after authorization), usage
plan throttles and quotas, request validation, result caching, the stage's access log,
and the exact text of API Gateway's own errors (it answers them in the gateway's JSON
error envelope with the same status and code).
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import importlib
import json
import os
import re
import sys
import threading
import uuid
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.proxy_handler import PRELUDE_SEPARATOR
from tooling import sagemaker_runtime
from tooling.emulator import emulator_client
from tooling.function_logs import LogShipper, install
from tooling.http_serving import send, serve_until_stopped
from tooling.local_direct import sagemaker_handler
from tooling.paths import BUILD_DIR, DIST_DIR

HOST = "127.0.0.1"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
FUNCTION_ARN = re.compile(r"functions/(arn:[^/]+)/invocations$")
STREAM_ENTRY_POINT = "stream_handler"
Handler = Any


class StageError(Exception):
    """The stage could not be read from the emulator or loaded."""


class Refusal(Exception):
    """What API Gateway itself would answer instead of calling the integration."""

    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.code, self.message = status, error_type, code, message


@dataclass(frozen=True)
class Authorizer:
    """A REQUEST authorizer: its handler, and the header API Gateway requires before calling it."""

    handler: Handler
    identity_header: str | None


@dataclass(frozen=True)
class Method:
    """One deployed method: its resource template, integration handler and authorizer."""

    http_method: str
    resource_path: str
    pattern: re.Pattern[str]
    handler: Handler
    authorizer: Authorizer | None = None
    api_key_required: bool = False
    # The function's streaming entry point (`stream_handler` beside its handler), when it has one.
    stream_handler: Handler | None = None


@dataclass(frozen=True)
class Api:
    """Where the stage lives, for the methodArn the authorizer sees."""

    region: str
    account: str
    api_id: str
    stage: str

    def method_arn(self, http_method: str, path: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account}:{self.api_id}/{self.stage}/{http_method}{path}"


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


def load_handler(handler_spec: str, environment: dict[str, str], code_dir: Path) -> tuple[Handler, Handler | None]:
    """Import `module.function` from `code_dir` with the function's environment applied; with it, the module's
    streaming entry point (`stream_handler`), if it has one."""
    os.environ.update(environment)
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    module_name, _, function_name = handler_spec.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name), getattr(module, STREAM_ENTRY_POINT, None)


class FunctionLoader:
    """Loads each Lambda a stage uses once, from the emulator's configuration (shipping its logs if asked)."""

    def __init__(self, endpoint: str, region: str, code_dir: Path, shipper: LogShipper | None = None) -> None:
        self._lambda = emulator_client(endpoint, "lambda", region)
        self._code_dir = code_dir
        self._handlers: dict[str, Handler] = {}
        self._streams: dict[str, Handler | None] = {}
        self._shipper = shipper

    def stream_handler_for(self, uri: str) -> Handler | None:
        """The streaming entry point of the function `uri` names (loaded by `handler_for`), or None."""
        match = FUNCTION_ARN.search(uri or "")
        return self._streams.get(match.group(1)) if match else None

    def handler_for(self, uri: str) -> tuple[str, Handler] | None:
        match = FUNCTION_ARN.search(uri or "")
        if match is None:
            return None
        arn = match.group(1)
        if arn not in self._handlers:
            config = self._lambda.get_function_configuration(FunctionName=arn)
            variables = config.get("Environment", {}).get("Variables", {})
            handler, streaming = load_handler(config["Handler"], variables, self._code_dir)
            if self._shipper is not None:
                handler = self._shipper.wrap(config["FunctionName"], handler)
                streaming = self._shipper.wrap(config["FunctionName"], streaming) if streaming else None
            self._handlers[arn], self._streams[arn] = handler, streaming
        return arn, self._handlers[arn]


def read_stage(
    endpoint: str,
    rest_api_id: str,
    stage: str,
    code_dir: Path,
    *,
    region: str = "us-east-1",
    shipper: LogShipper | None = None,
    sagemaker_runtime_url: str | None = None,
) -> tuple[Api, list[Method]]:
    """Read every Lambda proxy method of the API, with its authorizer, from the emulator."""
    apigateway = emulator_client(endpoint, "apigateway", region)
    loader = FunctionLoader(endpoint, region, code_dir, shipper)
    authorizers: dict[str, Authorizer] = {}
    account = "000000000000"
    for item in apigateway.get_authorizers(restApiId=rest_api_id).get("items", []):
        loaded = loader.handler_for(item.get("authorizerUri", ""))
        if loaded is None or item.get("type") != "REQUEST":
            continue
        account = loaded[0].split(":")[4]
        source = item.get("identitySource") or ""
        header = source.removeprefix("method.request.header.") if source.startswith("method.request.header.") else None
        authorizers[item["id"]] = Authorizer(loaded[1], header.lower() if header else None)
    methods: list[Method] = []
    for resource in apigateway.get_resources(restApiId=rest_api_id, limit=500)["items"]:
        for http_method in resource.get("resourceMethods", {}) or {}:
            method = apigateway.get_method(restApiId=rest_api_id, resourceId=resource["id"], httpMethod=http_method)
            integration = method.get("methodIntegration") or {}
            uri = integration.get("uri", "")
            loaded = loader.handler_for(uri) if integration.get("type") == "AWS_PROXY" else None
            if loaded is None and sagemaker_runtime_url and ":runtime.sagemaker:" in uri:
                loaded = ("", sagemaker_handler(integration, sagemaker_runtime_url))
            if loaded is None:
                # A direct service integration without a local stand-in (Bedrock): authorized here,
                # then refused with 501, since the emulator runs no model.
                loaded = ("", not_emulated(uri))
            authorizer = (
                authorizers.get(method.get("authorizerId", "")) if method.get("authorizationType") == "CUSTOM" else None
            )
            if method.get("authorizationType") == "CUSTOM" and authorizer is None:
                raise StageError(f"{http_method} {resource['path']} names an authorizer this server cannot run")
            methods.append(
                Method(
                    http_method,
                    resource["path"],
                    template_pattern(resource["path"]),
                    loaded[1],
                    authorizer,
                    bool(method.get("apiKeyRequired")),
                    loader.stream_handler_for(uri) if integration.get("type") == "AWS_PROXY" else None,
                )
            )
    if not methods:
        raise StageError(f"REST API {rest_api_id} has no Lambda proxy methods in the emulator at {endpoint}")
    return Api(region, account, rest_api_id, stage), methods


def not_emulated(uri: str) -> Handler:
    """A handler for a direct AWS service integration: the local stage cannot call the service."""
    service = uri.split(":")[4] if uri.count(":") >= 5 else "an AWS service"

    def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise Refusal(501, "server_error", "not_emulated", f"this route calls {service} directly; run it in AWS")

    return refuse


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


def allows(policy: dict[str, Any], method_arn: str) -> bool:
    """Evaluate the authorizer's policy for `method_arn` as API Gateway does: an explicit Deny wins."""
    allowed = False
    for statement in policy.get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(method_arn, pattern) for pattern in resources):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def authorize(method: Method, api: Api, event: dict[str, Any]) -> dict[str, Any] | None:
    """Run the method's authorizer; return the context to inject, or raise the refusal API Gateway sends."""
    authorizer = method.authorizer
    if authorizer is None:
        return None
    headers = event["headers"]
    if authorizer.identity_header and not headers.get(authorizer.identity_header):
        raise Refusal(401, "authentication_error", "invalid_api_key", "Unauthorized")
    method_arn = api.method_arn(method.http_method, event["path"])
    request = {**event, "type": "REQUEST", "methodArn": method_arn}
    try:
        answer = authorizer.handler(request, Context())
    except Exception as err:
        if str(err) == "Unauthorized":
            raise Refusal(401, "authentication_error", "invalid_api_key", "Unauthorized") from None
        raise Refusal(500, "server_error", "authorizer_failed", "the authorizer failed") from None
    if not allows(answer.get("policyDocument", {}), method_arn):
        raise Refusal(403, "permission_error", "access_denied", "User is not authorized to access this resource")
    if method.api_key_required and not answer.get("usageIdentifierKey"):
        raise Refusal(403, "permission_error", "access_denied", "Forbidden")
    context = dict(answer.get("context") or {})
    context["principalId"] = answer.get("principalId", "")
    return context


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


def make_server(port: int, api: Api, methods: list[Method]) -> ThreadingHTTPServer:
    stage = api.stage

    class StageHandler(BaseHTTPRequestHandler):
        server_version = "local-stage"
        # Chunked answers (streams) need HTTP/1.1; every other answer carries its length.
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            status = args[1] if len(args) > 1 else ""
            sys.stderr.write(f"local-stage: {self.command} {self.path.split('?')[0]} {status}\n")

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            send(self, status, headers, body)

        def _refuse(self, refusal: Refusal, request_id: str | None = None) -> None:
            request_id = request_id or str(uuid.uuid4())
            error = {
                "message": refusal.message,
                "type": refusal.error_type,
                "code": refusal.code,
                "param": None,
                "request_id": request_id,
            }
            headers = {"content-type": "application/json", "x-request-id": request_id}
            self._send(refusal.status, headers, json.dumps({"error": error}).encode())

        def _serve(self) -> None:
            try:
                self._dispatch()
            except Refusal as refusal:
                self._refuse(refusal)

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            prefix = f"/{stage}"
            if not (url.path == prefix or url.path.startswith(prefix + "/")):
                raise Refusal(404, "invalid_request_error", "stage_not_found", f"no stage at {url.path[:100]!r}")
            path = url.path[len(prefix) :] or "/"
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                raise Refusal(413, "invalid_request_error", "request_too_large", "Request Too Long")
            body = self.rfile.read(length) if length else b""
            method, params = self._match(path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                event = proxy_event(
                    method, stage=stage, path=path, query=url.query, headers=headers, body=body, params=params
                )
            except UnicodeDecodeError:
                raise Refusal(400, "invalid_request_error", "invalid_body", "the body is not UTF-8 text") from None
            context = authorize(method, api, event)
            if context is not None:
                event["requestContext"]["authorizer"] = context
            if method.stream_handler is not None:
                self._stream(method.stream_handler, event)
                return
            try:
                response = method.handler(event, Context())
            except Refusal:
                raise
            except Exception as err:  # API Gateway answers a failed invocation with 502
                sys.stderr.write(f"local-stage: handler failed: {type(err).__name__}\n")
                raise Refusal(502, "server_error", "backend_failed", "Internal server error") from None
            payload = response.get("body") or ""
            raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
            self._send(int(response["statusCode"]), dict(response.get("headers") or {}), raw)

        def _stream(self, handler: Handler, event: dict[str, Any]) -> None:
            """Relay a streaming function's answer as it is written: its prelude becomes the status and
            headers, the rest goes out in HTTP/1.1 chunks, as API Gateway's STREAM transfer mode does."""
            relay = ChunkedRelay(self)
            try:
                handler(event, Context(), relay.write)
            except Exception as err:  # a failed invocation: 502 before the answer started, else the end
                sys.stderr.write(f"local-stage: stream handler failed: {type(err).__name__}\n")
                if not relay.open:
                    raise Refusal(502, "server_error", "backend_failed", "Internal server error") from None
            if not relay.open:
                raise Refusal(502, "server_error", "backend_failed", "the function wrote no answer")
            relay.end()

        def _match(self, path: str) -> tuple[Method, dict[str, str]]:
            for method in methods:
                found = method.pattern.match(path)
                if found and method.http_method == self.command:
                    return method, found.groupdict()
            # With an authorizer on every method, API Gateway answers unknown routes like this.
            raise Refusal(404, "invalid_request_error", "route_not_found", "Missing Authentication Token")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return ThreadingHTTPServer((HOST, port), StageHandler)


def unpack(packages: list[Path], target: Path) -> Path:
    """Unzip the function packages into `target`, as Lambda would lay each out."""
    target.mkdir(parents=True, exist_ok=True)
    for package in packages:
        if not package.exists():
            raise StageError(f"{package} is missing; run `make package`")
        with zipfile.ZipFile(package) as archive:
            archive.extractall(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emulator-endpoint", required=True)
    parser.add_argument("--rest-api-id", required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--packages-dir", type=Path, default=DIST_DIR)
    parser.add_argument("--code-dir", type=Path, default=BUILD_DIR / "local-stage" / "code")
    parser.add_argument(
        "--sagemaker-endpoints", type=Path, default=None, help="JSON: endpoint -> variant -> {url, weight}"
    )
    args = parser.parse_args(argv)
    # The functions' own AWS calls (tenant table, API keys) go to the emulator as well.
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": args.emulator_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",  # the emulator's placeholder, not a secret
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    runtime: ThreadingHTTPServer | None = None
    try:
        runtime_url = None
        if args.sagemaker_endpoints is not None:
            endpoints = sagemaker_runtime.parse_endpoints(json.loads(args.sagemaker_endpoints.read_text()))
            runtime = sagemaker_runtime.make_server(0, sagemaker_runtime.Runtime(endpoints))
            threading.Thread(target=runtime.serve_forever, daemon=True).start()
            runtime_url = f"http://{HOST}:{runtime.server_address[1]}"
            # The functions' SageMaker calls (boto3's and the transform's own) go to it.
            os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] = runtime_url
        code_dir = unpack(sorted(args.packages_dir.glob("*.zip")), args.code_dir)
        # Before the handlers are imported: their loggers keep the stdout they find.
        shipper = install(emulator_client(args.emulator_endpoint, "logs"))
        api, methods = read_stage(
            args.emulator_endpoint, args.rest_api_id, args.stage, code_dir, shipper=shipper,
            sagemaker_runtime_url=runtime_url,
        )  # fmt: skip
        server = make_server(args.port, api, methods)
    except (StageError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # botocore errors: one line, no trace
        print(f"error: could not read the stage from the emulator: {err}", file=sys.stderr)
        return 1
    print(f"local-stage: serving /{args.stage} on http://{HOST}:{args.port}", file=sys.stderr, flush=True)
    try:
        return serve_until_stopped(server)
    finally:
        if runtime is not None:
            runtime.shutdown()
            runtime.server_close()


if __name__ == "__main__":
    sys.exit(main())
