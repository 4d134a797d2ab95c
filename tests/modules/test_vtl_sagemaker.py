"""The SageMaker InvokeEndpoint mapping template, rendered offline with API Gateway's semantics."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modules_src.ai_gateway.service_integrations import SERVICE_TARGETS
from tooling.vtl import render

ENDPOINTS = {"llama3-8b": "llama3-8b-instruct", "fraud": "Payments-Fraud-Scorer"}
TEMPLATES = {
    kind: text.replace("@ENDPOINTS@", json.dumps(ENDPOINTS))
    for kind, text in SERVICE_TARGETS["sagemaker"].request_templates().items()
}
ACME = {"tenant_id": "acme", "allowed_models": "llama3-8b,fraud"}


def invoke(
    body: str, kind: str = "application/json", model: str = "llama3-8b", authorizer: dict[str, str] = ACME
) -> tuple[str, str]:
    out, context = render(TEMPLATES[kind], body, params={"path": {"model": model}}, authorizer=authorizer)
    return out, context["requestOverride"]["path"].get("endpoint", "")


def test_the_alias_maps_to_its_endpoint_and_json_passes_unchanged_in_meaning() -> None:
    payload = {"inputs": "Hello", "parameters": {"max_new_tokens": 32, "temperature": 0.1}}
    out, endpoint = invoke(json.dumps(payload))
    assert endpoint == "llama3-8b-instruct"
    assert json.loads(out) == payload


@pytest.mark.parametrize(
    "value",
    [
        "quote \" and apostrophe '",
        "back\\slash",
        "new\nline\ttab",
        "emoji 😀 and 你好",
        '"}, "inject": {"',
        "#set($x = 1)",
    ],
)
def test_hostile_json_values_come_out_as_the_same_json(value: str) -> None:
    payload: dict[str, Any] = {"inputs": value, "nested": {"list": [value, 1, None, True]}}
    out, _ = invoke(json.dumps(payload))
    assert json.loads(out) == payload


def test_csv_passes_as_text_with_its_first_line_first() -> None:
    csv = "5.1,3.5,1.4,0.2\n4.9,3.0,1.4,0.2"
    out, endpoint = invoke(csv, kind="text/csv", model="fraud")
    assert out == csv
    assert endpoint == "Payments-Fraud-Scorer"


@pytest.mark.parametrize(
    ("model", "authorizer"),
    [
        ("llama3-8b", {"tenant_id": "acme", "allowed_models": "fraud"}),
        ("claude-3-haiku", {"tenant_id": "acme", "allowed_models": "claude-3-haiku"}),  # not a SageMaker model
        ("llama3", {"tenant_id": "acme", "allowed_models": "llama3-8b"}),  # a prefix is not a match
        ("llama3-8b", {}),
        # A tenant with a token budget: the direct route does not meter tokens, so it is closed.
        ("llama3-8b", {"tenant_id": "acme", "allowed_models": "llama3-8b", "daily_token_budget": "1000"}),
    ],
)
def test_a_model_outside_the_allow_list_never_reaches_an_endpoint(model: str, authorizer: dict[str, str]) -> None:
    _, endpoint = invoke("{}", model=model, authorizer=authorizer)
    assert endpoint == "model-not-allowed"


def test_both_content_types_share_the_same_refusal_logic() -> None:
    assert set(TEMPLATES) == {"application/json", "text/csv"}
    json_head = TEMPLATES["application/json"].removesuffix("$input.json('$')")
    assert json_head == TEMPLATES["text/csv"].removesuffix("$input.body")
