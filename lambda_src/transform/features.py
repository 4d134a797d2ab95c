"""Named features -> the model's ordered input: check each value against the spec, coerce, map and scale.

Every refusal names the field (`instances[2].amount`) and what the feature expects, so a
client can fix its request without reading the model's code.
"""

from __future__ import annotations

import json
import math
from typing import Any

from contract import transforms as t
from shared.errors import GatewayError
from transform.spec import Feature, TransformSpec

Value = float | int | str
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
SHOWN_CATEGORIES = 10
EXPECTED = {
    "number": "a number",
    "integer": "a whole number",
    "boolean": "a boolean (true or false)",
    "string": f"a string of at most {t.MAX_STRING_LENGTH} characters",
}


class FeatureError(Exception):
    """A value the feature does not take; `expected` says what it does."""

    def __init__(self, feature: str, expected: str) -> None:
        super().__init__(expected)
        self.feature, self.expected = feature, expected


def _finite(number: float, feature: Feature) -> float:
    if not math.isfinite(number):
        raise FeatureError(feature.name, f"{EXPECTED[feature.type]} (finite)")
    return number


def _as_number(feature: Feature, value: Any) -> float:
    if isinstance(value, bool):
        raise FeatureError(feature.name, EXPECTED[feature.type])
    if isinstance(value, int | float):
        return _finite(float(value), feature)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return _finite(float(value.strip()), feature)
        except ValueError:
            pass
    raise FeatureError(feature.name, EXPECTED[feature.type])


def _category(feature: Feature, value: Any) -> float:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    codes = feature.categories or {}
    if isinstance(text, str) and text in codes:
        return codes[text]
    if feature.unknown_category is not None and isinstance(text, str):
        return feature.unknown_category
    names = sorted(codes)
    shown = ", ".join(names[:SHOWN_CATEGORIES])
    more = f" (and {len(names) - SHOWN_CATEGORIES} more)" if len(names) > SHOWN_CATEGORIES else ""
    raise FeatureError(feature.name, f"one of: {shown}{more}")


def coerce(feature: Feature, value: Any) -> Value:
    """The model's value for a client's `value` (not None), or FeatureError."""
    kind = feature.type
    if kind == "string":
        if not isinstance(value, str) or len(value) > t.MAX_STRING_LENGTH:
            raise FeatureError(feature.name, EXPECTED["string"])
        return value
    if kind == "category":
        return _whole_or_float(float(_category(feature, value)))
    if kind == "boolean":
        number = _boolean(feature, value)
    else:
        number = _as_number(feature, value)
        if kind == "integer" and not number.is_integer():
            raise FeatureError(feature.name, EXPECTED["integer"])
        if feature.minimum is not None and number < feature.minimum:
            raise FeatureError(feature.name, f"{EXPECTED[kind]} of at least {_text(feature.minimum)}")
        if feature.maximum is not None and number > feature.maximum:
            raise FeatureError(feature.name, f"{EXPECTED[kind]} of at most {_text(feature.maximum)}")
    if feature.mean is not None and feature.std:
        return (number - feature.mean) / feature.std
    return int(number) if kind != "number" else number


def _boolean(feature: Feature, value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return 1.0 if value.strip().lower() in TRUE_WORDS else 0.0
    if isinstance(value, int | float) and value in (0, 1):
        return float(value)
    raise FeatureError(feature.name, EXPECTED["boolean"])


def _whole_or_float(number: float) -> Value:
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _text(number: float) -> str:
    number = float(number)
    return str(int(number)) if number.is_integer() else repr(number)


def _refuse(index: int, field: str, message: str) -> GatewayError:
    param = f"{t.INSTANCES}[{index}].{field}"
    return GatewayError(400, "invalid_feature", f"{param}: {message}", param=param)


def shape_instance(spec: TransformSpec, index: int, instance: Any) -> list[Value]:
    """One instance (an object of named features) as the model's ordered row."""
    if not isinstance(instance, dict):
        raise GatewayError(
            400,
            "invalid_instance",
            f"{t.INSTANCES}[{index}] must be an object of named features",
            param=f"{t.INSTANCES}[{index}]",
        )
    unknown = [k for k in instance if k not in spec.feature_names]
    if unknown:
        names = ", ".join(f.name for f in spec.features[:SHOWN_CATEGORIES])
        more = "..." if len(spec.features) > SHOWN_CATEGORIES else ""
        raise _refuse(index, str(unknown[0])[:64], f"is not a feature of model '{spec.alias}'; expected: {names}{more}")
    row: list[Value] = []
    for feature in spec.features:
        value = instance.get(feature.name)
        try:
            if value is None:
                if feature.default is None:
                    raise FeatureError(feature.name, f"is required ({_expected(feature)})")
                row.append(coerce(feature, feature.default))
            else:
                row.append(coerce(feature, value))
        except FeatureError as err:
            message = err.expected if err.expected.startswith("is required") else f"expected {err.expected}"
            raise _refuse(index, feature.name, message) from None
    return row


def _expected(feature: Feature) -> str:
    if feature.type == "category":
        return "one of: " + ", ".join(sorted(feature.categories or {})[:SHOWN_CATEGORIES])
    return EXPECTED[feature.type]


def shape(spec: TransformSpec, instances: Any) -> list[list[Value]]:
    """The request's `instances` as rows, or the 400 that names the first field at fault."""
    if not isinstance(instances, list) or not 1 <= len(instances) <= spec.max_instances:
        raise GatewayError(
            400,
            "invalid_instances",
            f"{t.INSTANCES} must be a list of 1 to {spec.max_instances} objects of named features",
            param=t.INSTANCES,
        )
    return [shape_instance(spec, i, instance) for i, instance in enumerate(instances)]


def _csv_cell(value: Value) -> str:
    if isinstance(value, str):
        if any(c in value for c in ',"\r\n') or value != value.strip():
            return '"' + value.replace('"', '""') + '"'
        return value
    return repr(value) if isinstance(value, float) else str(value)


def encode(spec: TransformSpec, rows: list[list[Value]]) -> bytes:
    """The InvokeEndpoint body: CSV rows (no header), or `{"instances": [[...], ...]}`."""
    if spec.input_format == "csv":
        return "\n".join(",".join(_csv_cell(v) for v in row) for row in rows).encode("utf-8")
    return json.dumps({t.INSTANCES: rows}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
