"""The model's answer -> predictions: label map, top-k, thresholds to decisions, masked fields.

The endpoint may answer JSON (a list, or `{"predictions": [...]}`) or CSV (one line per
instance). An answer of another shape, of the wrong length, or with a number that is not
finite is the model's failure (502), never passed on: every answer is valid JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

from shared.backend_errors import BackendError
from transform.spec import OutputSpec, TransformSpec


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _csv_value(cell: str) -> Any:
    text = cell.strip().strip('"')
    try:
        return float(text)
    except ValueError:
        return text


def parse_answer(raw: bytes, count: int) -> list[Any]:
    """One entry per instance from the endpoint's body (already bounded by the call), or BackendError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BackendError("unavailable", "the endpoint answered bytes that are not UTF-8") from None
    answer: Any
    try:
        answer = json.loads(text, parse_constant=_no_constants)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        answer = [[_csv_value(c) for c in line.split(",")] for line in lines]
        answer = [row[0] if len(row) == 1 else row for row in answer]
    if isinstance(answer, dict):
        answer = answer.get("predictions")
    if not isinstance(answer, list):
        raise BackendError("unavailable", "the endpoint answered neither a list nor {predictions: [...]}")
    if len(answer) != count:
        raise BackendError("unavailable", f"the endpoint answered {len(answer)} predictions for {count} instances")
    return answer


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BackendError("unavailable", "the endpoint answered a score that is not a finite number")
    return float(value)


def _decision(output: OutputSpec, score: float) -> str | None:
    for threshold in output.decisions:
        if score >= threshold.at_least:
            return threshold.decision
    return output.default_decision


def _probabilities(output: OutputSpec, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, list):
        entry = [1.0 - _finite(entry), _finite(entry)] if output.labels is None or len(output.labels) == 2 else entry
    if not isinstance(entry, list) or not entry:
        raise BackendError("unavailable", "the endpoint answered no probabilities for an instance")
    values = [_finite(p) for p in entry]
    labels = output.labels or tuple(str(i) for i in range(len(values)))
    if len(values) != len(labels):
        raise BackendError("unavailable", f"the endpoint answered {len(values)} probabilities for {len(labels)} labels")
    scores = dict(zip(labels, values, strict=True))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], labels.index(item[0])))
    label, score = ranked[0]
    prediction: dict[str, Any] = {"label": label, "score": score}
    if output.decisions:
        prediction["decision"] = _decision(output, scores[output.decision_label] if output.decision_label else score)
    if output.top_k is not None:
        prediction["top_k"] = [{"label": name, "score": value} for name, value in ranked[: output.top_k]]
    prediction["scores"] = scores
    return prediction


def _label(output: OutputSpec, entry: Any) -> dict[str, Any]:
    if isinstance(entry, list) and len(entry) == 1:
        entry = entry[0]
    if isinstance(entry, str) and entry:
        if output.labels is not None and entry not in output.labels:
            raise BackendError("unavailable", "the endpoint answered a label outside the spec's labels")
        return {"label": entry}
    index = _finite(entry)
    if not index.is_integer():
        raise BackendError("unavailable", "the endpoint answered a class index that is not whole")
    if output.labels is None:
        return {"label": str(int(index))}
    if not 0 <= index < len(output.labels):
        raise BackendError("unavailable", "the endpoint answered a class index outside the spec's labels")
    return {"label": output.labels[int(index)]}


def _score(output: OutputSpec, entry: Any) -> dict[str, Any]:
    if isinstance(entry, list) and len(entry) == 1:
        entry = entry[0]
    score = _finite(entry)
    prediction: dict[str, Any] = {"score": score}
    if output.decisions:
        prediction["decision"] = _decision(output, score)
    return prediction


SHAPERS = {"probabilities": _probabilities, "label": _label, "score": _score}


def predictions(spec: TransformSpec, answer: list[Any]) -> list[dict[str, Any]]:
    """The client's predictions, in instance order, without the masked fields."""
    shaper = SHAPERS[spec.output.kind]
    masked = spec.output.masked_fields
    shaped = []
    for index, entry in enumerate(answer):
        prediction = {"index": index, **shaper(spec.output, entry)}
        for field in masked:
            prediction.pop(field, None)
        shaped.append(prediction)
    return shaped
