"""The published prompts: parse the configuration document's `prompts` into versions, labels and schemas.

Pure, and without Jinja2: the cold start checks the shape of every prompt and the
first request that uses one compiles its templates (`render`). The rules and their
words are the contract's (`contract.prompts`); the module checks the same at plan time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from contract import prompts as p

# Patterns are compiled on first use (re keeps them): nothing is compiled at import, on the cold path.


@dataclass(frozen=True)
class Variable:
    """One variable of a prompt's schema. Without `required` and `default`, a missing value is an empty one."""

    name: str
    type: str
    required: bool = False
    default: Any = None
    max_length: int = p.DEFAULT_MAX_LENGTH
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_items: int = p.MAX_LIST_ITEMS


@dataclass(frozen=True)
class Message:
    role: str
    template: str


@dataclass(frozen=True)
class Label:
    """A movable pointer: one version (weight 1), or versions and their A/B weights, in version order."""

    name: str
    weights: tuple[tuple[int, int], ...]

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(v for v, w in self.weights if w > 0)


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str
    model: str
    versions: dict[int, tuple[Message, ...]]
    labels: dict[str, Label]
    variables: dict[str, Variable] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    overridable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PromptRegistry:
    prompts: dict[str, Prompt] = field(default_factory=dict)


def _whole(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _fits(kind: str, spec: dict[str, Any]) -> bool:
    """Whether the schema's own fields fit its type (lengths, choices, bounds)."""
    enum = spec.get("enum") or []
    bounds = [spec.get("minimum"), spec.get("maximum")]
    numeric = [_number(b) for b in bounds if b is not None]
    return (
        not set(spec) - set(p.VARIABLE_FIELDS)
        and isinstance(spec.get("required", False), bool)
        and _whole(spec.get("max_length", p.DEFAULT_MAX_LENGTH), 1, p.MAX_LENGTH_LIMIT) is not None
        and _whole(spec.get("max_items", p.MAX_LIST_ITEMS), 1, p.MAX_LIST_ITEMS) is not None
        and isinstance(enum, list)
        and all(isinstance(e, str) for e in enum)
        and (not enum or kind == "string")
        and (not numeric or kind in ("integer", "number"))
        and None not in numeric
        and not (len(numeric) == 2 and numeric[0] > numeric[1])  # type: ignore[operator]
    )


def _variable(name: Any, spec: Any) -> Variable | None:
    """The variable, or None when its schema is not one the contract allows (a default that does not fit it
    included)."""
    if not isinstance(name, str) or not re.match(p.VARIABLE_PATTERN, name) or not isinstance(spec, dict):
        return None
    kind = spec.get("type")
    if kind not in p.VARIABLE_TYPES or not _fits(kind, spec):
        return None
    low, high = (_number(spec.get(b)) for b in ("minimum", "maximum"))
    variable = Variable(
        name,
        kind,
        spec.get("required", False),
        None,
        int(spec.get("max_length", p.DEFAULT_MAX_LENGTH)),
        tuple(spec.get("enum") or ()),
        low,
        high,
        int(spec.get("max_items", p.MAX_LIST_ITEMS)),
    )
    if spec.get("default") is None:
        return variable
    from router.prompts.variables import VariableError, bind_value

    try:
        return replace(variable, default=bind_value(variable, spec["default"], name))
    except VariableError:
        return None


def _messages(spec: Any) -> tuple[Message, ...] | None:
    if not isinstance(spec, list) or not 0 < len(spec) <= p.MAX_MESSAGES:
        return None
    messages = []
    for message in spec:
        if not isinstance(message, dict) or set(message) != {p.ROLE, p.CONTENT}:
            return None
        role, content = message[p.ROLE], message[p.CONTENT]
        if role not in p.ROLES or not isinstance(content, str) or not 0 < len(content) <= p.MAX_TEMPLATE_LENGTH:
            return None
        messages.append(Message(role, content))
    return tuple(messages)


def _label(name: Any, spec: Any, versions: dict[int, tuple[Message, ...]]) -> Label | None:
    if not isinstance(name, str) or not re.match(p.LABEL_PATTERN, name) or not isinstance(spec, dict):
        return None
    if set(spec) == {p.LABEL_VERSION}:
        version = _whole(spec[p.LABEL_VERSION], 1, 999_999)
        return Label(name, ((version, 1),)) if version in versions else None
    raw = spec.get(p.LABEL_WEIGHTS)
    if set(spec) != {p.LABEL_WEIGHTS} or not isinstance(raw, dict) or not raw:
        return None
    weights = sorted((_whole(v, 1, 999_999), _whole(w, 0, 1_000_000)) for v, w in raw.items())
    if any(v not in versions or w is None for v, w in weights) or sum(w or 0 for _, w in weights) <= 0:
        return None
    return Label(name, tuple((v, w) for v, w in weights if v is not None and w is not None))


def _parameters(spec: Any) -> dict[str, Any] | None:
    """The prompt's default chat parameters, checked as a request's would be (None: not valid)."""
    from router.api.parse import chat_parameters
    from shared.errors import GatewayError

    if not isinstance(spec, dict) or set(spec) - set(p.PARAMETERS):
        return None
    try:
        return chat_parameters(spec)
    except GatewayError:
        return None


def _entries(raw: Any, parse: Any, invalid: str, name: str, problems: list[str]) -> dict[Any, Any]:
    """`raw` (a mapping) parsed entry by entry with `parse(key, value)`; each entry it refuses is a problem."""
    parsed: dict[Any, Any] = {}
    for key, value in raw.items() if isinstance(raw, dict) else [("-", None)]:
        entry = parse(key, value)
        if entry is None:
            problems.append(invalid.format(prompt=name, value=str(key)[:64]))
        else:
            parsed[entry[0]] = entry[1]
    return parsed


def _version(key: Any, messages: Any) -> tuple[int, tuple[Message, ...]] | None:
    number, parsed = _whole(key, 1, 999_999), _messages(messages)
    return (number, parsed) if number is not None and parsed is not None else None


def _prompt(name: str, spec: Any, chat_models: frozenset[str], problems: list[str]) -> Prompt | None:
    if not re.match(p.NAME_PATTERN, name):
        problems.append(p.NAME_INVALID.format(prompt=name[:64]))
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get(p.VERSIONS), dict) or not spec[p.VERSIONS]:
        problems.append(p.NO_VERSIONS.format(prompt=name))
        return None
    before = len(problems)
    description = spec.get(p.DESCRIPTION)
    if not isinstance(description, str) or not 0 < len(description.strip()) <= p.MAX_DESCRIPTION_LENGTH:
        problems.append(p.DESCRIPTION_INVALID.format(prompt=name))
    model = spec.get(p.MODEL)
    if model not in chat_models:
        problems.append(p.MODEL_UNKNOWN.format(prompt=name, value=str(model)[:128]))
    versions = _entries(spec[p.VERSIONS], _version, p.VERSION_INVALID, name, problems)

    def label(key: Any, value: Any) -> tuple[str, Label] | None:
        parsed = _label(key, value, versions)
        return (parsed.name, parsed) if parsed else None

    def variable(key: Any, value: Any) -> tuple[str, Variable] | None:
        parsed = _variable(key, value)
        return (parsed.name, parsed) if parsed else None

    labels = _entries(spec.get(p.LABELS) or {}, label, p.LABEL_INVALID, name, problems)
    variables = _entries(spec.get(p.VARIABLES) or {}, variable, p.VARIABLE_INVALID, name, problems)
    parameters = _parameters(spec.get(p.PARAMETERS_FIELD) or {})
    overridable = spec.get(p.OVERRIDABLE_FIELD) or []
    if parameters is None or not isinstance(overridable, list) or not set(overridable) <= set(p.OVERRIDABLE):
        problems.append(p.PARAMETERS_INVALID.format(prompt=name))
    if len(versions) > p.MAX_VERSIONS or len(labels) > p.MAX_LABELS or len(variables) > p.MAX_VARIABLES:
        problems.append(p.TOO_MANY)
    if len(problems) > before:
        return None
    return Prompt(
        name, str(description), str(model), versions, labels, variables, parameters or {}, frozenset(overridable)
    )


def parse_prompts(value: Any, chat_models: frozenset[str], problems: list[str]) -> PromptRegistry:
    """The registry of the document's `prompts` (absent: none); every problem is appended to `problems`.

    `chat_models` are the catalog's chat aliases and routed chat aliases: a prompt's default model
    must be one of them. Whether a tenant may use it is asked per request, like any chat model.
    """
    if value is None:
        return PromptRegistry()
    if not isinstance(value, dict) or len(value) > p.MAX_PROMPTS:
        problems.append(p.TOO_MANY)
        return PromptRegistry()
    prompts = {}
    for name, spec in value.items():
        prompt = _prompt(str(name), spec, chat_models, problems)
        if prompt is not None:
            prompts[prompt.name] = prompt
    return PromptRegistry(prompts)
