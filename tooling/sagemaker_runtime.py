"""A local SageMaker Runtime: `InvokeEndpoint` on 127.0.0.1, in front of the local model servers.

The emulator stores endpoints but runs no model. This stand-in answers InvokeEndpoint
(`POST /endpoints/{name}/invocations`) as SageMaker Runtime does for the calls the
gateway makes: it picks the production variant (the `X-Amzn-SageMaker-Target-Variant`
header, else at random by weight), forwards the body, content type and accept to that
variant's container (`POST /invocations`), and answers with the container's body and
`X-Amzn-Invoked-Production-Variant`. A container's error answer becomes a 424 ModelError
carrying `OriginalStatusCode`; an unknown endpoint or variant a 400 ValidationError.
Functions reach it through `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, as boto3 and the
transform's own client read it.

What it does not do: check signatures, serverless cold starts, async inference, data
capture, or shadow variants.
"""

from __future__ import annotations

import json
import random
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tooling.http_serving import send

HOST = "127.0.0.1"
INVOKE_PATH = re.compile(r"^/endpoints/([^/?]+)/invocations$")
MAX_BODY_BYTES = 6 * 1024 * 1024
CONTAINER_TIMEOUT_SECONDS = 60  # SageMaker's own limit for a synchronous invocation


@dataclass(frozen=True)
class Variant:
    name: str
    weight: float
    url: str  # the container's base URL (its /invocations is called)


def parse_endpoints(document: Any) -> dict[str, tuple[Variant, ...]]:
    """`{endpoint: {variant: {"url": ..., "weight": ...}}}` -> variants per endpoint."""
    if not isinstance(document, dict):
        raise ValueError("the endpoint map must be an object of endpoint -> variant -> {url, weight}")
    endpoints = {}
    for endpoint, variants in document.items():
        if not isinstance(variants, dict) or not variants:
            raise ValueError(f"endpoint {endpoint!r} needs at least one variant")
        endpoints[endpoint] = tuple(
            Variant(name, float(v.get("weight", 1)), str(v["url"]).rstrip("/")) for name, v in sorted(variants.items())
        )
        for variant in endpoints[endpoint]:
            if not variant.url.startswith(f"http://{HOST}:"):
                raise ValueError(f"variant {variant.name!r} of {endpoint!r}: containers are served on http://{HOST}")
    return endpoints


class Runtime:
    def __init__(self, endpoints: dict[str, tuple[Variant, ...]], rng: random.Random | None = None) -> None:
        self.endpoints = endpoints
        self._rng = rng or random.Random()  # noqa: S311 - traffic split, not a secret

    def choose(self, endpoint: str, target: str | None) -> Variant:
        variants = self.endpoints.get(endpoint)
        if variants is None:
            raise RuntimeRefusal(400, "ValidationError", f"Endpoint {endpoint} of account 000000000000 not found.")
        if target:
            for variant in variants:
                if variant.name == target:
                    return variant
            raise RuntimeRefusal(400, "ValidationError", f"Variant {target} not found for endpoint {endpoint}.")
        weighted = [v for v in variants if v.weight > 0] or list(variants)
        return self._rng.choices(weighted, weights=[max(v.weight, 1e-9) for v in weighted])[0]

    def invoke(
        self, endpoint: str, target: str | None, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        variant = self.choose(endpoint, target)
        request = urllib.request.Request(  # noqa: S310 - loopback http only (parse_endpoints)
            variant.url + "/invocations",
            data=body,
            method="POST",
            headers={
                "content-type": headers.get("content-type", "application/json"),
                "accept": headers.get("accept", "application/json"),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=CONTAINER_TIMEOUT_SECONDS) as answer:  # noqa: S310 - loopback
                data = answer.read()
                kind = answer.headers.get("content-type", "application/json")
        except urllib.error.HTTPError as err:
            original = err.read().decode("utf-8", "replace")[:1024]
            error = {
                "ErrorCode": "CLIENT_ERROR_FROM_MODEL" if err.code < 500 else "SERVER_ERROR_FROM_MODEL",
                "Message": f"Received {'client' if err.code < 500 else 'server'} error ({err.code}) from "
                f'{variant.name} with message "{original}".',
                "OriginalMessage": original,
                "OriginalStatusCode": err.code,
            }
            return (
                424,
                {"x-amzn-errortype": "ModelError:", "content-type": "application/json"},
                json.dumps(error).encode(),
            )
        except OSError:
            raise RuntimeRefusal(
                500, "InternalFailure", f"the container of variant {variant.name} did not answer"
            ) from None
        return 200, {"content-type": kind, "x-amzn-invoked-production-variant": variant.name}, data


class RuntimeRefusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def make_server(port: int, runtime: Runtime) -> ThreadingHTTPServer:
    class RuntimeHandler(BaseHTTPRequestHandler):
        server_version = "local-sagemaker-runtime"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            match = INVOKE_PATH.match(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(min(length, MAX_BODY_BYTES + 1))
            try:
                if match is None:
                    raise RuntimeRefusal(404, "UnknownOperationException", "only InvokeEndpoint is served here")
                if length > MAX_BODY_BYTES:
                    raise RuntimeRefusal(413, "ValidationError", "the body is larger than 6 MB")
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer_headers, answer = runtime.invoke(
                    urllib.parse.unquote(match.group(1)),
                    headers.get("x-amzn-sagemaker-target-variant"),
                    body,
                    headers,
                )
            except RuntimeRefusal as refusal:
                payload = json.dumps({"message": refusal.message}).encode()
                send(
                    self,
                    refusal.status,
                    {"x-amzn-errortype": f"{refusal.code}:", "content-type": "application/json"},
                    payload,
                )
                return
            send(self, status, answer_headers, answer)

    return ThreadingHTTPServer((HOST, port), RuntimeHandler)
