"""Output shaping: the endpoint's answer forms, label maps, top-k, thresholds to decisions, masking."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.backend_errors import BackendError
from transform.outputs import parse_answer, predictions
from transform.spec import Decision, OutputSpec, TransformSpec

LABELS = ("approve", "fraud")
DECISIONS = (Decision(0.8, "deny"), Decision(0.5, "review"))


def spec_of(output: OutputSpec) -> TransformSpec:
    return TransformSpec("fraud", "ep", (), output)


@pytest.mark.parametrize(
    ("raw", "count", "expected"),
    [
        (b"[[0.1, 0.9]]", 1, [[0.1, 0.9]]),
        (b'{"predictions": [0.2, 0.7]}', 2, [0.2, 0.7]),
        (b"0.1,0.9\n0.8,0.2\n", 2, [[0.1, 0.9], [0.8, 0.2]]),
        (b"0.7\n0.2", 2, [0.7, 0.2]),
        (b"setosa\nvirginica", 2, ["setosa", "virginica"]),
    ],
)
def test_json_and_csv_answers_give_one_entry_per_instance(raw: bytes, count: int, expected: list[object]) -> None:
    assert parse_answer(raw, count) == expected


@pytest.mark.parametrize(
    "raw",
    [b"[0.1]", b'{"scores": [0.1]}', b'"text"', b"\xff\xfe", b"[NaN]"],
)
def test_answers_of_another_shape_or_length_are_the_models_failure(raw: bytes) -> None:
    with pytest.raises(BackendError) as failed:
        predictions(spec_of(OutputSpec(kind="score")), parse_answer(raw, 2 if raw == b"[0.1]" else 1))
    assert failed.value.kind == "unavailable"


def test_probabilities_give_the_top_label_its_decision_top_k_and_every_score() -> None:
    output = OutputSpec(labels=LABELS, top_k=1, decision_label="fraud", decisions=DECISIONS, default_decision="approve")
    shaped = predictions(spec_of(output), [[0.15, 0.85], [0.4, 0.6], [0.9, 0.1]])
    assert [p["decision"] for p in shaped] == ["deny", "review", "approve"]
    assert shaped[0] == {
        "index": 0,
        "label": "fraud",
        "score": 0.85,
        "decision": "deny",
        "top_k": [{"label": "fraud", "score": 0.85}],
        "scores": {"approve": 0.15, "fraud": 0.85},
    }


def test_a_binary_model_answering_one_probability_is_read_as_the_positive_class() -> None:
    shaped = predictions(spec_of(OutputSpec(labels=LABELS)), [0.3])
    assert shaped[0]["label"] == "approve" and shaped[0]["scores"] == {"approve": 0.7, "fraud": 0.3}


def test_without_a_decision_label_thresholds_read_the_top_score() -> None:
    output = OutputSpec(labels=("a", "b", "c"), decisions=(Decision(0.9, "sure"),), default_decision="unsure")
    assert [p["decision"] for p in predictions(spec_of(output), [[0.95, 0.03, 0.02], [0.5, 0.3, 0.2]])] == [
        "sure",
        "unsure",
    ]


def test_ties_rank_in_label_order_and_a_wrong_count_of_probabilities_fails() -> None:
    output = OutputSpec(labels=("a", "b"), top_k=2)
    assert predictions(spec_of(output), [[0.5, 0.5]])[0]["top_k"][0]["label"] == "a"
    with pytest.raises(BackendError):
        predictions(spec_of(output), [[0.2, 0.3, 0.5]])


def test_label_kind_maps_class_indexes_and_refuses_unknown_ones() -> None:
    output = OutputSpec(kind="label", labels=("setosa", "versicolor"))
    assert [p["label"] for p in predictions(spec_of(output), [1, 0.0, "setosa", [1]])] == [
        "versicolor",
        "setosa",
        "setosa",
        "versicolor",
    ]
    for bad in (2, 0.5, "rose"):
        with pytest.raises(BackendError):
            predictions(spec_of(output), [bad])


def test_score_kind_thresholds_the_score() -> None:
    output = OutputSpec(kind="score", decisions=DECISIONS, default_decision="approve")
    assert predictions(spec_of(output), [[0.81], 0.5, 0.1]) == [
        {"index": 0, "score": 0.81, "decision": "deny"},
        {"index": 1, "score": 0.5, "decision": "review"},
        {"index": 2, "score": 0.1, "decision": "approve"},
    ]


def test_masked_fields_never_reach_the_answer() -> None:
    output = OutputSpec(
        labels=LABELS, decisions=DECISIONS, default_decision="approve", masked_fields=frozenset({"score", "scores"})
    )
    shaped = predictions(spec_of(output), [[0.1, 0.9]])
    assert shaped == [{"index": 0, "label": "fraud", "decision": "deny"}]
    assert "0.9" not in json.dumps(shaped)
    assert predictions(spec_of(replace(output, masked_fields=frozenset())), [[0.1, 0.9]])[0]["score"] == 0.9
