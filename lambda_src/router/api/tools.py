"""OpenAI's `tools`, `tool_choice`, `parallel_tool_calls` and `response_format` in: checked, typed, nothing else.

Pure. The names follow OpenAI's rules (which Converse shares): 1-64 letters, digits,
`_` and `-`. A JSON Schema (`parameters`, `json_schema.schema`) must be an object; it is
passed on as sent, never interpreted here.
"""

from __future__ import annotations

import re
from typing import Any

from contract.routing import RESPONSE_FORMATS
from router.chat import ResponseFormat, Tool, ToolChoice
from shared.errors import GatewayError

NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TOOLS = 128
MAX_DESCRIPTION = 10_000
TOOL_CHOICES = ("auto", "none", "required")
# The parameters of a function that declares none (what OpenAI assumes).
NO_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
# The name of the answer tool when a `json_object` answer is asked of a model that answers through a tool.
JSON_OBJECT_TOOL = "json_answer"


def _bad(message: str, param: str) -> GatewayError:
    return GatewayError(400, "invalid_parameter", message, param=param)


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise _bad(f"'{where}' must be 1-64 letters, digits, '_' or '-'", where)
    return value


def _schema(value: Any, where: str, default: dict[str, Any] | None = None) -> dict[str, Any]:
    if value is None and default is not None:
        return default
    if not isinstance(value, dict):
        raise _bad(f"'{where}' must be a JSON Schema object", where)
    return value


def _flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _bad(f"'{where}' must be true or false", where)
    return value


def _description(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise _bad(f"'{where}' must be a string of at most {MAX_DESCRIPTION:,} characters", where)
    return value


def parse_tools(raw: Any) -> tuple[Tool, ...]:
    """The `tools` list: functions only, names unique."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_TOOLS:
        raise _bad(f"'tools' must be a list of at most {MAX_TOOLS} functions", "tools")
    tools: list[Tool] = []
    for index, item in enumerate(raw):
        where = f"tools[{index}]"
        if not isinstance(item, dict) or item.get("type") != "function" or not isinstance(item.get("function"), dict):
            raise _bad(f"'{where}' must be {{'type': 'function', 'function': {{...}}}}", where)
        unknown = [k for k in item if k not in ("type", "function")]
        function = item["function"]
        unknown += [k for k in function if k not in ("name", "description", "parameters", "strict")]
        if unknown:
            raise _bad(f"'{where}' has an unknown field '{str(unknown[0])[:64]}'", where)
        name = _name(function.get("name"), f"{where}.function.name")
        if any(t.name == name for t in tools):
            raise _bad(f"'{where}.function.name' repeats the tool name '{name}'", f"{where}.function.name")
        tools.append(
            Tool(
                name=name,
                description=_description(function.get("description"), f"{where}.function.description"),
                parameters=_schema(function.get("parameters"), f"{where}.function.parameters", NO_PARAMETERS),
                strict=_flag(function.get("strict"), f"{where}.function.strict"),
            )
        )
    return tuple(tools)


def parse_tool_choice(raw: Any, tools: tuple[Tool, ...]) -> ToolChoice | None:
    """`tool_choice`: a mode, or the function that must be called (which `tools` must hold)."""
    if raw is None:
        return None
    if raw in TOOL_CHOICES:
        if raw != "none" and not tools:
            raise _bad(f"'tool_choice' {raw!r} needs 'tools'", "tool_choice")
        return ToolChoice(str(raw))
    function = raw.get("function") if isinstance(raw, dict) and raw.get("type") == "function" else None
    if not isinstance(function, dict):
        message = "'tool_choice' must be 'auto', 'none', 'required' or {'type': 'function', 'function': {'name': ...}}"
        raise _bad(message, "tool_choice")
    name = _name(function.get("name"), "tool_choice.function.name")
    if not any(t.name == name for t in tools):
        raise _bad(f"'tool_choice' names '{name}', which is not in 'tools'", "tool_choice.function.name")
    return ToolChoice("function", name)


def parse_parallel(raw: Any) -> bool | None:
    if raw is None:
        return None
    if not isinstance(raw, bool):
        raise _bad("'parallel_tool_calls' must be true or false", "parallel_tool_calls")
    return raw


def parse_response_format(raw: Any, tools: tuple[Tool, ...]) -> ResponseFormat | None:
    """`response_format`: None for text, else `json_object` or a named `json_schema`."""
    if raw is None:
        return None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind not in RESPONSE_FORMATS:
        raise _bad("'response_format.type' must be one of: " + ", ".join(RESPONSE_FORMATS), "response_format")
    if kind == "text":
        return None
    if kind == "json_object":
        return ResponseFormat("json_object", JSON_OBJECT_TOOL, {"type": "object"})
    spec = raw.get("json_schema")
    if not isinstance(spec, dict):
        raise _bad("'response_format.json_schema' must be an object with name and schema", "response_format")
    unknown = [k for k in spec if k not in ("name", "description", "schema", "strict")]
    if unknown:
        where = f"response_format.json_schema.{str(unknown[0])[:64]}"
        raise _bad(f"'{where}' is unknown", where)
    name = _name(spec.get("name"), "response_format.json_schema.name")
    if any(t.name == name for t in tools):
        raise _bad(f"'response_format.json_schema.name' '{name}' is also a tool's name; rename one",
                   "response_format.json_schema.name")  # fmt: skip
    schema = _schema(spec.get("schema"), "response_format.json_schema.schema", {"type": "object"})
    return ResponseFormat("json_schema", name, schema, _flag(spec.get("strict"), "response_format.json_schema.strict"))
