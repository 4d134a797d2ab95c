"""Request body validation as API Gateway applies a method's model: JSON Schema draft 4, in its wording.

API Gateway validates with the Java json-schema-validator (draft 4) and reports the
failures as `$context.error.validationErrorString`: the messages, comma-separated, in
brackets (`[object has missing required properties (["model"])]`). This module checks
the draft-4 keywords (type, enum, the numeric, string, array and object bounds,
properties, patternProperties, additionalProperties, items, additionalItems, required,
allOf, anyOf, oneOf, not, and `$ref` into the same document) and says each failure in
that validator's words, so that a refusal read locally reads the same in AWS. `format`
is not checked, as API Gateway does not check it. A body that is not JSON at all is
"Invalid request body", API Gateway's message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

INVALID_BODY = "Invalid request body"


def _text(value: Any) -> str:
    """A value as the validator prints it: compact JSON."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _number(value: float | int) -> str:
    return _text(int(value)) if isinstance(value, float) and value.is_integer() else _text(value)


PRIMITIVES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def type_of(value: Any) -> str:
    """The JSON primitive type of `value` (an integral JSON number literal is an `integer`)."""
    return next((name for kind, name in PRIMITIVES if isinstance(value, kind)), "null")


def _matches_type(value: Any, expected: str) -> bool:
    found = type_of(value)
    return found == expected or (expected == "number" and found == "integer")


# (keyword, whether it is a lower bound, the message) for the size bounds of arrays and objects.
Bounds = tuple[tuple[str, bool, str], ...]
ARRAY_BOUNDS: Bounds = (
    ("minItems", True, "array is too short: must have at least {limit} elements but instance has {found} elements"),
    ("maxItems", False, "array is too long: must have at most {limit} elements but instance has {found} elements"),
)
OBJECT_BOUNDS: Bounds = (
    ("minProperties", True, "object has too few properties (found {found} but schema requires at least {limit})"),
    ("maxProperties", False, "object has too many properties (found {found} but schema requires at most {limit})"),
)


def _bounded(schema: dict[str, Any], size: int, bounds: Bounds) -> Iterator[str]:
    for keyword, lower, message in bounds:
        if keyword in schema and (size < schema[keyword] if lower else size > schema[keyword]):
            yield message.format(limit=schema[keyword], found=size)


class Validator:
    """One model's schema, checked against parsed bodies."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema

    def errors(self, document: Any) -> list[str]:
        """Every failure, in API Gateway's words, in the order the schema's keywords name them."""
        return list(self._check(self.root, document))

    def _resolve(self, reference: str) -> dict[str, Any]:
        if not reference.startswith("#"):
            raise ValueError(f"only references into the model itself are supported: {reference!r}")
        node: Any = self.root
        for part in filter(None, reference[1:].split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def _valid(self, schema: dict[str, Any], value: Any) -> bool:
        return next(iter(self._check(schema, value)), None) is None

    def _check(self, schema: dict[str, Any], value: Any) -> Iterator[str]:
        if "$ref" in schema:
            yield from self._check(self._resolve(str(schema["$ref"])), value)
            return
        yield from self._common(schema, value)
        found = type_of(value)
        if found in ("integer", "number"):
            yield from self._numeric(schema, value)
        elif found == "string":
            yield from self._string(schema, value)
        elif found == "array":
            yield from self._array(schema, value)
        elif found == "object":
            yield from self._object(schema, value)

    def _common(self, schema: dict[str, Any], value: Any) -> Iterator[str]:
        if "type" in schema:
            allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_matches_type(value, t) for t in allowed):
                yield (
                    f"instance type ({type_of(value)}) does not match any allowed primitive type "
                    f"(allowed: {_text(sorted(allowed))})"
                )
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            yield f"instance value ({_text(value)}) not found in enum (possible values: {_text(schema['enum'])})"
        for keyword, failed in (("allOf", self._all_of), ("anyOf", self._any_of), ("oneOf", self._one_of)):
            if keyword in schema:
                message = failed(schema[keyword], value)
                if message:
                    yield message
        if "not" in schema and self._valid(schema["not"], value):
            yield "instance matched a schema which it should not have"

    def _all_of(self, schemas: list[dict[str, Any]], value: Any) -> str | None:
        matched = sum(self._valid(s, value) for s in schemas)
        if matched == len(schemas):
            return None
        return f"instance failed to match all required schemas (matched only {matched} out of {len(schemas)})"

    def _any_of(self, schemas: list[dict[str, Any]], value: Any) -> str | None:
        if any(self._valid(s, value) for s in schemas):
            return None
        return f"instance failed to match at least one required schema among {len(schemas)}"

    def _one_of(self, schemas: list[dict[str, Any]], value: Any) -> str | None:
        matched = sum(self._valid(s, value) for s in schemas)
        if matched == 1:
            return None
        return f"instance failed to match exactly one schema (matched {matched} out of {len(schemas)})"

    def _numeric(self, schema: dict[str, Any], value: float) -> Iterator[str]:
        if "minimum" in schema:
            minimum = schema["minimum"]
            if schema.get("exclusiveMinimum") is True and value <= minimum:
                yield f"numeric instance is not strictly greater than the required minimum {_number(minimum)}"
            elif value < minimum:
                yield (
                    "numeric instance is lower than the required minimum "
                    f"(minimum: {_number(minimum)}, found: {_number(value)})"
                )
        if "maximum" in schema:
            maximum = schema["maximum"]
            if schema.get("exclusiveMaximum") is True and value >= maximum:
                yield f"numeric instance is not strictly lower than the required maximum {_number(maximum)}"
            elif value > maximum:
                yield (
                    "numeric instance is greater than the required maximum "
                    f"(maximum: {_number(maximum)}, found: {_number(value)})"
                )
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]
            remainder = value % divisor
            if remainder and abs(remainder - divisor) > 1e-12:
                yield (f"remainder of division is not zero (dividend: {_number(value)}, divisor: {_number(divisor)})")

    def _string(self, schema: dict[str, Any], value: str) -> Iterator[str]:
        # Lengths count code points, as the validator does (not UTF-16 units, not bytes).
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield (
                f"string {_text(value)} is too short (length: {len(value)}, required minimum: {schema['minLength']})"
            )
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield (f"string {_text(value)} is too long (length: {len(value)}, maximum allowed: {schema['maxLength']})")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            yield f"ECMA 262 regex {_text(schema['pattern'])} does not match input string {_text(value)}"

    def _array(self, schema: dict[str, Any], value: list[Any]) -> Iterator[str]:
        yield from _bounded(schema, len(value), ARRAY_BOUNDS)
        if schema.get("uniqueItems") is True and any(_same(a, b) for i, a in enumerate(value) for b in value[i + 1 :]):
            yield "array must not contain duplicate elements"
        items = schema.get("items")
        if isinstance(items, dict):
            for item in value:
                yield from self._check(items, item)
        elif isinstance(items, list):
            for item, item_schema in zip(value, items, strict=False):
                yield from self._check(item_schema, item)
            extra = value[len(items) :]
            additional = schema.get("additionalItems", True)
            if additional is False and extra:
                yield (f"array only allows {len(items)} additional elements but instance has {len(value)} elements")
            elif isinstance(additional, dict):
                for item in extra:
                    yield from self._check(additional, item)

    def _object(self, schema: dict[str, Any], value: dict[str, Any]) -> Iterator[str]:
        yield from _bounded(schema, len(value), OBJECT_BOUNDS)
        missing = sorted(set(schema.get("required", ())) - set(value))
        if missing:
            yield f"object has missing required properties ({_text(missing)})"
        properties: dict[str, Any] = schema.get("properties", {})
        patterns: dict[str, Any] = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        unwanted = sorted(
            name for name in value if name not in properties and not any(re.search(p, name) for p in patterns)
        )
        if additional is False and unwanted:
            yield f"object instance has properties which are not allowed by the schema: {_text(unwanted)}"
        for name, item in value.items():
            if name in properties:
                yield from self._check(properties[name], item)
            for pattern, pattern_schema in patterns.items():
                if re.search(pattern, name):
                    yield from self._check(pattern_schema, item)
            if isinstance(additional, dict) and name in unwanted:
                yield from self._check(additional, item)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, true does not equal 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    numeric = ("integer", "number")
    if type_of(a) in numeric and type_of(b) in numeric:
        return bool(a == b)
    return type_of(a) == type_of(b) and bool(a == b)


def validation_error(schema: dict[str, Any], body: bytes) -> str | None:
    """API Gateway's `validationErrorString` for `body` against `schema`, or None when it passes."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):  # an empty body too: there is no JSON to validate
        return INVALID_BODY
    errors = Validator(schema).errors(document)
    return f"[{', '.join(errors)}]" if errors else None
