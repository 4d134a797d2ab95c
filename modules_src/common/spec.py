"""Typed specs of a module's variables and outputs; one source for the Terraform and the README."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.fields import REQUIRED as _REQUIRED

# Marker for a variable without a default (the same marker the contract's fields use).
REQUIRED: Any = _REQUIRED


@dataclass(frozen=True)
class Validation:
    """One `validation` block: a Terraform condition and the message shown when it is false."""

    condition: str
    error_message: str

    def __post_init__(self) -> None:
        if not self.condition.startswith("${") or not self.condition.endswith("}"):
            raise ValueError(f"condition must be a ${{...}} expression, got {self.condition!r}")
        if not self.error_message.endswith("."):
            # Terraform requires validation messages to be sentences.
            raise ValueError(f"error_message must end with a full stop: {self.error_message!r}")


@dataclass(frozen=True)
class VariableSpec:
    """A module input: name, Terraform type, description, default and validations."""

    name: str
    type: str
    description: str
    default: Any = REQUIRED
    validations: tuple[Validation, ...] = ()
    sensitive: bool = False
    nullable: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class OutputSpec:
    """A module output: name, description, and whether Terraform must hide its value."""

    name: str
    description: str
    sensitive: bool = False


@dataclass(frozen=True)
class ModuleSpec:
    """Everything a module publishes: its purpose, inputs and outputs."""

    name: str
    purpose: str
    variables: tuple[VariableSpec, ...]
    outputs: tuple[OutputSpec, ...]
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        problems: list[str] = []
        for kind, names in (
            ("variable", [v.name for v in self.variables]),
            ("output", [o.name for o in self.outputs]),
        ):
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                problems.append(f"duplicate {kind} names: {', '.join(duplicates)}")
        described: list[VariableSpec | OutputSpec] = [*self.variables, *self.outputs]
        problems += [f"{spec.name} has no description" for spec in described if not spec.description.strip()]
        if problems:
            raise ValueError(f"module {self.name}: " + "; ".join(problems))
