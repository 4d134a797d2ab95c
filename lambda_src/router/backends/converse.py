"""The router's chat request as a Bedrock Converse (and ConverseStream) request, and the answer's blocks back.

Mapping (documented in the README, "Router API"):
- turns: `tool` results become `toolResult` blocks of a user turn; consecutive turns of
  one role are merged (Converse requires user and assistant to alternate); images
  become `image` blocks before the turn's text;
- tools: `toolSpec`s; `tool_choice` auto -> `auto`, required -> `any`, a function ->
  `tool`. Converse has no `none`: the tools are then left out, unless the conversation
  already holds tool blocks (Converse then requires them), in which case calls the
  model makes anyway are dropped from the answer. `parallel_tool_calls: false` keeps
  the first call of an answer (Converse has no switch for it);
- structured output (`response_format`): Converse has no JSON mode, so the gateway
  offers an answer tool whose input schema is the requested schema and makes the model
  call it (forced, or `any` beside the client's tools); the tool's input is the
  answer's JSON text. A schema whose root is not an object is wrapped as `{"value": ...}`
  and unwrapped in the answer. `strict` is not enforced by Bedrock: the answer is the
  model's tool input, whose JSON the client's parser validates;
- `seed` has no Converse parameter and is not sent (OpenAI documents it as best effort).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from router.chat import ChatMessage, ChatRequest, ToolCall
from shared.backend_errors import BackendError

TOOL_USE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
WRAPPED = "value"
ANSWER_TOOL_DESCRIPTION = "Give your answer to the user as this tool's input: a JSON value matching its schema."
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "content_filtered": "content_filter",
    "guardrail_intervened": "content_filter",
}


def tool_use_id(call_id: str) -> str:
    """A client's tool call id as Converse accepts it (`[A-Za-z0-9_-]{1,64}`), the same for a call and its result."""
    if TOOL_USE_ID.fullmatch(call_id):
        return call_id
    return "id_" + hashlib.sha256(call_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


@dataclass(frozen=True)
class AnswerPlan:
    """How the model's answer blocks become the client's: which tool is the answer, which calls are kept."""

    answer_tool: str | None = None
    wrapped: bool = False
    drop_calls: bool = False
    first_call_only: bool = False

    def answer_text(self, tool_input: Any) -> str:
        value = tool_input.get(WRAPPED) if self.wrapped and isinstance(tool_input, dict) else tool_input
        return json.dumps(value, ensure_ascii=False)

    def finish_reason(self, stop_reason: str, calls: int, answered: bool) -> str:
        if calls:
            return "tool_calls"
        reason = STOP_REASONS.get(stop_reason, "stop")
        return "stop" if reason == "tool_calls" or (answered and reason != "length") else reason


def _arguments(call: ToolCall) -> dict[str, Any]:
    try:
        value = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise BackendError(
            "client",
            "tool call arguments are not a JSON object",
            status=400,
            public=f"the arguments of tool call '{call.id[:64]}' must be a JSON object for this model",
        )
    return value


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        result = {"toolUseId": tool_use_id(message.tool_call_id or ""), "content": [{"text": message.content}]}
        return [{"toolResult": result}]
    blocks: list[dict[str, Any]] = [
        {"image": {"format": i.format, "source": {"bytes": i.data}}} for i in message.images
    ]
    if message.content or not (blocks or message.tool_calls):
        blocks.append({"text": message.content})
    blocks += [
        {"toolUse": {"toolUseId": tool_use_id(c.id), "name": c.name, "input": _arguments(c)}}
        for c in message.tool_calls
    ]
    return blocks


def converse_messages(request: ChatRequest) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _spec(name: str, description: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "inputSchema": {"json": schema}}
    if description:
        spec["description"] = description
    return {"toolSpec": spec}


def _called_only(request: ChatRequest) -> list[dict[str, Any]]:
    """Specs for the functions the conversation called that `tools` does not offer (Converse needs them declared)."""
    offered = {t.name for t in request.tools}
    called = sorted({c.name for m in request.messages for c in m.tool_calls} - offered)
    return [_spec(name, None, {"type": "object"}) for name in called]


def tool_config(request: ChatRequest) -> tuple[dict[str, Any] | None, AnswerPlan]:
    """Converse's `toolConfig` for the request (None: no tools), and how to read the answer."""
    choice = request.tool_choice.mode if request.tool_choice else "auto"
    specs = [_spec(t.name, t.description, t.parameters) for t in request.tools]
    first_only = request.parallel_tool_calls is False
    history = any(m.tool_calls or m.role == "tool" for m in request.messages)
    fmt = request.response_format
    if fmt is not None and fmt.name and choice in ("auto", "none"):
        schema = fmt.schema or {"type": "object"}
        wrapped = schema.get("type") != "object"
        if wrapped:
            schema = {"type": "object", "properties": {WRAPPED: schema}, "required": [WRAPPED]}
        answer = _spec(fmt.name, ANSWER_TOOL_DESCRIPTION, schema)
        forced: dict[str, Any]
        if choice == "auto" and specs:
            # The model calls one of the client's tools, or answers through the answer tool.
            tools, forced = [*specs, *_called_only(request), answer], {"any": {}}
        else:
            declared = [*specs, *_called_only(request)] if history else []
            tools, forced = [*declared, answer], {"tool": {"name": fmt.name}}
        plan = AnswerPlan(fmt.name, wrapped, drop_calls=choice == "none", first_call_only=first_only)
        return {"tools": tools, "toolChoice": forced}, plan
    if choice == "none" or not specs:
        if not history:
            return None, AnswerPlan()
        # Converse refuses tool blocks without a toolConfig: declare them, and drop calls the model makes anyway.
        return {"tools": [*specs, *_called_only(request)], "toolChoice": {"auto": {}}}, AnswerPlan(drop_calls=True)
    chosen: dict[str, Any] = {"auto": {}}
    if choice == "required":
        chosen = {"any": {}}
    elif choice == "function" and request.tool_choice and request.tool_choice.name:
        chosen = {"tool": {"name": request.tool_choice.name}}
    tools = [*specs, *_called_only(request)]
    return {"tools": tools, "toolChoice": chosen}, AnswerPlan(first_call_only=first_only)


def converse_request(request: ChatRequest, model_id: str) -> tuple[dict[str, Any], AnswerPlan]:
    """The keyword arguments of `converse` / `converse_stream` for `request`, and how to read the answer."""
    body: dict[str, Any] = {"modelId": model_id, "messages": converse_messages(request)}
    if request.system:
        body["system"] = [{"text": request.system}]
    settings = {
        "maxTokens": request.max_tokens,
        "temperature": request.temperature,
        "topP": request.top_p,
        "stopSequences": list(request.stop) or None,
    }
    inference = {k: v for k, v in settings.items() if v is not None}
    if inference:
        body["inferenceConfig"] = inference
    config, plan = tool_config(request)
    if config is not None:
        body["toolConfig"] = config
    return body, plan


def answer_of(blocks: list[Any], stop_reason: str, plan: AnswerPlan) -> tuple[str, tuple[ToolCall, ...], str]:
    """The text, tool calls and finish reason of a Converse answer's content blocks."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    answer: str | None = None
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if isinstance(block.get("text"), str):
            texts.append(block["text"])
        use = block.get("toolUse")
        if isinstance(use, dict) and isinstance(use.get("name"), str):
            if use["name"] == plan.answer_tool:
                answer = plan.answer_text(use.get("input"))
            elif not plan.drop_calls:
                arguments = json.dumps(use.get("input") if use.get("input") is not None else {}, ensure_ascii=False)
                calls.append(ToolCall(str(use.get("toolUseId") or ""), use["name"], arguments))
    if plan.first_call_only:
        calls = calls[:1]
    if answer is not None and not calls:
        return answer, (), plan.finish_reason(stop_reason, 0, True)
    return "".join(texts), tuple(calls), plan.finish_reason(stop_reason, len(calls), False)
