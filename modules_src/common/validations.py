"""Reusable Terraform validation builders, so each rule's wording is written once."""

from __future__ import annotations

import json
import string

from contract.messages import PROBLEM_SEPARATOR
from modules_src.common.spec import Validation


def matches(name: str, pattern: str, what: str = "") -> Validation:
    """`var.<name>` must match the regular expression `pattern` (RE2 syntax)."""
    quoted = json.dumps(pattern)
    return Validation(
        f"${{can(regex({quoted}, var.{name}))}}",
        f"{name} must match {pattern}{f' ({what})' if what else ''}.",
    )


def json_list(values: tuple[str, ...]) -> str:
    """An HCL list literal of strings: `["a", "b"]`."""
    return json.dumps(list(values))


def one_of(name: str, allowed: tuple[str, ...] | tuple[int, ...]) -> Validation:
    """`var.<name>` must be one of `allowed`."""
    listed = json.dumps(list(allowed))  # HCL list literal
    shown = ", ".join(str(a) for a in allowed)
    return Validation(f"${{contains({listed}, var.{name})}}", f"{name} must be one of: {shown}.")


def whole_number_between(name: str, low: int, high: int) -> Validation:
    """`var.<name>` must be a whole number in [low, high]."""
    return Validation(
        f"${{var.{name} >= {low} && var.{name} <= {high} && floor(var.{name}) == var.{name}}}",
        f"{name} must be a whole number from {low} to {high}.",
    )


def optional_matches(name: str, pattern: str, what: str) -> Validation:
    """`var.<name>` may be null; otherwise it must match `pattern`."""
    quoted = json.dumps(pattern)
    return Validation(
        f"${{var.{name} == null ? true : can(regex({quoted}, var.{name}))}}",
        f"{name} must be null or {what}.",
    )


def json_map(values: dict[str, str]) -> str:
    """An HCL object literal of strings: `{"a": "b"}` (HCL takes `:` as well as `=`)."""
    return json.dumps(values)


def message(template: str, literals: dict[str, str] | None = None, **expressions: str) -> str:
    """A contract message as an HCL string literal: `{name}` becomes `${<expression>}` or a literal value.

    Only the literal text is escaped; the interpolated expressions keep their own quotes.
    """
    parts = []
    for text, name, _, _ in string.Formatter().parse(template):
        parts.append(json.dumps(text)[1:-1])
        if name is None:
            continue
        if name in expressions:
            parts.append("${" + expressions[name] + "}")
        elif literals and name in literals:
            parts.append(json.dumps(literals[name])[1:-1])
        else:
            raise KeyError(f"message {template!r} needs a value for {{{name}}}")
    return '"' + "".join(parts) + '"'


def no_offenders(messages: str) -> Validation:
    """A rule over a collection: `messages` is an HCL list expression of one message per offender.

    The condition holds when the list is empty; the error names every offender, in the
    contract's words, joined the way the Lambda joins its problems.
    """
    return Validation(f"${{length({messages}) == 0}}", f'${{join("{PROBLEM_SEPARATOR}", {messages})}}.')


def each(
    collection: str,
    binding: str,
    violation: str,
    template: str,
    literals: dict[str, str] | None = None,
    **expressions: str,
) -> Validation:
    """No entry of `collection` (bound as `binding`, e.g. `alias, m`) makes `violation` true."""
    text = message(template, literals, **expressions)
    return no_offenders(f"[for {binding} in {collection} : {text} if {violation}]")
