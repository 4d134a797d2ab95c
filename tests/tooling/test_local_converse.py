"""The direct Bedrock route runs locally: its deployed templates around the Converse stand-in (an echo, or a
local OpenAI-compatible provider translated to and from Converse's wire format)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from contract import tenancy
from tests.support.http import running, send_json
from tests.support.local_stage import deployed_integration
from tooling.local_stage.converse import converse_service
from tooling.local_stage.direct import direct_handler

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
INTEGRATION = deployed_integration("bedrock", {"haiku": HAIKU})


def converse_event(body: dict[str, Any], alias: str = "haiku", allowed: str = "haiku") -> dict[str, Any]:
    authorizer = {tenancy.CONTEXT_TENANT_ID: "globex", tenancy.CONTEXT_ALLOWED_MODELS: allowed}
    return {
        "headers": {"content-type": "application/json"},
        "pathParameters": {"modelId": alias},
        "body": json.dumps(body),
        "requestContext": {"requestId": "req-converse", "authorizer": authorizer},
    }


CHAT = {"system": "Be brief.", "messages": [{"role": "user", "content": 'Say "hi" to ünïcode'}], "max_tokens": 64}


def test_without_a_provider_the_stand_in_echoes_through_the_deployed_templates() -> None:
    answer = direct_handler(INTEGRATION, converse_service(None))(converse_event(CHAT), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {
        "id": "req-converse", "object": "bedrock.converse", "model": "haiku", "text": 'Say "hi" to ünïcode',
        "stop_reason": "end_turn", "usage": {"input_tokens": 6, "output_tokens": 4, "total_tokens": 10},
    }  # fmt: skip


def test_a_model_outside_the_allow_list_is_refused_as_the_role_would_refuse_it() -> None:
    answer = direct_handler(INTEGRATION, converse_service(None))(converse_event(CHAT, allowed="other"), None)
    assert answer["statusCode"] == 403
    error = json.loads(answer["body"])["error"]
    assert (error["code"], error["request_id"]) == ("model_access_denied", "req-converse")
    assert HAIKU not in answer["body"]


class Provider(BaseHTTPRequestHandler):
    """An OpenAI-compatible provider that records what it was sent and answers as scripted."""

    received: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        Provider.received.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
        if Provider.status != 200:
            send_json(self, Provider.status, {"error": {"message": "no"}})
            return
        send_json(self, 200, {
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there"},
                         "finish_reason": "length"}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13},
        })  # fmt: skip


@pytest.fixture
def provider_url() -> Iterator[str]:
    Provider.received, Provider.status = [], 200
    with running(ThreadingHTTPServer(("127.0.0.1", 0), Provider)) as url:
        yield url


def test_with_a_provider_the_request_and_answer_are_translated(provider_url: str) -> None:
    answer = direct_handler(INTEGRATION, converse_service(provider_url))(converse_event(CHAT), None)
    assert Provider.received == [{
        "model": HAIKU, "max_tokens": 64,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": 'Say "hi" to ünïcode'}],
    }]  # fmt: skip
    body = json.loads(answer["body"])
    assert (answer["statusCode"], body["text"], body["stop_reason"]) == (200, "Hello there", "max_tokens")
    assert body["usage"] == {"input_tokens": 11, "output_tokens": 2, "total_tokens": 13}


@pytest.mark.parametrize(("provider_status", "status", "code"), [(429, 429, "model_throttled"),
                                                                  (503, 502, "model_error"),
                                                                  (400, 400, "invalid_request")])  # fmt: skip
def test_provider_failures_become_bedrocks_statuses_and_the_deployed_error_mappings(
    provider_url: str, provider_status: int, status: int, code: str
) -> None:
    Provider.status = provider_status
    answer = direct_handler(INTEGRATION, converse_service(provider_url))(converse_event(CHAT), None)
    assert (answer["statusCode"], json.loads(answer["body"])["error"]["code"]) == (status, code)
