"""Hostile input: whatever body arrives, the router answers JSON with a 2xx or 4xx status and never raises."""

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
)  # fmt: skip
MODELS = ("haiku", "chat", "resilient", "titan-embed", "gpt", "llama", "sonnet", "unknown", "")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(MODELS),
)
keys = st.sampled_from(PARAMETERS) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=20,
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(("system", "developer", "user", "assistant", "tool", "")) | json_values},
        optional={"content": st.text(max_size=60) | json_values, "name": json_values},
    ),
    max_size=4,
)
plausible = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS) | json_values},
    optional={
        "messages": messages | json_values,
        "input": st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3) | json_values,
        **{name: json_values for name in PARAMETERS if name not in ("model", "messages", "input")},
    },
)
# Well-formed requests with arbitrary text and in-range settings: these reach the (stub) backends.
valid_chat = st.fixed_dictionaries(
    {
        "model": st.sampled_from(("haiku", "chat", "resilient", "gpt", "llama")),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(("system", "developer", "user", "assistant")), "content": st.text(max_size=80)}
            ),
            max_size=4,
        ).map(lambda ms: [*ms, {"role": "user", "content": "?"}]),
    },
    optional={
        "temperature": st.floats(0, 2),
        "top_p": st.floats(0, 1),
        "max_tokens": st.integers(1, 4096),
        "stop": st.text(min_size=1, max_size=5) | st.lists(st.text(min_size=1, max_size=5), max_size=4),
        "user": st.text(max_size=20),
        "n": st.just(1),
        "stream": st.just(False),
        "metadata": json_values,
    },
)
valid_embedding = st.fixed_dictionaries(
    {"model": st.just("titan-embed"), "input": st.text(min_size=1) | st.lists(st.text(min_size=1), min_size=1)},
    optional={"encoding_format": st.sampled_from(("float", "base64")), "dimensions": st.integers(1, 2048)},
)
bodies = st.one_of(
    plausible.map(json.dumps),
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    st.text(max_size=200),
    st.none(),
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
)
def test_any_body_gets_a_json_answer_with_a_2xx_or_4xx_status(
    router: Router, request: tuple[str, str | None], method: str, base64: bool
) -> None:
    path, body = request
    event: dict[str, Any] = {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
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
    document = json.loads(response["body"])
    if response["statusCode"] >= 400:
        assert document["error"]["request_id"] == "prop-1"
        assert isinstance(document["error"]["message"], str) and document["error"]["message"]
