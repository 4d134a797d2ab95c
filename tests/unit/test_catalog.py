"""The model catalog: parsing the module's models JSON and rendering OpenAI's model list."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.catalog import CatalogError, ModelEntry, model_list, parse_models

VALID = {
    "llama3-8b": {"provider": "sagemaker", "model_id": "llama3-8b-instruct", "owned_by": None, "created": 0},
    "claude-3-haiku": {
        "provider": "bedrock",
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "owned_by": "anthropic",
        "created": 1709769600,
    },
}


def test_parse_models_sorts_by_alias_and_defaults_owner_to_provider() -> None:
    entries = parse_models(json.dumps(VALID))
    assert [e.alias for e in entries] == ["claude-3-haiku", "llama3-8b"]
    assert entries[0] == ModelEntry(
        "claude-3-haiku", "bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "anthropic", 1709769600
    )
    assert entries[1].owned_by == "sagemaker"


def test_terraform_numbers_such_as_1_0_are_whole_seconds() -> None:
    entries = parse_models(json.dumps({"m": {"provider": "bedrock", "model_id": "x", "created": 5.0}}))
    assert entries[0].created == 5


def test_model_list_matches_openai_shape() -> None:
    body = model_list(parse_models(json.dumps(VALID)))
    assert body == {
        "object": "list",
        "data": [
            {"id": "claude-3-haiku", "object": "model", "created": 1709769600, "owned_by": "anthropic"},
            {"id": "llama3-8b", "object": "model", "created": 0, "owned_by": "sagemaker"},
        ],
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "non-empty JSON object"),
        ("{}", "non-empty JSON object"),
        ('{"bad alias!": {"provider": "bedrock", "model_id": "x"}}', "alias 'bad alias!' is invalid"),
        ('{"m": {"provider": "azure", "model_id": "x"}}', "provider 'azure' is unknown; expected one of"),
        ('{"m": {"provider": "bedrock"}}', "model_id must be a non-empty string"),
        ('{"m": {"provider": "bedrock", "model_id": "   "}}', "model_id must be a non-empty string"),
        ('{"m": {"provider": "bedrock", "model_id": "x", "created": -1}}', "created must be a whole number"),
        ('{"m": {"provider": "bedrock", "model_id": "x", "created": true}}', "created must be a whole number"),
        ('{"m": {"provider": "bedrock", "model_id": "x", "owned_by": ""}}', "owned_by must be a non-empty"),
        ('{"m": "bedrock"}', "expected an object"),
    ],
)
def test_parse_models_refuses_malformed_configuration_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_models(raw)


def test_every_problem_is_reported_at_once() -> None:
    raw = json.dumps({"a": {"provider": "nope", "model_id": "x"}, "b": {"provider": "bedrock"}})
    with pytest.raises(CatalogError) as caught:
        parse_models(raw)
    assert "model 'a'" in str(caught.value)
    assert "model 'b'" in str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_parse_models_never_raises_anything_but_catalog_error(value: object) -> None:
    try:
        entries = parse_models(json.dumps(value))
    except CatalogError:
        return
    assert all(isinstance(e, ModelEntry) for e in entries)
