"""The model catalog: parsing the document's models with the contract's rules, and OpenAI's model list."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.api.render import model_list
from router.catalog import ModelEntry, parse_models

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf"
VALID = {
    "llama3-8b": {"provider": "sagemaker", "model_id": "llama3-8b-instruct", "owned_by": None, "created": 0},
    "claude-3-haiku": {
        "provider": "bedrock",
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "owned_by": "anthropic",
        "created": 1709769600,
    },
}


def parse(value: Any) -> tuple[tuple[ModelEntry, ...], list[str]]:
    problems: list[str] = []
    return parse_models(value, problems), problems


def test_parse_models_sorts_by_alias_and_defaults_owner_to_provider() -> None:
    entries, problems = parse(VALID)
    assert problems == []
    assert [e.alias for e in entries] == ["claude-3-haiku", "llama3-8b"]
    assert entries[0] == ModelEntry(
        "claude-3-haiku", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "anthropic", 1709769600
    )
    assert entries[1].owned_by == "sagemaker"
    assert entries[1].format == "openai", "SageMaker chat models speak the OpenAI messages API by default"


def test_terraform_numbers_such_as_1_0_are_whole_seconds_and_nulls_are_defaults() -> None:
    entries, problems = parse({"m": {"provider": "bedrock", "model_id": "x", "created": 5.0, "kind": None,
                                     "base_url": None, "secret_arn": None, "format": None}})  # fmt: skip
    assert problems == []
    assert (entries[0].created, entries[0].kind, entries[0].base_url) == (5, "chat", None)


def test_model_list_matches_openai_shape() -> None:
    entries, _ = parse(VALID)
    assert model_list(entries) == {
        "object": "list",
        "data": [
            {"id": "claude-3-haiku", "object": "model", "created": 1709769600, "owned_by": "anthropic"},
            {"id": "llama3-8b", "object": "model", "created": 0, "owned_by": "sagemaker"},
        ],
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "models must name at least one model"),
        ({}, "models must name at least one model"),
        ({"bad alias!": {"provider": "bedrock", "model_id": "x"}}, "model alias 'bad alias!' is invalid; expected ^"),
        ({"m": {"provider": "azure", "model_id": "x"}}, "model 'm': provider 'azure' is unknown; expected one of"),
        ({"m": {"provider": "bedrock"}}, "model 'm': model_id must be a non-empty string"),
        ({"m": {"provider": "bedrock", "model_id": "   "}}, "model_id must be a non-empty string"),
        ({"m": {"provider": "bedrock", "model_id": "x", "created": -1}}, "created must be a whole number"),
        ({"m": {"provider": "bedrock", "model_id": "x", "created": True}}, "created must be a whole number"),
        ({"m": {"provider": "bedrock", "model_id": "x", "owned_by": ""}}, "model 'm': owned_by must be a non-empty"),
        ({"m": "bedrock"}, "model 'm': expected an object"),
        ({"m": {"provider": "openai_compatible", "model_id": "x"}}, "needs base_url and secret_arn"),
        ({"m": {"provider": "openai_compatible", "model_id": "x", "base_url": "http://api.example.com",
                "secret_arn": SECRET}}, "base_url must be an https:// URL"),
        ({"m": {"provider": "openai_compatible", "model_id": "x", "base_url": "https://a.example",
                "secret_arn": "key"}}, "secret_arn must be the ARN of a Secrets Manager secret"),
        ({"m": {"provider": "bedrock", "model_id": "x", "base_url": "https://a.example"}},
         "base_url and secret_arn apply to openai_compatible models only"),
        ({"m": {"provider": "sagemaker", "model_id": "x", "format": "onnx"}}, "format 'onnx' is unknown"),
        ({"m": {"provider": "sagemaker", "model_id": "x", "format": "tei"}},
         "format 'tei' serves embedding models, not chat"),
        ({"m": {"provider": "bedrock", "model_id": "x", "format": "tgi"}}, "format applies to sagemaker models only"),
        ({"m": {"provider": "bedrock", "model_id": "x", "kind": "image"}}, "kind 'image' is unknown"),
        ({"m": {"provider": "bedrock", "model_id": "x", "kind": "prediction"}},
         "model 'm': kind prediction is for sagemaker models (served on the transform route)"),
        ({"m": {"provider": "sagemaker", "model_id": "x", "kind": "prediction", "format": "openai"}},
         "format 'openai' serves chat models, not prediction"),
        ({"m": {"provider": "bedrock", "model_id": "x", "input_price_per_1k": -1}}, "model 'm': input_price_per_1k"),
    ],
)  # fmt: skip
def test_a_malformed_model_is_refused_with_its_alias_and_the_rule(value: Any, message: str) -> None:
    _, problems = parse(value)
    assert any(message in p for p in problems), problems


def test_an_http_provider_on_loopback_is_allowed_for_local_use() -> None:
    entries, problems = parse(
        {"local": {"provider": "openai_compatible", "model_id": "x", "base_url": "http://127.0.0.1:8080/v1",
                   "secret_arn": SECRET}}
    )  # fmt: skip
    assert problems == [] and entries[0].base_url == "http://127.0.0.1:8080/v1"


def test_every_problem_is_reported_at_once() -> None:
    _, problems = parse({"a": {"provider": "nope", "model_id": "x", "kind": "image"}, "b": {"provider": "bedrock"}})
    assert [p.split(":")[0] for p in problems] == ["model 'a'", "model 'a'", "model 'b'"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_parse_models_never_raises_on_any_json(value: object) -> None:
    entries, problems = parse(value)
    assert all(isinstance(e, ModelEntry) for e in entries)
    assert all(isinstance(p, str) and p for p in problems)
