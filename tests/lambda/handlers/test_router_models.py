"""The router handler end to end in-process: proxy event in, JSON proxy response out."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FakeLambdaContext, load_event
from tests.support.config_store import document_text, publish

MODELS = {
    "claude-3-haiku": {
        "provider": "bedrock",
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "owned_by": "anthropic",
        "created": 0,
    },
    "llama3-8b": {"provider": "sagemaker", "model_id": "llama3-8b-instruct", "owned_by": None, "created": 1700000000},
}


def load_handler(monkeypatch: pytest.MonkeyPatch, models: str | None) -> ModuleType:
    """Import the handler afresh with a configuration document holding `models` (JSON text), as the module writes it.

    None: the environment names no document.
    """
    if models is None:
        monkeypatch.delenv("GATEWAY_CONFIG_TABLE", raising=False)
        monkeypatch.delenv("GATEWAY_CONFIG_VERSION", raising=False)
    else:
        publish(monkeypatch, {}, text=document_text({}).replace('"models":{}', f'"models":{models}'))
    import router.handler

    return importlib.reload(router.handler)


@pytest.fixture
def handler_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    yield load_handler(monkeypatch, json.dumps(MODELS))


def body_of(response: dict[str, Any]) -> Any:
    assert response["headers"]["content-type"] == "application/json"
    return json.loads(response["body"])


def test_get_models_lists_the_configured_models(handler_module: ModuleType, lambda_context: FakeLambdaContext) -> None:
    response = handler_module.handler(load_event("get_models"), lambda_context)
    assert response["statusCode"] == 200
    assert response["headers"]["x-request-id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert body_of(response) == {
        "object": "list",
        "data": [
            {"id": "claude-3-haiku", "object": "model", "created": 0, "owned_by": "anthropic"},
            {"id": "llama3-8b", "object": "model", "created": 1700000000, "owned_by": "sagemaker"},
        ],
    }


def test_unknown_route_is_a_404_json_error_with_the_request_id(
    handler_module: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("get_models")
    event["resource"] = event["path"] = "/v1/nothing"
    response = handler_module.handler(event, lambda_context)
    assert response["statusCode"] == 404
    error = body_of(response)["error"]
    assert error["code"] == "route_not_found"
    assert error["type"] == "invalid_request_error"
    assert error["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def test_wrong_method_is_a_405_that_names_the_allowed_ones(
    handler_module: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("get_models")
    event["httpMethod"] = "DELETE"
    response = handler_module.handler(event, lambda_context)
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET"
    assert "expected one of: GET" in body_of(response)["error"]["message"]


@pytest.mark.parametrize("event", [None, [], "GET /v1/models", {"httpMethod": "GET"}, {"resource": "/v1/models"}])
def test_a_malformed_event_is_a_400_using_the_lambda_request_id(
    handler_module: ModuleType, lambda_context: FakeLambdaContext, event: Any
) -> None:
    response = handler_module.handler(event, lambda_context)
    assert response["statusCode"] == 400
    assert body_of(response)["error"]["request_id"] == lambda_context.aws_request_id


def test_a_hostile_request_id_is_not_echoed(handler_module: ModuleType, lambda_context: FakeLambdaContext) -> None:
    event = load_event("get_models")
    event["requestContext"]["requestId"] = "abc\r\nset-cookie: x=1"
    response = handler_module.handler(event, lambda_context)
    assert response["headers"]["x-request-id"] == lambda_context.aws_request_id


@pytest.mark.parametrize("models", [None, "not json", '{"m": {"provider": "azure", "model_id": "x"}}'])
def test_invalid_configuration_is_a_500_json_error_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext, models: str | None
) -> None:
    module = load_handler(monkeypatch, models)
    response = module.handler(load_event("get_models"), lambda_context)
    assert response["statusCode"] == 500
    error = body_of(response)["error"]
    assert error["code"] == "gateway_misconfigured"
    assert error["type"] == "server_error"


def test_an_unexpected_failure_is_a_500_without_internals(
    handler_module: ModuleType,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(_: Any) -> Any:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setitem(handler_module.ROUTES["/v1/models"], "GET", explode)  # type: ignore[index]
    with caplog.at_level(logging.ERROR):
        response = handler_module.handler(load_event("get_models"), lambda_context)
    assert response["statusCode"] == 500
    assert "secret-internal-detail" not in response["body"]
    assert "Traceback" not in response["body"]
    assert body_of(response)["error"]["code"] == "internal_error"


scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
events = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.fixed_dictionaries(
        {},
        optional={
            "httpMethod": scalars | st.sampled_from(["GET", "POST", "get", "HEAD"]),
            "resource": scalars | st.sampled_from(["/v1/models", "/", "/v1/models/x"]),
            "path": scalars,
            "requestContext": scalars | st.dictionaries(st.just("requestId"), scalars),
            "body": scalars,
        },
    ),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=events)
def test_no_event_makes_the_handler_raise_or_answer_without_json(
    handler_module: ModuleType, lambda_context: FakeLambdaContext, event: Any
) -> None:
    response = handler_module.handler(event, lambda_context)
    assert response["statusCode"] in {200, 400, 404, 405}
    body = json.loads(response["body"])
    assert response["headers"]["x-request-id"]
    if response["statusCode"] != 200:
        assert set(body["error"]) == {"message", "type", "code", "param", "request_id"}


def test_a_tenant_sees_only_its_allowed_models(handler_module: ModuleType, lambda_context: FakeLambdaContext) -> None:
    event = load_event("get_models")
    event["requestContext"]["authorizer"] = {"tenant_id": "acme", "tier": "free", "allowed_models": "llama3-8b,gone"}
    body = body_of(handler_module.handler(event, lambda_context))
    assert [m["id"] for m in body["data"]] == ["llama3-8b"]


def test_a_tenant_with_no_allowed_models_sees_an_empty_list(
    handler_module: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("get_models")
    event["requestContext"]["authorizer"] = {"tenant_id": "acme", "tier": "free", "allowed_models": ""}
    assert body_of(handler_module.handler(event, lambda_context))["data"] == []


def test_the_document_is_read_once_per_container(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    store = publish(monkeypatch, MODELS)
    import router.handler

    module = importlib.reload(router.handler)
    for _ in range(5):
        assert module.handler(load_event("get_models"), lambda_context)["statusCode"] == 200
    assert store.reads == 1


def test_an_unreadable_store_is_a_503_and_the_next_request_reads_again(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    from shared.aws_json import AwsCallError

    store = publish(monkeypatch, MODELS)
    outages = [AwsCallError("dynamodb GetItem failed: timeout", retryable=True)]

    def flaky(table: str, key: str) -> dict[str, Any] | None:
        if outages:
            raise outages.pop()
        return store.fetch(table, key)

    monkeypatch.setattr("shared.config_document.dynamodb_fetcher", lambda environ: flaky)
    import router.handler

    module = importlib.reload(router.handler)
    module.SETTINGS.reload_interval = 0.0
    module.SETTINGS._next_try = 0.0
    first = module.handler(load_event("get_models"), lambda_context)
    assert first["statusCode"] == 200, "the read failed at init; the first request reads again"
    # A store that is down at init and on the request: a retryable 503, never a 500.
    outages.append(AwsCallError("throttled", retryable=True))
    outages.append(AwsCallError("throttled", retryable=True))
    module = importlib.reload(router.handler)
    module.SETTINGS._next_try = 0.0
    refused = module.handler(load_event("get_models"), lambda_context)
    assert refused["statusCode"] == 503
    assert body_of(refused)["error"]["code"] == "configuration_unavailable"
    assert refused["headers"]["retry-after"] == "1"


def test_prediction_models_are_not_listed_and_chat_points_to_the_transform(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    iris = {"provider": "sagemaker", "model_id": "iris-endpoint", "kind": "prediction"}
    module = load_handler(monkeypatch, json.dumps({**MODELS, "iris": iris}))
    event = load_event("get_models")
    event["requestContext"]["authorizer"] = {"tenant_id": "acme", "tier": "free", "allowed_models": "llama3-8b,iris"}
    assert [m["id"] for m in body_of(module.handler(event, lambda_context))["data"]] == ["llama3-8b"]
    without_tenant = load_event("get_models")
    assert "iris" not in [m["id"] for m in body_of(module.handler(without_tenant, lambda_context))["data"]]
    chat = {
        **event,
        "resource": "/v1/chat/completions",
        "path": "/v1/chat/completions",
        "httpMethod": "POST",
        "body": json.dumps({"model": "iris", "messages": [{"role": "user", "content": "hi"}]}),
    }
    refused = module.handler(chat, lambda_context)
    assert refused["statusCode"] == 404
    assert "it is served on /v1/transform/iris" in body_of(refused)["error"]["message"]


def test_a_prediction_model_must_be_a_sagemaker_endpoint(
    monkeypatch: pytest.MonkeyPatch, lambda_context: FakeLambdaContext
) -> None:
    bedrock = {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0", "kind": "prediction"}
    module = load_handler(monkeypatch, json.dumps({"scorer": bedrock}))
    refused = module.handler(load_event("get_models"), lambda_context)
    assert refused["statusCode"] == 500
    assert module.SETTINGS.invalid
