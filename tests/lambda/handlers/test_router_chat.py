"""The router's model routes end to end in-process: OpenAI shapes, routing headers, refusals, resilience."""

from __future__ import annotations

import json
import logging

import pytest

from router.chat import ChatResult
from shared.backend_errors import BackendError
from tests.support.router_harness import MODELS, Router, body_of, build_router, emf_records

HAIKU = str(MODELS["haiku"]["model_id"])
SONNET = str(MODELS["sonnet"]["model_id"])
GPT = str(MODELS["gpt"]["model_id"])
LLAMA = str(MODELS["llama"]["model_id"])
CHAT = "/v1/chat/completions"
HELLO = {"model": "haiku", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Router:
    return build_router(monkeypatch)


def test_a_chat_completion_has_openai_shape_usage_and_the_serving_target(router: Router) -> None:
    response = router.call(CHAT, HELLO)
    assert response["statusCode"] == 200, response["body"]
    body = body_of(response)
    assert body["object"] == "chat.completion"
    assert body["id"] == "chatcmpl-req-1"
    assert body["model"] == "haiku"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from the stub.", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ]
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    headers = response["headers"]
    assert (headers["x-aigw-model"], headers["x-aigw-backend"], headers["x-aigw-arm"]) == ("haiku", "bedrock", "haiku")
    assert headers["x-aigw-fallback"] == "false"
    assert headers["x-aigw-cache"] == "off"
    assert router.backend.calls[0][0] == HAIKU


def test_a_routed_alias_answers_with_the_arm_that_served_it(router: Router) -> None:
    arms = {
        router.call(CHAT, {**HELLO, "model": "chat", "user": f"user-{i}"}, request_id=f"r{i}")["headers"]["x-aigw-arm"]
        for i in range(60)
    }
    assert arms == {"A", "B"}


def test_the_same_user_stays_on_one_arm(router: Router) -> None:
    arms = {
        router.call(CHAT, {**HELLO, "model": "chat", "user": "u-7"}, request_id=f"r{i}")["headers"]["x-aigw-arm"]
        for i in range(20)
    }
    assert len(arms) == 1


@pytest.mark.parametrize(
    ("change", "status", "param", "code"),
    [
        ({"stream": "yes"}, 400, "stream", "invalid_parameter"),
        ({"stream_options": {"include_usage": True}}, 400, "stream_options", "invalid_parameter"),
        ({"n": 2}, 400, "n", "unsupported_parameter"),
        ({"tools": [{"type": "function"}]}, 400, "tools[0]", "invalid_parameter"),
        ({"tools": {"name": "f"}}, 400, "tools", "invalid_parameter"),
        ({"tool_choice": "required"}, 400, "tool_choice", "invalid_parameter"),
        ({"response_format": {"type": "xml"}}, 400, "response_format", "invalid_parameter"),
        ({"seed": 1.5}, 400, "seed", "invalid_parameter"),
        ({"frobnicate": 1}, 400, "frobnicate", "unsupported_parameter"),
        ({"temperature": 3}, 400, "temperature", "invalid_parameter"),
        ({"temperature": "hot"}, 400, "temperature", "invalid_parameter"),
        ({"max_tokens": 0}, 400, "max_tokens", "invalid_parameter"),
        ({"max_tokens": 10, "max_completion_tokens": 20}, 400, "max_tokens", "invalid_parameter"),
        ({"stop": ["a", "b", "c", "d", "e"]}, 400, "stop", "invalid_parameter"),
        ({"messages": []}, 400, "messages", "invalid_parameter"),
        ({"messages": [{"role": "system", "content": "only system"}]}, 400, "messages", "invalid_parameter"),
        ({"messages": [{"role": "tool", "content": "x"}]}, 400, "messages[0].tool_call_id", "invalid_parameter"),
        ({"messages": [{"role": "function", "content": "x"}]}, 400, "messages[0].role", "invalid_parameter"),
        (
            {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]},
            400,
            "messages[0].content[0].image_url",
            "invalid_image",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
            400,
            "messages[0].content[0]",
            "invalid_parameter",
        ),
        ({"messages": [{"role": "user", "content": "x", "tool_calls": []}]}, 400, "messages[0].tool_calls", None),
        ({"metadata": {"prompt": "a b"}}, 400, "metadata.prompt", "invalid_parameter"),
        ({"metadata": {"prompt": 7}}, 400, "metadata", "invalid_parameter"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, 400, "metadata", "invalid_parameter"),
        ({"metadata": ["prompt"]}, 400, "metadata", "invalid_parameter"),
        ({"model": "gpt-9"}, 404, "model", "model_not_found"),
        ({"model": "titan-embed"}, 404, "model", "model_not_found"),
    ],
)
def test_unsupported_or_invalid_input_is_refused_with_the_field_named(
    router: Router, change: dict[str, object], status: int, param: str, code: str | None
) -> None:
    response = router.call(CHAT, {**HELLO, **change})
    assert response["statusCode"] == status
    error = body_of(response)["error"]
    assert error["param"] == param
    assert error["request_id"] == "req-1"
    if code:
        assert error["code"] == code
    assert router.backend.calls == [], "a refused request never reaches a backend"


def test_defaults_and_ignored_parameters_are_accepted(router: Router) -> None:
    response = router.call(
        CHAT, {**HELLO, "n": 1, "stream": False, "presence_penalty": 0, "metadata": {"team": "x"}, "seed": None}
    )
    assert response["statusCode"] == 200, response["body"]


def test_an_embedding_model_on_the_chat_route_says_where_it_is_served(router: Router) -> None:
    error = body_of(router.call(CHAT, {**HELLO, "model": "titan-embed"}))["error"]
    assert "/v1/embeddings" in error["message"]
    hidden = body_of(router.call(CHAT, {**HELLO, "model": "titan-embed"}, allowed="haiku"))["error"]
    assert "/v1/embeddings" not in hidden["message"], "a tenant without the model learns nothing about it"


def test_a_model_outside_the_tenant_allow_list_is_not_found_and_never_called(router: Router) -> None:
    response = router.call(CHAT, {**HELLO, "model": "sonnet"}, allowed="haiku")
    assert response["statusCode"] == 404
    assert router.backend.calls == []
    # A routed alias never serves a target the tenant may not use, even as a fallback.
    router.backend.scripts[HAIKU] = [BackendError("unavailable", "down")] * 3
    response = router.call(CHAT, {**HELLO, "model": "resilient"}, allowed="haiku")
    assert response["statusCode"] == 502
    assert {m for m, _ in router.backend.calls} == {HAIKU}


def test_malformed_bodies_get_clear_json_errors(router: Router) -> None:
    for body, message in [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("", "needs a JSON body"),
        ("[" * 100_000, "nests too deeply"),
    ]:
        response = router.call(CHAT, body, raw=True)
        assert response["statusCode"] == 400
        assert message in body_of(response)["error"]["message"]


def test_without_a_tenant_context_the_request_is_refused(router: Router) -> None:
    from tests.conftest import FakeLambdaContext
    from tests.support.router_harness import proxy_event

    response = router.module.handler(proxy_event(CHAT, HELLO, tenant=None), FakeLambdaContext())
    assert response["statusCode"] == 403
    assert body_of(response)["error"]["code"] == "no_tenant"


def test_primary_throttles_then_succeeds_on_retry(router: Router) -> None:
    router.backend.scripts[HAIKU] = [BackendError("throttled", "slow down", status=429)]
    response = router.call(CHAT, HELLO)
    assert response["statusCode"] == 200
    assert router.backend.called(HAIKU) == 2
    assert response["headers"]["x-aigw-fallback"] == "false"


def test_primary_down_the_fallback_serves(router: Router) -> None:
    router.backend.scripts[HAIKU] = [BackendError("unavailable", "500", status=500)] * 3
    response = router.call(CHAT, {**HELLO, "model": "resilient"})
    assert response["statusCode"] == 200
    headers = response["headers"]
    assert (headers["x-aigw-model"], headers["x-aigw-arm"], headers["x-aigw-fallback"]) == (
        "sonnet",
        "fallback",
        "true",
    )
    assert router.backend.called(HAIKU) == 3


def test_the_circuit_opens_after_repeated_failures_and_closes_after_recovery(router: Router) -> None:
    # Threshold 3: three failed requests (3 attempts each) open haiku's breaker.
    router.backend.scripts[HAIKU] = [BackendError("unavailable", "down")] * 9
    for i in range(3):
        assert router.call(CHAT, {**HELLO, "model": "resilient"}, request_id=f"f{i}")["statusCode"] == 200
    assert router.backend.called(HAIKU) == 9
    # Open: haiku is skipped, the fallback serves at once.
    response = router.call(CHAT, {**HELLO, "model": "resilient"}, request_id="open")
    assert response["headers"]["x-aigw-model"] == "sonnet"
    assert router.backend.called(HAIKU) == 9
    # After the reset time one probe goes through; haiku has recovered, so the circuit closes.
    router.clock.now += 31
    response = router.call(CHAT, {**HELLO, "model": "resilient"}, request_id="probe")
    assert response["headers"]["x-aigw-model"] == "haiku"
    response = router.call(CHAT, {**HELLO, "model": "resilient"}, request_id="closed")
    assert response["headers"]["x-aigw-model"] == "haiku"
    assert router.backend.called(HAIKU) == 11


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [("unavailable", 502, None), ("throttled", 503, "2"), ("timeout", 504, None)],
)
def test_all_targets_down_is_a_clean_5xx_with_retry_after_where_it_applies(
    router: Router, kind: str, status: int, retry_after: str | None
) -> None:
    for model in (HAIKU, SONNET, GPT):
        router.backend.scripts[model] = [BackendError(kind, "nope", retry_after=2.0)] * 3
    response = router.call(CHAT, {**HELLO, "model": "resilient"})
    assert response["statusCode"] == status
    body = body_of(response)
    assert body["error"]["type"] == "server_error"
    assert body["error"]["request_id"] == "req-1"
    assert response["headers"].get("retry-after") == retry_after
    assert "Traceback" not in response["body"]


def test_a_provider_rejection_is_a_400_and_not_failed_over(router: Router, caplog: pytest.LogCaptureFixture) -> None:
    leaky = "messages: roles must alternate (arn:aws:sagemaker:us-east-1:123456789012:endpoint/internal-x)"
    router.backend.scripts[HAIKU] = [BackendError("client", leaky, status=400)]
    response = router.call(CHAT, {**HELLO, "model": "resilient"})
    assert response["statusCode"] == 400
    message = body_of(response)["error"]["message"]
    assert "the model provider rejected the request with status 400" in message
    # The provider's words can name accounts and endpoints: the log has them, the client never does.
    assert "123456789012" not in response["body"] and "roles must alternate" not in response["body"]
    assert any("roles must alternate" in str(getattr(r, "provider_message", "")) for r in caplog.records)
    assert router.backend.called(SONNET) == 0


def test_a_provider_refusing_the_gateway_credentials_is_a_502(router: Router) -> None:
    router.backend.scripts[HAIKU] = [BackendError("client", "AccessDenied", status=403)]
    response = router.call(CHAT, HELLO)
    assert response["statusCode"] == 502
    assert body_of(response)["error"]["code"] == "upstream_configuration"


def test_each_attempt_gets_what_is_left_of_the_deadline(router: Router) -> None:
    router.backend.scripts[HAIKU] = [BackendError("timeout", "slow")]
    router.call(CHAT, HELLO)
    first, second = (t for m, t in router.backend.calls if m == HAIKU)
    assert first <= 27.0
    assert second < first


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every log record with all its extra fields, as text."""
    return "\n".join(json.dumps(record.__dict__, default=str) for record in caplog.records)


def test_usage_metrics_are_emitted_per_request_without_prompt_text(
    router: Router, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    router.backend.scripts[HAIKU] = [ChatResult("ok", "stop", 1000, 2000)]
    with caplog.at_level(logging.DEBUG):
        router.call(
            CHAT,
            {
                **HELLO,
                "messages": [{"role": "user", "content": "SECRET-PROMPT-TEXT"}],
                "metadata": {"prompt": "support/triage@3", "ticket": "SECRET-METADATA"},
            },
        )
    output = capsys.readouterr().out
    assert '"tenant_id": "acme"' in logged(caplog), "the request log line names the tenant"
    assert "SECRET-METADATA" not in output + logged(caplog), "only the prompt label of metadata is recorded"
    assert "SECRET-PROMPT-TEXT" not in output + logged(caplog)
    (record,) = emf_records(output)
    assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "AiGateway"
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["tenant", "model", "backend", "service"],
        ["model", "service"],
        ["tenant", "service"],
        ["service"],
    ]
    declared = {d["Name"]: d["Unit"] for d in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert declared["Latency"] == "Milliseconds" and declared["EstimatedCostUSD"] == "None"
    assert all(isinstance(record[name], float) for name in declared), "every declared metric has its value"
    assert record["prompt"] == "support/triage@3"
    assert record["Throttled"] == 0.0
    assert (record["tenant"], record["model"], record["backend"]) == ("acme", "haiku", "bedrock")
    assert record["InputTokens"] == 1000.0
    assert record["OutputTokens"] == 2000.0
    assert record["EstimatedCostUSD"] == pytest.approx(0.00025 + 2 * 0.00125)
    assert record["CacheHits"] == 0.0
    assert record["Fallbacks"] == 0.0
    assert (record["arm"], record["request_id"], record["status"]) == ("haiku", "req-1", 200)


def test_a_failed_request_is_measured_too(router: Router, capsys: pytest.CaptureFixture[str]) -> None:
    router.backend.scripts[HAIKU] = [BackendError("unavailable", "down")] * 3
    assert router.call(CHAT, HELLO)["statusCode"] == 502
    (record,) = emf_records(capsys.readouterr().out)
    assert record["Errors"] == 1.0
    assert record["status"] == 502


def test_prompts_are_logged_only_when_the_debug_flag_allows(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    router = build_router(monkeypatch, env={"GATEWAY_LOG_PROMPTS": "true"})
    with caplog.at_level(logging.DEBUG):
        router.call(CHAT, {**HELLO, "messages": [{"role": "user", "content": "SECRET-PROMPT-TEXT"}]})
    assert "SECRET-PROMPT-TEXT" in logged(caplog)
