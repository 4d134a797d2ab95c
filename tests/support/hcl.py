"""Read the HCL values cdktn renders inside `${jsonencode(...)}` back into Python, for structural checks.

The subset is what the generator emits there: objects (`{"k" = v, k = v}`), lists,
quoted strings (kept with their `${...}` interpolations), numbers, booleans, null,
and bare references such as `local.bedrock_resources` (returned as `Ref`). Also the
type expressions of hand-written roots (`variable_type`, `type_structure`), to compare
them with the module's.
"""

from __future__ import annotations

import json
import re
from typing import Any

NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


class Ref(str):
    """A bare HCL reference or expression, e.g. `aws_dynamodb_table.config.arn`."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def _skip(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \n\t":
            self.at += 1

    def _peek(self) -> str:
        self._skip()
        return self.text[self.at] if self.at < len(self.text) else ""

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise ValueError(f"expected {char!r} at {self.at}: {self.text[self.at : self.at + 40]!r}")
        self.at += 1

    def value(self) -> Any:
        char = self._peek()
        if char == "{":
            return self._object()
        if char == "[":
            return self._list()
        if char == '"':
            return self._string()
        return self._bare()

    def _object(self) -> dict[str, Any]:
        self._expect("{")
        result: dict[str, Any] = {}
        while self._peek() != "}":
            key = self._string() if self._peek() == '"' else str(self._bare())
            self._expect("=")
            result[key] = self.value()
            if self._peek() == ",":
                self.at += 1
        self._expect("}")
        return result

    def _list(self) -> list[Any]:
        self._expect("[")
        result: list[Any] = []
        while self._peek() != "]":
            result.append(self.value())
            if self._peek() == ",":
                self.at += 1
        self._expect("]")
        return result

    def _string(self) -> str:
        """A quoted string; `${...}` inside it is kept as text (it may nest quotes)."""
        self._expect('"')
        start, depth = self.at, 0
        while True:
            char = self.text[self.at]
            if char == "\\":
                self.at += 2
                continue
            if self.text.startswith("${", self.at):
                depth += 1
                self.at += 2
                continue
            if char == "}" and depth:
                depth -= 1
            elif char == '"' and not depth:
                break
            self.at += 1
        raw = self.text[start : self.at]
        self.at += 1
        return str(json.loads('"' + raw.replace("\n", "\\n") + '"')) if "${" not in raw else raw

    def _bare(self) -> Any:
        self._skip()
        start, depth = self.at, 0
        while self.at < len(self.text):
            char = self.text[self.at]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if not depth:
                    break
                depth -= 1
            elif char in ",=" and not depth:
                break
            self.at += 1
        token = self.text[start : self.at].strip()
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        if NUMBER.fullmatch(token):
            return json.loads(token)
        return Ref(token)


def parse(text: str) -> Any:
    """One HCL value."""
    parser = _Parser(text)
    result = parser.value()
    if parser._peek():
        raise ValueError(f"trailing text after the value: {text[parser.at : parser.at + 40]!r}")
    return result


def jsonencoded(interpolation: str) -> Any:
    """The value of a `${jsonencode(<value>)}` argument."""
    match = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", interpolation, flags=re.DOTALL)
    if not match:
        raise ValueError(f"not a jsonencode(...) interpolation: {interpolation[:60]!r}")
    return parse(match.group(1))


def variable_type(text: str, variable: str) -> str:
    """The `type = ...` expression of `variable "name"` in an HCL file (balanced brackets)."""
    match = re.search(rf'variable "{variable}" \{{', text)
    assert match, f"no variable {variable}"
    start = text.index("type", match.end())
    start = text.index("=", start) + 1
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += text[end] in "({["
        depth -= text[end] in ")}]"
        if depth == 0 and text[end] == "\n" and text[start:end].strip():
            break
    return text[start:end].strip()


def type_structure(expression: str) -> Any:
    """An HCL type expression as a comparable structure (whitespace, commas and attribute order ignored)."""
    tokens = re.findall(r'[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|-?\d+(?:\.\d+)?|[(){}\[\]=,]', expression)
    position = 0

    def value() -> Any:
        nonlocal position
        token = tokens[position]
        position += 1
        if position < len(tokens) and tokens[position] == "(":
            position += 1
            args = []
            while tokens[position] != ")":
                args.append(value())
                if tokens[position] == ",":
                    position += 1
            position += 1
            return (token, *args)
        if token == "{":
            fields = {}
            while tokens[position] != "}":
                key = tokens[position]
                position += 2  # key and "="
                fields[key] = value()
                if tokens[position] == ",":
                    position += 1
            position += 1
            return tuple(sorted(fields.items()))
        if token == "[":
            items = []
            while tokens[position] != "]":
                items.append(value())
                if tokens[position] == ",":
                    position += 1
            position += 1
            return ("list", *items)
        return token

    return value()


def literal(value: Any) -> str:
    """A Python value as an HCL literal (objects with `=` and quoted keys; None as null)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value)
