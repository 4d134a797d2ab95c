"""Every router answer is UTF-8: lone surrogates a client sends never reach an answer or break a hash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.router_harness import Router, body_of, build_router

CHAT = "/v1/chat/completions"
HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Router:
    return build_router(monkeypatch)


def _encodable(response: dict[str, Any]) -> None:
    # What the Lambda runtime does with the answer before API Gateway sees it.
    json.dumps(response, ensure_ascii=False).encode("utf-8")


def test_a_user_with_a_lone_surrogate_is_routed_sticky_without_failing(router: Router) -> None:
    # Before: the sticky-routing hash raised UnicodeEncodeError and the client got a 500.
    response = router.call(CHAT, {"model": "chat", "messages": HI, "user": "\ud800"})
    assert response["statusCode"] == 200, response["body"]
    _encodable(response)
    again = router.call(CHAT, {"model": "chat", "messages": HI, "user": "\ud800"})
    assert again["headers"]["x-aigw-model"] == response["headers"]["x-aigw-model"]


def test_an_error_echoing_a_lone_surrogate_is_still_utf8(router: Router) -> None:
    # Before: the 404 echoed the alias raw, and the runtime could not encode the answer (502 in AWS).
    response = router.call(CHAT, {"model": "\ud800x", "messages": HI})
    assert response["statusCode"] == 404
    _encodable(response)
    assert "\ufffdx" in body_of(response)["error"]["message"]


def test_an_answer_past_the_lambda_limit_is_a_json_502_not_a_runtime_failure(router: Router) -> None:
    # A provider sending far more dimensions than the catalog says: the pre-call bound cannot see it.
    from router.embeddings import EmbeddingResult

    titan = str(router.service.settings.by_alias["titan-embed"].model_id)
    vectors = tuple((0.123456789012345,) * 20_000 for _ in range(24))  # 8.6 MB of JSON
    router.backend.scripts[titan] = [EmbeddingResult(vectors, 24)]
    response = router.call("/v1/embeddings", {"model": "titan-embed", "input": ["x"] * 24})
    assert response["statusCode"] == 502
    assert body_of(response)["error"]["code"] == "answer_too_large"
