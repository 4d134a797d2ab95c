"""Check a request's prompt variables against the prompt's schema: types, required, defaults, lengths.

Pure. A value is data: it is checked and handed to the template as a value, never
parsed as template source, so `{{ ... }}` inside one stays literal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shared.errors import GatewayError

if TYPE_CHECKING:
    from router.prompts.registry import Prompt, Variable


class VariableError(ValueError):
    """A value does not fit its variable; the message says what is accepted (never the value itself).

    `where` is the path of the value at fault (a list's item: `variables.queues[1]`).
    """

    def __init__(self, where: str, accepted: str) -> None:
        super().__init__(f"'{where}' {accepted}")
        self.where = where


def _string(variable: Variable, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise VariableError(where, "must be a string")
    if len(value) > variable.max_length:
        raise VariableError(where, f"must be at most {variable.max_length} characters, got {len(value)}")
    if variable.enum and value not in variable.enum:
        raise VariableError(where, f"must be one of: {', '.join(variable.enum)}")
    return value


def _bounded(variable: Variable, value: float, where: str) -> None:
    if variable.minimum is not None and value < variable.minimum:
        raise VariableError(where, f"must be at least {variable.minimum:g}")
    if variable.maximum is not None and value > variable.maximum:
        raise VariableError(where, f"must be at most {variable.maximum:g}")


def bind_value(variable: Variable, value: Any, where: str) -> Any:
    """`value` checked against `variable` (a whole float such as 3.0 becomes 3 for `integer`).

    Raises
    ------
    VariableError
        The value does not fit; the message names `where` and what is accepted.
    """
    kind = variable.type
    if kind == "string":
        return _string(variable, value, where)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise VariableError(where, "must be true or false")
        return value
    if kind == "string_list":
        if not isinstance(value, list) or len(value) > variable.max_items:
            raise VariableError(where, f"must be a list of at most {variable.max_items} strings")
        return [_string(variable, item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise VariableError(where, f"must be {'a whole number' if kind == 'integer' else 'a number'}")
    if kind == "integer":
        if isinstance(value, float) and not value.is_integer():
            raise VariableError(where, "must be a whole number")
        value = int(value)
    _bounded(variable, value, where)
    return value


def _empty(variable: Variable) -> Any:
    """What an optional variable without a default holds when the request leaves it out."""
    return {"string": "", "string_list": [], "boolean": False}.get(variable.type)


def bind(prompt: Prompt, raw: Any, prefix: str) -> dict[str, Any]:
    """The template's variables: the request's `raw` values checked, defaults for the rest.

    Raises
    ------
    GatewayError
        400 `invalid_prompt_variables` naming the first variable at fault (`param` is its path).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GatewayError(400, "invalid_prompt_variables", f"'{prefix}' must be an object", param=prefix)
    unknown = sorted(k for k in raw if k not in prompt.variables)
    if unknown:
        name = str(unknown[0])[:64]
        declared = ", ".join(sorted(prompt.variables)) or "none"
        message = f"prompt '{prompt.name}' has no variable '{name}'; it takes: {declared}"
        raise GatewayError(400, "invalid_prompt_variables", message, param=f"{prefix}.{name}")
    values: dict[str, Any] = {}
    for name, variable in prompt.variables.items():
        where = f"{prefix}.{name}"
        value = raw.get(name)
        if value is None:
            if variable.required:
                message = f"'{where}' is required by prompt '{prompt.name}'"
                raise GatewayError(400, "invalid_prompt_variables", message, param=where)
            value = variable.default if variable.default is not None else _empty(variable)
            values[name] = value
            continue
        try:
            values[name] = bind_value(variable, value, where)
        except VariableError as err:
            raise GatewayError(400, "invalid_prompt_variables", str(err), param=err.where) from None
    return values
