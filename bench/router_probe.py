"""Run inside a fresh interpreter by bench/run.py: time the router's import and its requests.

Prints one JSON object on the last line of stderr. stdout carries the router's logs
(powertools writes one JSON line per request) and is discarded by the caller.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
import router.handler as handler_module  # noqa: E402

import_seconds = time.perf_counter() - started


class Context:
    aws_request_id = "bench"
    function_name = "bench-router"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-router"
    memory_limit_in_mb = 256


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    event = {
        "resource": "/v1/models",
        "path": "/v1/models",
        "httpMethod": "GET",
        "requestContext": {"requestId": "bench-request"},
    }
    samples = []
    context = Context()
    for _ in range(requests):
        begin = time.perf_counter()
        response = handler_module.handler(event, context)  # type: ignore[arg-type]
        samples.append(time.perf_counter() - begin)
        assert response["statusCode"] == 200
    samples.sort()

    def quantile(q: float) -> float:
        return samples[min(len(samples) - 1, int(q * len(samples)))] if samples else 0.0

    result = {"import_seconds": import_seconds, "p50_seconds": quantile(0.50), "p99_seconds": quantile(0.99)}
    print(json.dumps(result), file=sys.stderr)


main()
