"""Run inside a fresh interpreter by bench/run.py: time the transform's import and its requests.

Requests go through the whole handler (event parsing, the spec's checks and shaping, variant
choice, the resilient caller, output shaping, the request log line and the usage record) with
an endpoint that answers at once, so the figures are the transform's own overhead. Prints one
JSON object on the last line of stderr; stdout (the function's logs and metrics) is discarded.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
import transform.handler as handler_module  # noqa: E402

import_seconds = time.perf_counter() - started

from transform.endpoint import Invocation  # noqa: E402

FLOWER = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
TENANT = {"tenant_id": "bench", "tier": "premium", "allowed_models": "iris"}


class ZeroLatencyEndpoint:
    """Answers one probability row per CSV line, at once."""

    def invoke(self, endpoint: str, body: bytes, content_type: str, variant: str | None, timeout: float) -> Invocation:
        rows = body.count(b"\n") + 1
        return Invocation(json.dumps({"predictions": [[0.97, 0.02, 0.01]] * rows}).encode(), variant or "blue")


class Context:
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def event(instances: int) -> dict[str, object]:
    return {
        "resource": "/v1/transform/{transformModel}",
        "path": "/v1/transform/iris",
        "httpMethod": "POST",
        "headers": {"content-type": "application/json"},
        "pathParameters": {"transformModel": "iris"},
        "body": json.dumps({"instances": [FLOWER] * instances}),
        "requestContext": {"requestId": "bench-request", "authorizer": TENANT},
    }


def measure(case: dict[str, object], requests: int) -> dict[str, float]:
    samples, context = [], Context()
    for _ in range(requests):
        begin = time.perf_counter()
        response = handler_module.handler(case, context)
        samples.append(time.perf_counter() - begin)
        if response["statusCode"] != 200:
            raise SystemExit(f"bench request failed: {response['body']}")
    samples.sort()
    return {q: samples[min(len(samples) - 1, int(f * len(samples)))] for q, f in (("p50", 0.5), ("p99", 0.99))}


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    result: dict[str, object] = {"import_seconds": import_seconds}
    if requests:
        if handler_module.SETTINGS.settings is None:
            raise SystemExit("the transform could not read its configuration")
        handler_module.RUNTIME = ZeroLatencyEndpoint()  # type: ignore[assignment]
        result["one_instance"] = measure(event(1), requests)
        result["ten_instances"] = measure(event(10), requests)
    print(json.dumps(result), file=sys.stderr)


main()
