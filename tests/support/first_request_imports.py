"""Run in a fresh interpreter: which gateway modules the router's first chat request still imports.

Usage: python -m tests.support.first_request_imports <AWS_LAMBDA_INITIALIZATION_TYPE>
Prints a JSON list of module names (router.*, shared.*, contract.*, boto3, botocore, jinja2) that
were first imported while the first chat request was served, after the handler's init.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

WATCHED = ("router", "shared", "contract", "boto3", "botocore", "jinja2")


def watched(names: set[str]) -> set[str]:
    return {name for name in names if name.split(".", 1)[0] in WATCHED}


class Context:
    aws_request_id = "first"
    function_name = "router"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:router"
    memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def main() -> None:
    os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = sys.argv[1]
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    import pytest

    from tests.support.config_store import publish

    patch = pytest.MonkeyPatch()
    publish(patch, {"haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0"}})
    before_init = set(sys.modules)
    from router import handler

    after_init = set(sys.modules)

    def answering(service: Any) -> Any:
        from router.chat import ChatResult

        class Answering:
            def complete(self, request: object, model_id: str, timeout_seconds: float) -> ChatResult:
                return ChatResult("Hello.", "stop", 5, 2)

        service.backends = type(service.backends)(dict.fromkeys(("bedrock",), lambda _: Answering()))
        return service

    if handler.SERVICE is None:  # on demand: the first request builds the service, as in Lambda
        build = handler.build_service
        handler.build_service = lambda settings: answering(build(settings))
    else:
        answering(handler.SERVICE)
    body = {"model": "haiku", "messages": [{"role": "user", "content": "Hi"}]}
    event = {
        "resource": "/v1/chat/completions", "path": "/v1/chat/completions", "httpMethod": "POST",
        "headers": {"content-type": "application/json"}, "body": json.dumps(body), "isBase64Encoded": False,
        "requestContext": {"requestId": "first", "authorizer": {"tenant_id": "acme", "tier": "premium",
                                                                "allowed_models": "haiku"}},
    }  # fmt: skip
    response = handler.handler(event, Context())
    assert response["statusCode"] == 200, response["body"]
    print(json.dumps({"init": sorted(watched(after_init - before_init)),
                      "first_request": sorted(watched(set(sys.modules) - after_init))}))  # fmt: skip


main()
