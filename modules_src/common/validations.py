"""Reusable Terraform validation builders, so each rule's wording is written once."""

from __future__ import annotations

import json

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
