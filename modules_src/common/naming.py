"""Give generated resources stable Terraform names, without cdktn's hash suffixes."""

from __future__ import annotations

from typing import TypeVar

from cdktn import TerraformElement

T = TypeVar("T", bound=TerraformElement)


def named(element: T, logical_id: str) -> T:
    """Set `element`'s Terraform name to `logical_id` (part of the module's public addresses)."""
    element.override_logical_id(logical_id)
    return element
