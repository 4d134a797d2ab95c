"""Registered prompts through the router handler: the prompt route, `prompt` in chat completions, the OpenAI SDK.

The router reads the repository's own prompts/ as the module publishes them, through
the configuration document, and serves them with its routing, budgets and metrics.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai import OpenAI

from tests.support.http import running
from tests.support.router_harness import Router, body_of, build_router, emf_records, prompt_call
from tests.support.sdk_stage import stage_server
from tooling.prompt_registry import document, everything

CHAT = "/v1/chat/completions"
PROMPTS = document(everything())


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Router:
    return build_router(monkeypatch, prompts=PROMPTS)


def test_the_prompt_route_renders_the_production_version_and_serves_it_as_a_chat_completion(
    router: Router, capsys: pytest.CaptureFixture[str]
) -> None:
    response = prompt_call(router, "summarize", {"variables": {"document": "Revenue rose 4%."}, "user": "u-1"})
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["object"] == "chat.completion"
    headers = response["headers"]
    assert (headers["x-aigw-prompt"], headers["x-aigw-prompt-version"], headers["x-aigw-prompt-label"]) == (
        "summarize",
        "1",
        "production",
    )
    sent = router.backend.last_chat()
    assert "<document>\nRevenue rose 4%.\n</document>" in sent.messages[0].content
    assert sent.system is not None and "at most 5 bullet points" in sent.system
    assert (sent.temperature, sent.max_tokens, sent.user) == (0.2, 600, "u-1")
    [record] = emf_records(capsys.readouterr().out)
    assert (record["prompt"], record["prompt_version"], record["route"]) == (
        "summarize",
        "1",
        "/v1/prompts/{promptName}",
    )


def test_a_prompt_reference_in_a_chat_completion_is_rendered_before_the_conversation(router: Router) -> None:
    body = {
        "model": "chat",
        "messages": [{"role": "user", "content": "Thanks. Now in French."}],
        "prompt": {"name": "summarize", "label": "staging", "variables": {"document": "Q3"}},
    }
    response = router.call(CHAT, body)
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["x-aigw-prompt-version"] == "2"
    assert [m.content for m in router.backend.last_chat().messages][-1] == "Thanks. Now in French."


def test_refusals_are_json_errors_naming_the_field_with_the_request_id(router: Router) -> None:
    cases = [
        ("nope", {"variables": {}}, 404, "prompt_not_found", "name"),
        ("summarize", {"label": "canary", "variables": {"document": "x"}}, 404, "prompt_not_found", "label"),
        ("summarize", {"variables": {"document": 3}}, 400, "invalid_prompt_variables", "variables.document"),
        ("summarize", {"variables": {"document": "x"}, "model": "gpt"}, 400, "override_not_allowed", "model"),
        ("summarize", {"variables": {"document": "x"}, "messages": []}, 400, "unsupported_parameter", "messages"),
    ]
    for name, body, status, code, param in cases:
        response = prompt_call(router, name, body, request_id="req-9")
        error = body_of(response)["error"]
        assert (response["statusCode"], error["code"], error["param"]) == (status, code, param), error
        assert error["request_id"] == "req-9"
    assert router.backend.requests == []


def test_the_prompts_model_is_routed_inside_the_tenants_allow_list(router: Router) -> None:
    # `chat` routes to haiku (90) and llama (10): a tenant allowed neither gets the router's 404.
    response = prompt_call(router, "summarize", {"variables": {"document": "x"}}, allowed="gpt")
    assert response["statusCode"] == 404 and body_of(response)["error"]["code"] == "model_not_found"


def test_the_ab_arm_is_sticky_per_user_through_the_handler(router: Router) -> None:
    versions = {
        user: {
            prompt_call(router, "summarize", {"label": "experiment", "variables": {"document": "x"}, "user": user})[
                "headers"
            ]["x-aigw-prompt-version"]
            for _ in range(3)
        }
        for user in (f"user-{i}" for i in range(40))
    }
    assert all(len(v) == 1 for v in versions.values())
    assert {v for vs in versions.values() for v in vs} == {"1", "2"}


@pytest.fixture
def sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAI, Router]]:
    router = build_router(monkeypatch, prompts=PROMPTS)
    with running(stage_server(router)) as base:
        client = OpenAI(base_url=f"{base}/dev/v1", api_key="tenant-key-not-checked-here", max_retries=0, timeout=10)
        yield client, router
        client.close()


def test_the_openai_sdk_names_a_prompt_through_extra_body(sdk: tuple[OpenAI, Router]) -> None:
    client, router = sdk
    raw = client.chat.completions.with_raw_response.create(
        model="chat",
        messages=[],
        extra_body={"prompt": {"name": "classify-ticket", "variables": {"ticket": "I was charged twice."}}},
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hello from the stub."
    assert raw.headers["x-aigw-prompt"] == "classify-ticket" and raw.headers["x-aigw-prompt-version"] == "1"
    assert "I was charged twice." in router.backend.last_chat().messages[0].content
    # The prompt route through the SDK's generic POST.
    answer = client.post("/prompts/summarize", body={"variables": {"document": "Short."}}, cast_to=dict[str, Any])
    assert answer["object"] == "chat.completion"


TEXT = st.text(max_size=60)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
BODIES = st.fixed_dictionaries(
    {},
    optional={
        "variables": st.dictionaries(st.sampled_from(["document", "audience", "bullets", "ticket", "x"]), VALUES)
        | VALUES,
        "label": st.sampled_from(["production", "staging", "experiment", "canary"]) | VALUES,
        "version": st.sampled_from([1, 2, 3]) | VALUES,
        "user": TEXT | VALUES,
        "temperature": VALUES,
        "model": st.sampled_from(["chat", "haiku"]) | VALUES,
    },
)


@pytest.fixture(scope="module")
def shared_router() -> Iterator[Router]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield build_router(monkeypatch, prompts=PROMPTS)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["summarize", "classify-ticket", "nope"]) | TEXT, body=BODIES, via_chat=st.booleans())
def test_no_prompt_or_variable_makes_the_router_raise(
    shared_router: Router, name: str, body: dict[str, Any], via_chat: bool
) -> None:
    if via_chat:
        chat = {"model": "chat", "messages": [], "prompt": {"name": name, **body}}
        response = shared_router.call(CHAT, json.dumps(chat), raw=True)
    else:
        response = prompt_call(shared_router, name, json.dumps(body), raw=True)
    assert 200 <= response["statusCode"] < 500, response["body"]
    json.dumps(response, ensure_ascii=False).encode("utf-8")
    if response["statusCode"] >= 400:
        assert json.loads(response["body"])["error"]["message"]
