"""Mapping templates (VTL) of the direct service integrations, read by the generator and the tests.

Placeholders are filled when the module is generated (`@TENANT_ID@`, `@ALLOWED_MODELS@`,
the `@..._TOKEN_BUDGET@` fields and `@SEP@`: the authorizer context's field names and list
separator; the `@..._MODEL_PARAMETER@` path parameters, `@REFUSED_TARGET@`; all from the contract; `@TYPE@`,
`@CODE@`, `@MESSAGE@` per error status) or applied (`@MODELS@`, `@ENDPOINTS@`:
Terraform fills the alias maps). Templates never contain `${` or `%{`, which Terraform
would evaluate.
"""

from __future__ import annotations

from pathlib import Path

from contract import routes, tenancy

TEMPLATES_DIR = Path(__file__).parent
CONTRACT_PLACEHOLDERS = {
    "@TENANT_ID@": tenancy.CONTEXT_TENANT_ID,
    "@ALLOWED_MODELS@": tenancy.CONTEXT_ALLOWED_MODELS,
    "@DAILY_TOKEN_BUDGET@": tenancy.CONTEXT_DAILY_TOKEN_BUDGET,
    "@MONTHLY_TOKEN_BUDGET@": tenancy.CONTEXT_MONTHLY_TOKEN_BUDGET,
    "@SEP@": tenancy.LIST_SEPARATOR,
    "@BEDROCK_MODEL_PARAMETER@": routes.BEDROCK_MODEL_PARAMETER,
    "@SAGEMAKER_MODEL_PARAMETER@": routes.SAGEMAKER_MODEL_PARAMETER,
    "@REFUSED_TARGET@": routes.REFUSED_TARGET,
}


def load(name: str) -> str:
    """The text of `<name>.vtl`, with the contract's names in place."""
    text = (TEMPLATES_DIR / f"{name}.vtl").read_text()
    for placeholder, value in CONTRACT_PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return text


# What a fixed error message may hold: nothing JSON, VTL or Terraform would read as syntax.
MESSAGE_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,;.'()-/")


def error_template(error_type: str, code: str, message: str) -> str:
    """The integration error template for one status: OpenAI error `type`, stable `code`, fixed `message`."""
    for value in (error_type, code):
        if not value.replace("_", "").isalnum():
            raise ValueError(f"error type and code must be [A-Za-z0-9_], got {value!r}")
    if not message or not set(message) <= MESSAGE_CHARACTERS:
        raise ValueError(f"an error message must be plain text (letters, digits, punctuation), got {message!r}")
    text = load("integration_error_response")
    return text.replace("@TYPE@", error_type).replace("@CODE@", code).replace("@MESSAGE@", message)
