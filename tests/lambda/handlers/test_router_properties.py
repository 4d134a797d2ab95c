"""Hostile input: whatever body and headers arrive, the router answers UTF-8 JSON with a 2xx or 4xx status.

Text strategies include lone surrogates (JSON's "\\ud800" decodes to one), which have no
UTF-8 form: an answer that echoed one could not leave the Lambda runtime.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.router_harness import Router, build_router

PARAMETERS = (
    "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "user", "n",
    "stream", "seed", "tools", "metadata", "input", "dimensions", "encoding_format", "logit_bias", "role", "content",
    "tool_choice", "parallel_tool_calls", "response_format", "stream_options", "tool_calls", "tool_call_id",
    "image_url", "type", "function", "arguments", "name",
)  # fmt: skip
MODELS = ("haiku", "chat", "resilient", "titan-embed", "gpt", "llama", "sonnet", "unknown", "", "\ud800x")


SURROGATES = st.sampled_from(("\ud800", "\udbff", "\udc80", "\udfff"))


def texts(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Any text, control characters included, with lone surrogates far more often than chance."""
    alphabet = st.one_of(st.characters(blacklist_categories=()), SURROGATES)
    return st.text(alphabet, min_size=min_size, max_size=max_size)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts(40),
    st.sampled_from(MODELS),
)
keys = st.sampled_from(PARAMETERS) | texts(8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=20,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(("system", "developer", "user", "assistant", "tool", "")) | json_values},
        optional={
            "content": texts(60) | json_values,
            "name": json_values,
            "tool_calls": json_values,
            "tool_call_id": texts(8) | json_values,
        },
    ),
    max_size=4,
)
plausible = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS) | json_values},
    optional={
        "messages": messages | json_values,
        "input": texts(30) | st.lists(texts(10), max_size=3) | json_values,
        **{name: json_values for name in PARAMETERS if name not in ("model", "messages", "input")},
    },
)
# Well-formed requests with arbitrary text and in-range settings: these reach the (stub) backends.
valid_chat = st.fixed_dictionaries(
    {
        "model": st.sampled_from(("haiku", "chat", "resilient", "gpt", "llama", "\udc80-model")),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(("system", "developer", "user", "assistant")), "content": texts(80)}
            ),
            max_size=4,
        ).map(lambda ms: [*ms, {"role": "user", "content": "?"}]),
    },
    optional={
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 4096),
        "stop": texts(5, 1) | st.lists(texts(5, 1), max_size=4),
        "user": texts(20),
        "n": st.just(1),
        "stream": st.booleans(),
        "metadata": json_values,
        "tools": st.lists(
            st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
                {"name": st.sampled_from(("a", "b_1", "get-x"))},
                optional={"description": texts(30), "parameters": st.just({"type": "object"})},
            )}),
            max_size=2, unique_by=lambda t: t["function"]["name"],
        ),
        "response_format": st.sampled_from(({"type": "text"}, {"type": "json_object"}, {
            "type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}})),
        "seed": st.integers(-(2**63), 2**63 - 1),
    },
)  # fmt: skip
valid_embedding = st.fixed_dictionaries(
    {"model": st.just("titan-embed"), "input": texts(50, 1) | st.lists(texts(50, 1), min_size=1, max_size=8)},
    optional={"encoding_format": st.sampled_from(("float", "base64")), "dimensions": st.integers(1, 2048)},
)
bodies = st.one_of(
    plausible.map(json.dumps),
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    texts(200),
    st.none(),
)
headers = st.dictionaries(
    st.sampled_from(("x-aigw-cache", "content-type", "x-request-id", "accept", "user-agent")) | texts(10, 1),
    texts(30),
    max_size=3,
)


STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def router() -> Iterator[Router]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield build_router(monkeypatch)
    # The strategies must reach the backends, not only the validators.
    assert STATUSES[200] >= 400, f"too few well-formed requests were generated: {dict(STATUSES)}"


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request=st.one_of(
        st.tuples(st.just("/v1/chat/completions"), valid_chat.map(json.dumps)),
        st.tuples(st.just("/v1/embeddings"), valid_embedding.map(json.dumps)),
        st.tuples(st.sampled_from(("/v1/chat/completions", "/v1/embeddings", "/v1/models")), bodies),
    ),
    method=st.sampled_from(("POST", "POST", "POST", "POST", "GET", "DELETE")),
    base64=st.booleans(),
    extra_headers=headers,
)
def test_any_body_gets_a_utf8_json_answer_with_a_2xx_or_4xx_status(
    router: Router, request: tuple[str, str | None], method: str, base64: bool, extra_headers: dict[str, str]
) -> None:
    path, body = request
    event: dict[str, Any] = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json", **extra_headers},
        "body": body,
        "isBase64Encoded": base64,
        "requestContext": {
            "requestId": "prop-1",
            "authorizer": {"tenant_id": "acme", "tier": "free", "allowed_models": "haiku,llama,gpt,titan-embed"},
        },
    }
    response = router.module.handler(event, None)
    STATUSES[response["statusCode"]] += 1
    assert 200 <= response["statusCode"] < 500, response["body"]
    # What the Lambda runtime does with the answer: UTF-8 JSON, headers included.
    json.dumps(response, ensure_ascii=False).encode("utf-8")
    if response["headers"]["content-type"].startswith("text/event-stream"):
        events = [e.removeprefix("data: ") for e in response["body"].split("\n\n") if e]
        assert events[-1] == "[DONE]"
        assert all(isinstance(json.loads(e), dict) for e in events[:-1])
        return
    document = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert document["error"]["request_id"] == "prop-1"
        assert isinstance(document["error"]["message"], str) and document["error"]["message"]
