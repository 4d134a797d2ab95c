"""Mapping templates (VTL) of the direct service integrations, read by the generator and the tests.

Placeholders (`@MODELS@`, `@TYPE@`, `@CODE@`) are filled when the module is generated
or applied; templates never contain `${` or `%{`, which Terraform would evaluate.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent


def load(name: str) -> str:
    """The text of `<name>.vtl`."""
    return (TEMPLATES_DIR / f"{name}.vtl").read_text()


def error_template(error_type: str, code: str) -> str:
    """The integration error template for one status: OpenAI error `type` and stable `code`."""
    for value in (error_type, code):
        if not value.replace("_", "").isalnum():
            raise ValueError(f"error type and code must be [A-Za-z0-9_], got {value!r}")
    return load("integration_error_response").replace("@TYPE@", error_type).replace("@CODE@", code)
