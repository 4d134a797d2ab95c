"""The transform Lambda end to end in-process: its document, the local SageMaker runtime, a scripted container.

Resilience as the router's: throttling and 5xx are retried inside the deadline, a model's
4xx is not, a timeout is a 504; the container's own words never reach the client; every
request writes one usage record per tenant, model and variant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import metrics as m
from tests.support.transform_harness import (
    IRIS_SPEC,
    SETOSA,
    ScriptedContainer,
    body_of,
    proxy_event,
    transform_stack,
)

SECRET = "arn:aws:sagemaker:us-east-1:111122223333:endpoint/internal-name stack trace"


@pytest.fixture
def container() -> ScriptedContainer:
    return ScriptedContainer()


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, container: ScriptedContainer) -> Iterator[ModuleType]:
    with transform_stack(monkeypatch, container) as module:
        yield module


def call(module: ModuleType, body: Any, **event: Any) -> dict[str, Any]:
    return module.handler(proxy_event("iris", body, **event), None)  # type: ignore[no-any-return]


def usage_records(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]


def test_features_are_shaped_sent_as_csv_and_the_answer_shaped(
    handler: ModuleType, container: ScriptedContainer, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = call(handler, {"instances": [{**SETOSA, "sepal_length": "5.1"}]})
    assert answer["statusCode"] == 200
    body = body_of(answer)
    assert body["model"] == "iris" and body["variant"] in ("blue", "green")
    assert body["data"][0]["label"] == "setosa" and body["data"][0]["decision"] == "accept"
    assert [x["label"] for x in body["data"][0]["top_k"]] == ["setosa", "versicolor"]
    assert container.received == [("text/csv", "5.1,3.5,1.4,0.2")]
    record = usage_records(capsys.readouterr().out)[-1]
    assert record[m.TENANT] == "acme" and record[m.MODEL] == "iris" and record[m.VARIANT] == body["variant"]
    assert record[m.SERVICE_DIMENSION] == m.TRANSFORM_SERVICE
    assert record[m.PREDICTIONS] == 1 and record[m.ERRORS] == 0 and record["attempts"] == 1
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [list(s) for s in m.TRANSFORM_DIMENSION_SETS]


def test_sticky_per_tenant_sends_target_variant_and_every_call_lands_there(handler: ModuleType) -> None:
    variants = {body_of(call(handler, {"instances": [SETOSA]}))["variant"] for _ in range(8)}
    assert len(variants) == 1


def test_a_tenant_may_name_the_variant_it_is_given_and_no_other(handler: ModuleType) -> None:
    assert body_of(call(handler, {"instances": [SETOSA], "variant": "green"}))["variant"] == "green"
    refused = call(handler, {"instances": [SETOSA], "variant": "blue"})
    assert refused["statusCode"] == 403
    assert body_of(refused)["error"]["code"] == "variant_not_allowed"
    other = call(handler, {"instances": [SETOSA], "variant": "green"}, tenant="globex")
    assert other["statusCode"] == 403


def test_a_body_off_the_schema_is_a_400_naming_field_and_type(
    handler: ModuleType, container: ScriptedContainer
) -> None:
    refused = call(handler, {"instances": [{**SETOSA, "petal_width": "wide"}]})
    assert refused["statusCode"] == 400
    error = body_of(refused)["error"]
    assert error["param"] == "instances[0].petal_width"
    assert error["message"] == "instances[0].petal_width: expected a number"
    assert error["request_id"] == "req-transform-1"
    assert container.received == [], "a refused body never reaches the endpoint"


@pytest.mark.parametrize(
    ("alias", "allowed"),
    [("iris", "other-model"), ("unknown", "unknown"), ("", "iris")],
)
def test_a_model_outside_the_allow_list_or_without_a_transform_is_a_404(
    handler: ModuleType, container: ScriptedContainer, alias: str, allowed: str
) -> None:
    answer = handler.handler(proxy_event(alias, {"instances": [SETOSA]}, allowed=allowed), None)
    assert answer["statusCode"] == 404
    assert body_of(answer)["error"]["code"] == "model_not_found"
    assert container.received == []


def test_without_a_tenant_nothing_is_called(handler: ModuleType, container: ScriptedContainer) -> None:
    event = proxy_event("iris", {"instances": [SETOSA]})
    del event["requestContext"]["authorizer"]
    assert handler.handler(event, None)["statusCode"] == 403
    assert container.received == []


@pytest.mark.parametrize(
    ("answers", "status", "code", "attempts"),
    [
        ([(429, "slow down", 0.0)], 200, None, 2),
        ([(500, SECRET, 0.0), (503, SECRET, 0.0)], 200, None, 3),
        ([(500, SECRET, 0.0)] * 3, 502, "upstream_failed", 3),
        ([(429, SECRET, 0.0)] * 3, 503, "upstream_unavailable", 3),
        ([(400, SECRET, 0.0)], 400, "upstream_rejected", 1),
        ([(200, "[[0.5]]", 0.0)], 502, "upstream_failed", 1),
        ([(200, json.dumps({"predictions": [[0.1, 0.2, 0.7], [0.1, 0.2, 0.7]]}), 0.0)], 502, "upstream_failed", 1),
    ],
)
def test_throttling_and_5xx_are_retried_a_4xx_is_not_and_no_provider_text_leaks(  # noqa: PLR0917 - fixtures and cases
    handler: ModuleType,
    container: ScriptedContainer,
    capsys: pytest.CaptureFixture[str],
    answers: list[tuple[int, str, float]],
    status: int,
    code: str | None,
    attempts: int,
) -> None:
    container.answers.extend(answers)
    answer = call(handler, {"instances": [SETOSA]})
    assert answer["statusCode"] == status
    assert SECRET not in answer["body"] and "slow down" not in answer["body"]
    if code:
        assert body_of(answer)["error"]["code"] == code
    assert len(container.received) == attempts
    record = usage_records(capsys.readouterr().out)[-1]
    assert record["attempts"] == attempts and record["status"] == status


def test_a_model_slower_than_the_deadline_is_a_504(
    monkeypatch: pytest.MonkeyPatch, container: ScriptedContainer
) -> None:
    monkeypatch.setenv("GATEWAY_DEADLINE_SECONDS", "1")
    container.default = (200, json.dumps({"predictions": [[1, 0, 0]]}), 2.5)
    with transform_stack(monkeypatch, container) as module:
        answer = call(module, {"instances": [SETOSA]})
    assert answer["statusCode"] == 504
    assert body_of(answer)["error"]["code"] == "upstream_timeout"


def test_an_invalid_document_is_a_500_naming_no_internals(
    monkeypatch: pytest.MonkeyPatch, container: ScriptedContainer
) -> None:
    broken = {**IRIS_SPEC, "input_format": "xml"}
    with transform_stack(monkeypatch, container, broken) as module:
        answer = call(module, {"instances": [SETOSA]})
    assert answer["statusCode"] == 500
    assert body_of(answer)["error"]["code"] == "gateway_misconfigured"
    assert container.received == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"instances": [SETOSA], "temperature": 1}, "temperature"),
        ({"instances": [SETOSA], "user": "has spaces"}, "user"),
        ({"instances": [SETOSA], "variant": 7}, "variant"),
        ("not json", None),
        ("[1, 2]", None),
    ],
)
def test_request_fields_are_checked(handler: ModuleType, body: Any, param: str | None) -> None:
    answer = call(handler, body)
    assert answer["statusCode"] == 400
    assert body_of(answer)["error"]["param"] == param


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FEATURE_VALUES = st.dictionaries(
    st.sampled_from([*SETOSA, "other", ""]), JSON_VALUES | st.floats(min_value=-5, max_value=40), max_size=6
)
VALID_INSTANCES = st.lists(
    st.fixed_dictionaries({name: st.floats(min_value=0, max_value=30) | st.integers(0, 30) for name in SETOSA}),
    min_size=1,
    max_size=10,
)
BODIES = st.one_of(
    st.builds(lambda instances: json.dumps({"instances": instances}), VALID_INSTANCES),
    st.text(max_size=200),
    st.builds(
        json.dumps,
        st.fixed_dictionaries(
            {"instances": st.lists(FEATURE_VALUES, max_size=12) | JSON_VALUES},
            optional={"variant": JSON_VALUES | st.sampled_from(["blue", "green"]), "user": JSON_VALUES},
        ),
    ),
    st.builds(json.dumps, JSON_VALUES),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_no_body_makes_the_transform_raise_or_answer_anything_but_json(handler: ModuleType, body: str) -> None:
    answer = call(handler, body)
    assert answer["statusCode"] in (200, 400, 403), answer["body"]
    document = json.loads(answer["body"].encode("utf-8"))
    assert ("error" in document) == (answer["statusCode"] != 200)
    if answer["statusCode"] != 200:
        assert document["error"]["request_id"] == "req-transform-1"
