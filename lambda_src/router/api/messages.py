"""OpenAI chat `messages` in: system text split out, turns typed, tool calls paired with their results.

Pure, apart from fetching remote images through the `ImagePolicy` it is given. The
rules a conversation must keep (what OpenAI and Converse both require):
- a `tool` message answers a call of the assistant message before it (`tool_call_id`);
- every call of an assistant message is answered before the next user or assistant turn;
- content is a string or a list of parts: `text` everywhere, `image_url` in user turns.
"""

from __future__ import annotations

from typing import Any

from contract import media
from router.api.images import ImagePolicy
from router.chat import ChatMessage, ImagePart, ToolCall
from shared.errors import GatewayError

MAX_MESSAGES = 1000
MAX_TOOL_CALL_ID = 256
SYSTEM_ROLES = ("system", "developer")
# The fields each role may carry (OpenAI's; `audio` and the deprecated `function_call` are refused).
ROLE_KEYS = {
    "system": ("role", "content", "name"),
    "developer": ("role", "content", "name"),
    "user": ("role", "content", "name"),
    "assistant": ("role", "content", "name", "tool_calls", "refusal"),
    "tool": ("role", "content", "tool_call_id"),
}
ROLES = ", ".join(ROLE_KEYS)


def _bad(message: str, param: str) -> GatewayError:
    return GatewayError(400, "invalid_parameter", message, param=param)


NO_CONVERSATION = _bad("'messages' needs at least one user or assistant message", "messages")


class _Content:
    """Reads message contents, counting images across the request."""

    def __init__(self, images: ImagePolicy) -> None:
        self.policy, self.images = images, 0

    def read(
        self, content: Any, where: str, *, images: bool, optional: bool = False
    ) -> tuple[str, tuple[ImagePart, ...]]:
        if content is None and optional:
            return "", ()
        if isinstance(content, str):
            return content, ()
        if not isinstance(content, list) or not content:
            raise _bad(f"{where} must be a string or a non-empty list of content parts", where)
        texts: list[str] = []
        found: list[ImagePart] = []
        kinds = "'text' and 'image_url'" if images else "'text'"
        for index, part in enumerate(content):
            at = f"{where}[{index}]"
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif kind == "image_url" and images:
                self.images += 1
                if self.images > media.MAX_IMAGES_PER_REQUEST:
                    raise _bad(f"{at}: a request may hold at most {media.MAX_IMAGES_PER_REQUEST} images", at)
                found.append(self.policy.image(part.get("image_url"), f"{at}.image_url"))
            else:
                raise _bad(f"{at} must be a content part of type {kinds} here; other parts are refused", at)
        return "".join(texts), tuple(found)


def _tool_calls(raw: Any, where: str) -> tuple[ToolCall, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _bad(f"{where} must be a non-empty list of tool calls", where)
    calls = []
    for index, call in enumerate(raw):
        at = f"{where}[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or call.get("type", "function") != "function" or not isinstance(function, dict):
            raise _bad(f"{at} must be {{'id', 'type': 'function', 'function': {{'name', 'arguments'}}}}", at)
        call_id, name, arguments = call.get("id"), function.get("name"), function.get("arguments")
        if not isinstance(call_id, str) or not 0 < len(call_id) <= MAX_TOOL_CALL_ID:
            raise _bad(f"{at}.id must be a string of 1-{MAX_TOOL_CALL_ID} characters", f"{at}.id")
        if not isinstance(name, str) or not 0 < len(name) <= 64:
            raise _bad(f"{at}.function.name must be the name of a function", f"{at}.function.name")
        if not isinstance(arguments, str):
            raise _bad(f"{at}.function.arguments must be a string (the JSON text of the arguments)",
                       f"{at}.function.arguments")  # fmt: skip
        calls.append(ToolCall(call_id, name, arguments))
    return tuple(calls)


def _role(message: Any, where: str) -> str:
    """The message's role, once its fields are known to be the role's."""
    if not isinstance(message, dict):
        raise _bad(f"{where} must be an object with role and content", where)
    role = message.get("role")
    if role not in ROLE_KEYS:
        raise _bad(f"{where}.role must be one of: {ROLES}", f"{where}.role")
    unknown = [k for k in message if k not in ROLE_KEYS[role]]
    if unknown or message.get("refusal") is not None:
        key = str(unknown[0])[:64] if unknown else "refusal"
        raise _bad(f"{where}.{key} is not supported on a {role} message", f"{where}.{key}")
    return str(role)


def parse_messages(
    raw: Any, images: ImagePolicy, *, may_be_empty: bool = False
) -> tuple[str | None, tuple[ChatMessage, ...]]:
    """The system text (system and developer messages joined) and the conversation.

    Raises
    ------
    GatewayError
        400 naming the first message or part at fault.
    """
    low = 0 if may_be_empty else 1
    if raw is None and may_be_empty:
        return None, ()
    if not isinstance(raw, list) or not low <= len(raw) <= MAX_MESSAGES:
        raise _bad(f"'messages' must be a list of {low}-{MAX_MESSAGES} messages", "messages")
    content = _Content(images)
    system: list[str] = []
    messages: list[ChatMessage] = []
    # The calls of the last assistant turn still waiting for their tool message.
    pending: dict[str, int] = {}
    for index, message in enumerate(raw):
        where = f"messages[{index}]"
        role = _role(message, where)
        if role != "tool" and pending:
            raise _bad(f"{where}: the tool calls {sorted(pending)} of messages[{min(pending.values())}] have no tool "
                       "message; answer each call before the next turn", where)  # fmt: skip
        if role in SYSTEM_ROLES:
            system.append(content.read(message.get("content"), f"{where}.content", images=False)[0])
        elif role == "user":
            text, found = content.read(message.get("content"), f"{where}.content", images=True)
            messages.append(ChatMessage("user", text, images=found))
        elif role == "assistant":
            calls = _tool_calls(message.get("tool_calls"), f"{where}.tool_calls")
            text, _ = content.read(message.get("content"), f"{where}.content", images=False, optional=bool(calls))
            pending = {c.id: index for c in calls}
            messages.append(ChatMessage("assistant", text, tool_calls=calls))
        else:
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or call_id not in pending:
                raise _bad(f"{where}.tool_call_id must name a call of the assistant message before it",
                           f"{where}.tool_call_id")  # fmt: skip
            del pending[call_id]
            text, _ = content.read(message.get("content"), f"{where}.content", images=False)
            messages.append(ChatMessage("tool", text, tool_call_id=call_id))
    if pending:
        last = min(pending.values())
        raise _bad(f"messages[{last}]: its tool calls {sorted(pending)} have no tool message", f"messages[{last}]")
    if not messages and not may_be_empty:
        raise NO_CONVERSATION
    return ("\n\n".join(system) if system else None), tuple(messages)
