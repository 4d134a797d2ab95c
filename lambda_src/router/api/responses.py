"""OpenAI's Responses API (`POST /v1/responses`) on the chat pipeline: its request read as a chat request, the
chat answer written as a `response` object.

What is taken: `model`, `input` (a string, or items: messages with `input_text`,
`input_image` and `output_text` parts, `function_call` and `function_call_output`),
`instructions`, function `tools`, `tool_choice`, `parallel_tool_calls`, `temperature`,
`top_p`, `max_output_tokens`, `text.format` (`text`, `json_object`, `json_schema`),
`user`, `metadata`, `stream` (the events of router.api.responses_stream); `store` and
`include` are accepted and change nothing (the gateway keeps no responses). Refused with
a 400 naming the field: `previous_response_id` and
`conversation` (nothing is stored to continue from: send the whole conversation in
`input`), tools other than functions, `reasoning`, `background`. A refusal inside a
message names its place in `input` (`input[2].content[0]`).
"""

from __future__ import annotations

import re
from typing import Any

from shared.errors import GatewayError

APPLIED = (
    "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "temperature", "top_p",
    "max_output_tokens", "text", "user", "metadata", "stream", "store", "include", "truncation",
)  # fmt: skip
NOT_STORED = ("previous_response_id", "conversation")
ROLES = ("user", "system", "developer", "assistant")
PART_TYPES = {"input_text": "text", "output_text": "text", "input_image": "image_url"}


def _bad(message: str, param: str) -> GatewayError:
    return GatewayError(400, "invalid_parameter", message, param=param)


def _part(part: Any, where: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text") and isinstance(part.get("text"), str):
        return {"type": "text", "text": part["text"]}
    if kind == "input_image":
        image: dict[str, Any] = {"url": part.get("image_url")}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise _bad(f"'{where}' must be a part of type " + ", ".join(PART_TYPES) + " (files and audio are refused)", where)


def _message(item: dict[str, Any], where: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in ROLES:
        raise _bad(f"'{where}.role' must be one of: " + ", ".join(ROLES), f"{where}.role")
    content = item.get("content")
    if isinstance(content, list):
        content = [_part(p, f"{where}.content[{i}]") for i, p in enumerate(content)]
    return {"role": role, "content": content}


def _tools(raw: Any) -> list[dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise _bad("'tools' must be a list of function tools", "tools")
    tools = []
    for index, tool in enumerate(raw):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise _bad(
                f"'tools[{index}]' must be a function tool; the gateway runs no built-in tools", f"tools[{index}]"
            )
        function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
        tools.append({"type": "function", "function": function})
    return tools


def _tool_choice(raw: Any) -> Any:
    if isinstance(raw, dict) and raw.get("type") == "function":
        return {"type": "function", "function": {"name": raw.get("name")}}
    return raw


def _format(raw: Any) -> Any:
    if raw is None:
        return None
    fmt = raw.get("format") if isinstance(raw, dict) else None
    if raw and not isinstance(fmt, dict):
        raise _bad("'text' takes 'format': {'type': 'text' | 'json_object' | 'json_schema', ...}", "text")
    if fmt is None or fmt.get("type") != "json_schema":
        return fmt
    schema = {k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt}
    return {"type": "json_schema", "json_schema": schema}


def _conversation(document: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The chat messages of `instructions` and `input`, and where each came from (for refusals)."""
    messages: list[dict[str, Any]] = []
    origins: list[str] = []
    if document.get("instructions") is not None:
        if not isinstance(document["instructions"], str):
            raise _bad("'instructions' must be a string", "instructions")
        messages.append({"role": "system", "content": document["instructions"]})
        origins.append("instructions")
    raw = document.get("input")
    if isinstance(raw, str):
        return [*messages, {"role": "user", "content": raw}], [*origins, "input"]
    if not isinstance(raw, list) or not raw:
        raise _bad("'input' must be a string or a non-empty list of items", "input")
    for index, item in enumerate(raw):
        where = f"input[{index}]"
        kind = item.get("type", "message") if isinstance(item, dict) else None
        if kind == "message" and isinstance(item, dict):
            messages.append(_message(item, where))
        elif kind == "function_call" and isinstance(item, dict):
            call = {"id": item.get("call_id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments")}}  # fmt: skip
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and origins[-1].startswith("input["):
                last.setdefault("tool_calls", []).append(call)
                if last.get("content") == "":
                    last["content"] = None
                continue
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output" and isinstance(item, dict):
            output = item.get("output")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": output})
        else:
            raise _bad(f"'{where}' must be a message, function_call or function_call_output item", where)
        origins.append(where)
    return messages, origins


def chat_document(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The chat completion request a Responses request asks for, and the origin of each of its messages.

    Raises
    ------
    GatewayError
        400 naming the Responses field at fault.
    """
    for name in NOT_STORED:
        if document.get(name) is not None:
            raise _bad(f"'{name}' is not supported: the gateway stores no responses; send the whole conversation "
                       "in 'input'", name)  # fmt: skip
    unknown = [k for k in document if k not in APPLIED and document[k] is not None]
    if unknown:
        raise _bad(f"'{str(unknown[0])[:64]}' is not supported on /v1/responses", str(unknown[0])[:64])
    messages, origins = _conversation(document)
    chat: dict[str, Any] = {"model": document.get("model"), "messages": messages}
    for source, target in (("temperature", "temperature"), ("top_p", "top_p"), ("max_output_tokens", "max_tokens"),
                           ("user", "user"), ("metadata", "metadata"), ("parallel_tool_calls", "parallel_tool_calls"),
                           ("stream", "stream")):  # fmt: skip
        if document.get(source) is not None:
            chat[target] = document[source]
    tools = _tools(document.get("tools"))
    if tools:
        chat["tools"] = tools
    if document.get("tool_choice") is not None:
        chat["tool_choice"] = _tool_choice(document["tool_choice"])
    fmt = _format(document.get("text"))
    if fmt is not None:
        chat["response_format"] = fmt
    return chat, origins


MESSAGE_PARAM = re.compile(r"messages\[(\d+)\]")
CHAT_NAMES = {"max_tokens": "max_output_tokens", "response_format": "text.format", "messages": "input"}


def renamed(err: GatewayError, origins: list[str]) -> GatewayError:
    """A chat refusal in the Responses request's own names (`messages[3].content` -> `input[2].content`)."""
    param = err.param
    if param is None:
        return err
    found = MESSAGE_PARAM.match(param)
    if found and int(found[1]) < len(origins):
        param = origins[int(found[1])] + param[found.end() :]
    else:
        head, dot, rest = param.partition(".")
        param = CHAT_NAMES.get(head, head) + dot + rest
    message = err.message.replace(err.param, param) if err.param else err.message
    return GatewayError(err.status, err.code, message, param=param, error_type=err.error_type, headers=err.headers)


def message_item(request_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    """The answer's text as an output item (one per answer: its id is the request's)."""
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    if status != "completed":
        content = []  # an item in progress gets its part in its own event
    return {"type": "message", "id": f"msg_{request_id}", "status": status, "role": "assistant", "content": content}


def call_item(call_id: str, name: str, arguments: str, status: str = "completed") -> dict[str, Any]:
    """A tool call as an output item."""
    return {"type": "function_call", "id": f"fc_{call_id}", "call_id": call_id, "status": status, "name": name,
            "arguments": arguments}  # fmt: skip


def response_envelope(
    request: dict[str, Any],
    *,
    request_id: str,
    created: int,
    model: str,
    output: list[dict[str, Any]],
    status: str,
    usage: tuple[int, int] | None,
) -> dict[str, Any]:
    """A `response` object for the Responses request `request` (`status`: in_progress, completed or
    incomplete, the last when the answer was cut at its output cap)."""
    return {
        "id": f"resp_{request_id}",
        "object": "response",
        "created_at": created,
        "status": status,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "error": None,
        "model": model,
        "output": output,
        "instructions": request.get("instructions"),
        "tools": request.get("tools") or [],
        "tool_choice": request.get("tool_choice") or "auto",
        "parallel_tool_calls": request.get("parallel_tool_calls", True) is not False,
        "temperature": request.get("temperature"),
        "top_p": request.get("top_p"),
        "max_output_tokens": request.get("max_output_tokens"),
        "text": request.get("text") or {"format": {"type": "text"}},
        "metadata": request.get("metadata") or {},
        "previous_response_id": None,
        "store": False,
        "truncation": "disabled",
        "user": request.get("user"),
        "usage": None
        if usage is None
        else {
            "input_tokens": usage[0],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage[1],
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage[0] + usage[1],
        },
    }


def status_of(finish_reason: str | None) -> str:
    return "incomplete" if finish_reason == "length" else "completed"


def response_object(completion: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The `response` object of a chat completion answered for the Responses request `request`."""
    choice = completion["choices"][0]
    message = choice["message"]
    request_id = completion["id"].removeprefix("chatcmpl-")
    output: list[dict[str, Any]] = []
    if message.get("content"):
        output.append(message_item(request_id, message["content"]))
    for call in message.get("tool_calls") or ():
        output.append(call_item(call["id"], call["function"]["name"], call["function"]["arguments"]))
    usage = completion["usage"]
    return response_envelope(
        request,
        request_id=request_id,
        created=completion["created"],
        model=completion["model"],
        output=output,
        status=status_of(choice["finish_reason"]),
        usage=(usage["prompt_tokens"], usage["completion_tokens"]),
    )
