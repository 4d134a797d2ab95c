"""The local stage's request validation: JSON Schema draft 4 as API Gateway applies a model, in its words."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tooling.local_stage.validation import INVALID_BODY, Validator, validation_error
from tooling.paths import MODULES_DIR

MODELS: dict[str, dict[str, Any]] = {
    item["name"]: json.loads(item["schema"])
    for item in json.loads((MODULES_DIR / "ai_gateway" / "main.tf.json").read_text())["resource"][
        "aws_api_gateway_model"
    ].values()
}
SCALARS = (
    st.none() | st.booleans() | st.integers(-3, 300_000) | st.floats(-2, 3, allow_nan=False) | st.text(max_size=70)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def shaped(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents near `schema`'s shape (its property names, random values), so that both verdicts occur."""
    names = [*sorted(schema.get("properties", {})), "extra"]
    return st.dictionaries(st.sampled_from(names), JSON, max_size=len(names)) | JSON


@pytest.mark.parametrize("model", sorted(MODELS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_verdict_is_the_reference_draft_4_validators_for_every_deployed_model(model: str, data: Any) -> None:
    schema = MODELS[model]
    document = data.draw(shaped(schema))
    ours = Validator(schema).errors(document)
    reference = jsonschema.Draft4Validator(schema).is_valid(document)
    assert (ours == []) == reference, (document, ours)


TYPE = "instance type ({}) does not match any allowed primitive type (allowed: {})"
WORDING: list[tuple[dict[str, Any], Any, str]] = [
    ({"required": ["a", "b"]}, {"b": 1}, 'object has missing required properties (["a"])'),
    ({"type": ["integer", "null"]}, "x", TYPE.format("string", '["integer","null"]')),
    ({"enum": ["float", "base64"]}, "hex",
     'instance value ("hex") not found in enum (possible values: ["float","base64"])'),
    ({"minimum": 1}, 0, "numeric instance is lower than the required minimum (minimum: 1, found: 0)"),
    ({"maximum": 2}, 2.5, "numeric instance is greater than the required maximum (maximum: 2, found: 2.5)"),
    ({"minimum": 0, "exclusiveMinimum": True}, 0,
     "numeric instance is not strictly greater than the required minimum 0"),
    ({"minLength": 1}, "", 'string "" is too short (length: 0, required minimum: 1)'),
    ({"maxLength": 2}, "héé", 'string "héé" is too long (length: 3, maximum allowed: 2)'),
    ({"pattern": "^[a-z]+$"}, "A", 'ECMA 262 regex "^[a-z]+$" does not match input string "A"'),
    ({"minItems": 1}, [], "array is too short: must have at least 1 elements but instance has 0 elements"),
    ({"maxItems": 1}, [1, 2], "array is too long: must have at most 1 elements but instance has 2 elements"),
    ({"uniqueItems": True}, [1, 1.0], "array must not contain duplicate elements"),
    ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "z": 2, "b": 3},
     'object instance has properties which are not allowed by the schema: ["b","z"]'),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, [],
     "instance failed to match at least one required schema among 2"),
    ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 1,
     "instance failed to match exactly one schema (matched 2 out of 2)"),
    ({"not": {"type": "null"}}, None, "instance matched a schema which it should not have"),
    ({"definitions": {"n": {"type": "integer"}}, "items": {"$ref": "#/definitions/n"}}, [1, "x"],
     TYPE.format("string", '["integer"]')),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "document", "message"), WORDING)
def test_each_failure_is_said_in_api_gateways_words(schema: dict[str, Any], document: Any, message: str) -> None:
    assert Validator(schema).errors(document) == [message]


def test_the_validation_error_string_lists_every_failure_in_brackets() -> None:
    schema = MODELS["ChatCompletionRequest"]
    problem = validation_error(schema, json.dumps({"messages": "hi", "max_tokens": 0}).encode())
    assert problem is not None and problem.startswith("[") and problem.endswith("]")
    assert 'object has missing required properties (["model"])' in problem
    assert "numeric instance is lower than the required minimum (minimum: 1, found: 0)" in problem
    assert validation_error(schema, b"") == INVALID_BODY
    assert validation_error(schema, b"\xff") == INVALID_BODY
    assert validation_error(schema, json.dumps({"model": "m", "messages": []}).encode()) is None
