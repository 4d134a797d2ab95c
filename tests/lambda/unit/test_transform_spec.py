"""Transform specs: a valid spec parses; each rule refuses with the contract's words."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contract import transforms as t
from tests.support.transform_harness import ENDPOINT, IRIS_SPEC
from transform.spec import parse_transforms

ENDPOINTS = {"iris": ENDPOINT}


def problems_of(spec: dict[str, Any], alias: str = "iris") -> list[str]:
    problems: list[str] = []
    parse_transforms({alias: spec}, ENDPOINTS, problems)
    return problems


def spec_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(IRIS_SPEC)
    target = spec
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return spec


def test_the_iris_spec_parses_into_ordered_features_and_sorted_thresholds() -> None:
    problems: list[str] = []
    specs = parse_transforms({"iris": IRIS_SPEC}, ENDPOINTS, problems)
    assert problems == []
    spec = specs["iris"]
    assert [f.name for f in spec.features] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert spec.endpoint == ENDPOINT and spec.content_type == "text/csv"
    assert [d.at_least for d in spec.output.decisions] == [0.9, 0.6]
    assert spec.variants is not None and spec.variants.may_target("acme", "green")
    assert not spec.variants.may_target("acme", "blue") and not spec.variants.may_target("other", "green")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (spec_with(("input_format",), "xml"), t.FORMAT_UNKNOWN.format(alias="iris", value="xml")),
        (spec_with(("features",), []), t.NO_FEATURES.format(alias="iris")),
        (spec_with(("features", 0, "name"), "bad name"), t.FEATURE_NAME_INVALID.format(alias="iris", value="bad name")),
        (
            spec_with(("features", 1, "name"), "sepal_length"),
            t.FEATURE_DUPLICATE.format(alias="iris", value="sepal_length"),
        ),
        (
            spec_with(("features", 0, "type"), "float"),
            t.FEATURE_TYPE_UNKNOWN.format(alias="iris", feature="sepal_length", value="float"),
        ),
        (
            spec_with(("features", 0, "type"), "category"),
            t.CATEGORIES_MISPLACED.format(alias="iris", feature="sepal_length"),
        ),
        (spec_with(("features", 0, "mean"), 5.0), t.SCALING_INVALID.format(alias="iris", feature="sepal_length")),
        (spec_with(("features", 0, "minimum"), 40), t.BOUNDS_INVALID.format(alias="iris", feature="sepal_length")),
        (
            spec_with(("features", 0, "default"), "tall"),
            t.DEFAULT_INVALID.format(alias="iris", feature="sepal_length", value="tall"),
        ),
        (spec_with(("max_instances",), 0), t.MAX_INSTANCES_INVALID.format(alias="iris")),
        (spec_with(("max_instances",), 2.5), t.MAX_INSTANCES_INVALID.format(alias="iris")),
        (spec_with(("output", "kind"), "regression"), t.KIND_UNKNOWN.format(alias="iris", value="regression")),
        (spec_with(("output", "labels"), ["a", "a"]), t.LABELS_INVALID.format(alias="iris")),
        (spec_with(("output", "top_k"), 4), t.TOP_K_INVALID.format(alias="iris")),
        (spec_with(("output", "decision_label"), "rose"), t.DECISION_LABEL_INVALID.format(alias="iris", value="rose")),
        (spec_with(("output", "default_decision"), None), t.DECISIONS_INVALID.format(alias="iris")),
        (spec_with(("output", "masked_fields"), ["secret"]), t.MASK_UNKNOWN.format(alias="iris", value="secret")),
        (spec_with(("variants", "weights"), {"blue": 0}), t.WEIGHTS_INVALID.format(alias="iris")),
        (spec_with(("variants", "weights"), {"blue": 1.5}), t.WEIGHTS_INVALID.format(alias="iris")),
        (spec_with(("variants", "weights"), {"-x": 1}), t.VARIANT_NAME_INVALID.format(alias="iris", value="-x")),
        (spec_with(("variants", "sticky"), "session"), t.STICKY_UNKNOWN.format(alias="iris", value="session")),
        (
            spec_with(("variants", "targetable"), {"acme": ["red"]}),
            t.TARGETABLE_UNKNOWN.format(alias="iris", value="red"),
        ),
    ],
)
def test_each_rule_refuses_with_the_contract_words(spec: dict[str, Any], expected: str) -> None:
    assert expected in problems_of(spec)


def test_a_transform_needs_a_sagemaker_model_of_its_alias() -> None:
    assert problems_of(IRIS_SPEC, alias="chat") == [t.NOT_SAGEMAKER.format(alias="chat")]


def test_every_problem_is_reported_at_once() -> None:
    spec = spec_with(("input_format",), "xml")
    spec["output"]["kind"] = "regression"
    assert len(problems_of(spec)) == 2


def test_categorical_features_need_their_map_and_keep_their_codes() -> None:
    spec = spec_with(("features",), [{"name": "colour", "type": "category", "categories": {"red": 0, "blue": 1}}])
    problems: list[str] = []
    parsed = parse_transforms({"iris": spec}, ENDPOINTS, problems)["iris"]
    assert problems == []
    assert parsed.features[0].categories == {"red": 0.0, "blue": 1.0}
