"""Feature shaping: coercion per type, bounds, categorical maps, scaling, defaults, and the wire formats."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.errors import GatewayError
from transform.features import FeatureError, coerce, encode, shape
from transform.spec import Feature, OutputSpec, TransformSpec


def spec_of(*features: Feature, input_format: str = "csv", max_instances: int = 3) -> TransformSpec:
    return TransformSpec("m", "ep", features, OutputSpec(), input_format, max_instances)


@pytest.mark.parametrize(
    ("feature", "value", "expected"),
    [
        (Feature("x"), 1, 1.0),
        (Feature("x"), "2.5", 2.5),
        (Feature("x"), " 3 ", 3.0),
        (Feature("x", "integer"), 4.0, 4),
        (Feature("x", "integer"), "7", 7),
        (Feature("x", "boolean"), True, 1),
        (Feature("x", "boolean"), "no", 0),
        (Feature("x", "boolean"), 1, 1),
        (Feature("x", "category", categories={"US": 0, "GB": 1}), "GB", 1),
        (Feature("x", "category", categories={"10001": 3}), 10001, 3),
        (Feature("x", "category", categories={"US": 0}, unknown_category=-1), "FR", -1),
        (Feature("x", "string"), "free text", "free text"),
        (Feature("x", mean=10.0, std=2.0), 14, 2.0),
        (Feature("x", "boolean", mean=0.5, std=0.5), False, -1.0),
    ],
)
def test_values_are_coerced_mapped_and_scaled(feature: Feature, value: Any, expected: Any) -> None:
    result = coerce(feature, value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("feature", "value", "expected"),
    [
        (Feature("x"), "abc", "a number"),
        (Feature("x"), True, "a number"),
        (Feature("x"), float("nan"), "a number (finite)"),
        (Feature("x"), [1], "a number"),
        (Feature("x", "integer"), 2.5, "a whole number"),
        (Feature("x", "boolean"), "maybe", "a boolean (true or false)"),
        (Feature("x", "boolean"), 2, "a boolean (true or false)"),
        (Feature("x", minimum=0), -1, "a number of at least 0"),
        (Feature("x", "integer", maximum=10), 11, "a whole number of at most 10"),
        (Feature("x", "category", categories={"US": 0, "GB": 1}), "FR", "one of: GB, US"),
        (Feature("x", "string"), 5, "a string of at most 1024 characters"),
    ],
)
def test_refusals_say_what_the_feature_expects(feature: Feature, value: Any, expected: str) -> None:
    with pytest.raises(FeatureError) as refused:
        coerce(feature, value)
    assert refused.value.expected == expected


def test_bounds_are_checked_on_the_raw_value_before_scaling() -> None:
    feature = Feature("x", minimum=0, maximum=100, mean=50.0, std=10.0)
    assert coerce(feature, 100) == 5.0
    with pytest.raises(FeatureError):
        coerce(feature, 101)


def test_instances_become_rows_in_the_spec_order_with_defaults() -> None:
    spec = spec_of(Feature("b", "integer"), Feature("a"), Feature("c", "boolean", default="false"))
    assert shape(spec, [{"a": 1.5, "b": 2}, {"b": "3", "a": 0, "c": True}]) == [[2, 1.5, 0], [3, 0.0, 1]]


@pytest.mark.parametrize(
    ("instances", "param", "words"),
    [
        ([{"a": 1}], "instances[0].b", "is required (a whole number)"),
        ([{"a": 1, "b": 1}, {"a": "x", "b": 1}], "instances[1].a", "expected a number"),
        ([{"a": 1, "b": 1, "zzz": 1}], "instances[0].zzz", "is not a feature of model 'm'; expected: b, a"),
        ([[1, 2]], "instances[0]", "must be an object of named features"),
        ([], "instances", "must be a list of 1 to 3 objects"),
        ([{"a": 1, "b": 1}] * 4, "instances", "must be a list of 1 to 3 objects"),
        ({"a": 1}, "instances", "must be a list of 1 to 3 objects"),
    ],
)
def test_a_bad_instance_is_a_400_naming_the_field(instances: Any, param: str, words: str) -> None:
    spec = spec_of(Feature("b", "integer"), Feature("a"))
    with pytest.raises(GatewayError) as refused:
        shape(spec, instances)
    assert refused.value.status == 400
    assert refused.value.param == param
    assert words in refused.value.message
    assert refused.value.message.startswith(param)


def test_csv_rows_have_no_header_and_quote_text_that_needs_it() -> None:
    spec = spec_of(Feature("n"), Feature("s", "string"))
    body = encode(spec, [[1.5, "plain"], [2.0, 'a,"b"'], [0.1, " padded"]])
    assert body.decode() == '1.5,plain\n2.0,"a,""b"""\n0.1," padded"'


def test_json_input_is_an_instances_list_of_rows() -> None:
    spec = spec_of(Feature("n"), Feature("i", "integer"), input_format="json")
    assert json.loads(encode(spec, [[1.5, 2], [0.25, 3]])) == {"instances": [[1.5, 2], [0.25, 3]]}
