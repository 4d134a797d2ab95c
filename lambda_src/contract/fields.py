"""Typed fields of the objects the module takes and the Lambdas parse, and their Terraform type text."""

from __future__ import annotations

import json
from typing import NamedTuple


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: object = _Required()


class Field(NamedTuple):
    """One attribute of an object: its Terraform type and its default (`REQUIRED`: none; None: null)."""

    name: str
    hcl_type: str
    default: object = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def hcl(self) -> str:
        """`name = type`, wrapped in `optional(...)` when the field may be left out."""
        if self.required:
            return f"{self.name} = {self.hcl_type}"
        if self.default is None:
            return f"{self.name} = optional({self.hcl_type})"
        return f"{self.name} = optional({self.hcl_type}, {json.dumps(self.default)})"


def object_type(fields: tuple[Field, ...]) -> str:
    """The Terraform object type of `fields`: `object({a = string, b = optional(number, 0)})`."""
    return "object({" + ", ".join(f.hcl() for f in fields) + "})"


def defaults(fields: tuple[Field, ...]) -> dict[str, object]:
    """Field name -> default, for the fields that have one (null included)."""
    return {f.name: f.default for f in fields if not f.required}
