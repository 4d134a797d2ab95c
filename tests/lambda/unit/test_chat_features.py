"""Tools, images and structured output below the handler: the parsers, the Converse and OpenAI mappings,
token bounds, and the guardrails on tool calls."""

from __future__ import annotations

import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from router.api.images import ImagePolicy, fetch
from router.api.parse import parse_chat
from router.backends.converse import converse_request, tool_use_id
from router.backends.shapes import chat_result_from_openai, openai_chat_body
from router.chat import ChatMessage, ChatRequest, ChatResult, ImagePart, Tool, ToolCall, ToolChoice
from router.guardrails.checks import Screening
from router.guardrails.policy import parse_guardrails
from router.tokens import IMAGE_TOKEN_BOUND, TOOLS_OVERHEAD_TOKENS, chat_input_bound
from shared.backend_errors import BackendError
from shared.errors import GatewayError
from tests.support.http import running

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
CALL = {"id": "call 1/ü", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
CONVERSATION = [
    {"role": "user", "content": "Oslo?"},
    {"role": "assistant", "content": None, "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call 1/ü", "content": "rain"},
]


def chat(**body: Any) -> ChatRequest:
    return parse_chat({"model": "m", "messages": [{"role": "user", "content": "Hi"}], **body}).request


def refusal(body: dict[str, Any], images: ImagePolicy | None = None) -> GatewayError:
    with pytest.raises(GatewayError) as refused:
        parse_chat({"model": "m", **body}, images=images)
    return refused.value


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        ([{"role": "tool", "tool_call_id": "x", "content": "r"}], "messages[0].tool_call_id"),
        ([*CONVERSATION[:2], {"role": "user", "content": "next"}], "messages[2]"),
        (CONVERSATION[:2], "messages[1]"),
        ([{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": {}}}]}],
         "messages[0].tool_calls[0].function.arguments"),
        ([{"role": "assistant", "content": "x", "function_call": {}}], "messages[0].function_call"),
        ([{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}],
         "messages[0].content[0]"),
    ],
)  # fmt: skip
def test_conversations_that_break_the_tool_rules_are_refused(messages: list[Any], param: str) -> None:
    assert refusal({"messages": messages}).param == param


def test_tool_parameters_are_checked() -> None:
    assert refusal({"messages": CONVERSATION, "tools": [WEATHER, WEATHER]}).param == "tools[1].function.name"
    named = {"type": "function", "function": {"name": "other"}}
    assert refusal({"messages": CONVERSATION, "tools": [WEATHER], "tool_choice": named}).param == (
        "tool_choice.function.name"
    )
    clash = {"type": "json_schema", "json_schema": {"name": "get_weather", "schema": {}}}
    assert refusal({"messages": CONVERSATION, "tools": [WEATHER], "response_format": clash}).param == (
        "response_format.json_schema.name"
    )
    request = chat(tools=[WEATHER], tool_choice="required", parallel_tool_calls=False, seed=7)
    assert request.tools == (Tool("get_weather", None, {"type": "object"}),)
    assert (request.tool_choice, request.parallel_tool_calls, request.seed) == (ToolChoice("required"), False, 7)


def test_remote_images_come_only_from_allowed_hosts_over_https() -> None:
    fetched: list[str] = []

    def fake(url: str, where: str) -> ImagePart:
        fetched.append(url)
        return ImagePart("png", PNG)

    policy = ImagePolicy(frozenset({"images.example.com"}), fake)
    part = {"type": "image_url", "image_url": {"url": "https://images.example.com/cat.png"}}
    request = parse_chat({"model": "m", "messages": [{"role": "user", "content": [part]}]}, images=policy).request
    assert request.messages[0].images == (ImagePart("png", PNG),) and fetched == ["https://images.example.com/cat.png"]
    for url in (
        "https://images.example.com.evil.test/cat.png",
        "https://user:pw@images.example.com/cat.png",
        "https://images.example.com:8443/cat.png",
        "http://images.example.com/cat.png",
    ):
        bad = {"type": "image_url", "image_url": {"url": url}}
        assert refusal({"messages": [{"role": "user", "content": [bad]}]}, policy).code == "invalid_image"
    assert len(fetched) == 1
    many = [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}}] * 21
    assert "at most 20 images" in refusal({"messages": [{"role": "user", "content": many}]}).message


def test_fetch_checks_the_bytes_and_refuses_redirects() -> None:
    class Host(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("location", "http://169.254.169.254/")
                self.end_headers()
                return
            payload = PNG if self.path == "/ok.png" else b"<html>"
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_args: Any) -> None:
            return

    with running(ThreadingHTTPServer(("127.0.0.1", 0), Host)) as base:
        assert fetch(f"{base}/ok.png", "part") == ImagePart("png", PNG)
        with pytest.raises(GatewayError, match="its host answered 302"):
            fetch(f"{base}/moved", "part")
        with pytest.raises(GatewayError, match="not an image"):
            fetch(f"{base}/page", "part")


def test_the_converse_mapping_of_a_tool_conversation_with_tool_choice_none() -> None:
    request = parse_chat({"model": "m", "messages": CONVERSATION, "tool_choice": "none"}).request
    body, plan = converse_request(request, "model-id")
    use_id = tool_use_id("call 1/ü")
    assert use_id.startswith("id_") and use_id == tool_use_id("call 1/ü")
    assert body["messages"][1]["content"] == [
        {"toolUse": {"toolUseId": use_id, "name": "get_weather", "input": {"city": "Oslo"}}}
    ]
    assert body["messages"][2]["content"] == [{"toolResult": {"toolUseId": use_id, "content": [{"text": "rain"}]}}]
    # Converse needs the called tools declared; calls made anyway are dropped.
    assert body["toolConfig"]["tools"][0]["toolSpec"]["name"] == "get_weather" and plan.drop_calls


def test_arguments_that_are_not_a_json_object_are_refused_for_converse() -> None:
    request = ChatRequest(
        (ChatMessage("user", "x"), ChatMessage("assistant", "", tool_calls=(ToolCall("a", "f", "[1]"),)),
         ChatMessage("tool", "r", tool_call_id="a"))
    )  # fmt: skip
    with pytest.raises(BackendError) as refused:
        converse_request(request, "m")
    assert refused.value.public is not None and "must be a JSON object" in refused.value.public


def test_the_openai_mapping_passes_everything_through() -> None:
    request = parse_chat(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": [
                    {"type": "text", "text": "Look"},
                    {"type": "image_url", "image_url": {"url": DATA_URL}},
                ]},
                *CONVERSATION[1:],
            ],
            "tools": [WEATHER],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": False,
            "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"},
                                                                       "strict": True}},
            "seed": 3,
        }
    ).request  # fmt: skip
    body = openai_chat_body(request, "provider-model")
    assert body["messages"][0]["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert body["messages"][1] == {"role": "assistant", "content": None, "tool_calls": [CALL]}
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "call 1/ü", "content": "rain"}
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert (body["parallel_tool_calls"], body["seed"]) == (False, 3)
    assert body["response_format"]["json_schema"] == {"name": "a", "schema": {"type": "object"}, "strict": True}
    answer = {"choices": [{"message": {"content": None, "tool_calls": [CALL]}, "finish_reason": "tool_calls"}]}
    result = chat_result_from_openai(answer, request, "provider")
    assert result.tool_calls == (ToolCall("call 1/ü", "get_weather", '{"city":"Oslo"}'),)
    assert result.output_tokens > 0, "no usage reported: the calls are bounded, never 0"


def test_token_bounds_count_images_tools_and_calls() -> None:
    plain = chat_input_bound(chat())
    with_tools = chat_input_bound(chat(tools=[WEATHER]))
    assert with_tools > plain + TOOLS_OVERHEAD_TOKENS
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}}
    pictured = parse_chat({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"},
                                                                                   image]}]}).request  # fmt: skip
    assert chat_input_bound(pictured) == plain + IMAGE_TOKEN_BOUND
    calls = parse_chat({"model": "m", "messages": CONVERSATION}).request
    assert chat_input_bound(calls) > chat_input_bound(ChatRequest((ChatMessage("user", "Oslo?"),)))


def test_guardrails_mask_tool_calls_and_restore_them_in_the_answer() -> None:
    problems: list[str] = []
    guardrails = parse_guardrails({"policies": {"p": {"pii": {"restore": True}}}, "default_policy": "p"}, problems)
    policy = guardrails.policy_for("t", "standard")
    assert policy is not None and not problems
    screening = Screening(policy, lambda *_: None)
    arguments = json.dumps({"to": "ada@example.com"})
    request = ChatRequest(
        (ChatMessage("user", "mail ada@example.com"),
         ChatMessage("assistant", "", tool_calls=(ToolCall("c", "send", arguments),)),
         ChatMessage("tool", "sent to ada@example.com", tool_call_id="c"))
    )  # fmt: skip
    screened = screening.screen_request(request, 100)
    assert "ada@example.com" not in json.dumps([m.content for m in screened.messages])
    assert "ada@example.com" not in screened.messages[1].tool_calls[0].arguments
    placeholder = json.loads(screened.messages[1].tool_calls[0].arguments)["to"]
    answer = ChatResult("", "tool_calls", 1, 1, (ToolCall("d", "send", json.dumps({"to": placeholder})),))
    restored = screening.screen_answer(answer)
    assert json.loads(restored.tool_calls[0].arguments) == {"to": "ada@example.com"}
