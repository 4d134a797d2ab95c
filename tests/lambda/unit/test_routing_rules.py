"""Conditional routes: rules on request metadata and features, first match wins, never outside the allow-list."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract import routing as rules
from router.chat import ChatMessage, ChatRequest, ImagePart, ResponseFormat, Tool
from router.request_features import RequestFeatures, chat_features
from router.routing import Ask, NoRouteError, Price, RoutingConfig, choose, explain, parse_routing

KINDS = {"haiku": "chat", "sonnet": "chat", "llama": "chat", "coder": "chat", "embed": "embedding"}
EVERYTHING = frozenset(k for k, v in KINDS.items() if v == "chat")
DOCUMENT = {
    "aliases": {
        "auto": {
            "targets": [{"model": "haiku"}],
            "fallbacks": ["sonnet"],
            "rules": [
                {"name": "vip", "when": {"tiers": ["premium"], "metadata": {"priority": "high"}}, "target": "sonnet"},
                {"name": "code", "when": {"code": True}, "target": "coder"},
                {"name": "long", "when": {"min_input_tokens": 2000}, "target": "big"},
                {"name": "team-b", "when": {"headers": {"x-team": "b"}}, "target": "llama"},
                {"name": "json", "when": {"response_formats": ["json_schema"], "tools": False}, "target": "sonnet"},
                {"name": "triage", "when": {"prompts": ["classify-ticket"]}, "target": "haiku"},
                {"name": "alice", "when": {"users": ["alice"], "images": True}, "target": "sonnet"},
            ],
        },
        "big": {"strategy": "weighted", "targets": [{"model": "sonnet", "weight": 1}, {"model": "llama", "weight": 1}]},
    }
}


def parse(document: Any) -> tuple[RoutingConfig, list[str]]:
    problems: list[str] = []
    return parse_routing(document, KINDS, {}, problems), problems


CONFIG, PROBLEMS = parse(DOCUMENT)


def plan(features: RequestFeatures, allowed: frozenset[str] = EVERYTHING, alias: str = "auto") -> tuple[str, ...]:
    chosen = choose(CONFIG, alias=alias, tenant="t", allowed=allowed, user=features.user, request_id="r",
                    features=lambda: features)  # fmt: skip
    return (chosen.decision, *chosen.models)


def test_the_document_parses() -> None:
    assert PROBLEMS == []
    assert [r.name for r in CONFIG.aliases["auto"].rules] == ["vip", "code", "long", "team-b", "json", "triage",
                                                               "alice"]  # fmt: skip


def test_no_rule_holding_leaves_the_alias_to_its_strategy() -> None:
    assert plan(RequestFeatures()) == ("weighted", "haiku", "sonnet")


def test_each_condition_sends_to_its_target_then_the_alias_fallbacks() -> None:
    assert plan(RequestFeatures(tier="premium", metadata={"priority": "high"})) == ("rule:vip", "sonnet")
    assert plan(RequestFeatures(code=True)) == ("rule:code", "coder", "sonnet")
    assert plan(RequestFeatures(headers={"x-team": "b"})) == ("rule:team-b", "llama", "sonnet")
    assert plan(RequestFeatures(response_format="json_schema")) == ("rule:json", "sonnet")
    assert plan(RequestFeatures(prompt="classify-ticket")) == ("rule:triage", "haiku", "sonnet")
    assert plan(RequestFeatures(user="alice", images=True)) == ("rule:alice", "sonnet")
    # A routed alias as target: its own strategy picks among its targets.
    decision, *models = plan(RequestFeatures(input_tokens=5000))
    assert decision == "rule:long" and set(models) == {"sonnet", "llama"}


def test_every_condition_of_a_rule_must_hold() -> None:
    assert plan(RequestFeatures(tier="premium"))[0] == "weighted"
    assert plan(RequestFeatures(metadata={"priority": "high"}))[0] == "weighted"
    assert plan(RequestFeatures(response_format="json_schema", tools=True))[0] == "weighted"
    assert plan(RequestFeatures(user="alice"))[0] == "weighted"
    assert plan(RequestFeatures(input_tokens=1999))[0] == "weighted"


def test_the_first_matching_rule_wins() -> None:
    both = RequestFeatures(tier="premium", metadata={"priority": "high"}, code=True, input_tokens=9000)
    assert plan(both)[0] == "rule:vip"
    assert plan(RequestFeatures(code=True, input_tokens=9000))[0] == "rule:code"


def test_a_rule_whose_target_the_tenant_may_not_use_is_skipped() -> None:
    no_coder = EVERYTHING - {"coder"}
    # code is skipped (coder not allowed); long, the next rule that holds, serves.
    decision, *models = plan(RequestFeatures(code=True, input_tokens=9000), no_coder)
    assert decision == "rule:long" and "coder" not in models
    assert plan(RequestFeatures(code=True), no_coder) == ("weighted", "haiku", "sonnet")
    # A routed-alias target with nothing allowed is skipped too.
    assert plan(RequestFeatures(input_tokens=9000), frozenset({"haiku"})) == ("weighted", "haiku")


def test_without_features_no_rule_applies() -> None:
    chosen = choose(CONFIG, alias="auto", tenant="t", allowed=EVERYTHING, user=None, request_id="r")
    assert chosen.decision == "weighted"


def test_features_are_only_computed_for_an_alias_with_rules() -> None:
    calls: list[int] = []

    def features() -> RequestFeatures:
        calls.append(1)
        return RequestFeatures()

    choose(CONFIG, alias="big", tenant="t", allowed=EVERYTHING, user=None, request_id="r", features=features)
    choose(CONFIG, alias="haiku", tenant="t", allowed=EVERYTHING, user=None, request_id="r", features=features)
    assert calls == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "Bad", "target": "haiku"}, rules.RULE_NAME_INVALID.format(alias="a", name="Bad")),
        ({"name": "x", "target": "gpt"}, rules.RULE_TARGET_UNKNOWN.format(alias="a", name="x", model="gpt")),
        ({"name": "x", "target": "ruled"}, rules.RULE_TARGET_UNKNOWN.format(alias="a", name="x", model="ruled")),
        ({"name": "x", "target": "embed"}, rules.RULE_TARGET_KIND.format(alias="a", name="x", model="embed")),
        (
            {"name": "x", "when": {"response_formats": ["xml"]}, "target": "haiku"},
            rules.RULE_FORMAT_UNKNOWN.format(alias="a", name="x", value="xml"),
        ),
        (
            {"name": "x", "when": {"min_input_tokens": 10, "max_input_tokens": 5}, "target": "haiku"},
            rules.RULE_TOKENS_INVALID.format(alias="a", name="x"),
        ),
        (
            {"name": "x", "when": {"max_input_tokens": 2.5}, "target": "haiku"},
            rules.RULE_TOKENS_INVALID.format(alias="a", name="x"),
        ),
        (
            {"name": "x", "when": {"headers": {"x-api-key": "k"}}, "target": "haiku"},
            rules.RULE_HEADER_INVALID.format(alias="a", name="x", value="x-api-key"),
        ),
        (
            {"name": "x", "when": {"headers": {"Team": "k"}}, "target": "haiku"},
            rules.RULE_HEADER_INVALID.format(alias="a", name="x", value="Team"),
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_the_alias_rule_and_problem(rule: dict[str, Any], message: str) -> None:
    document = {
        "aliases": {
            "a": {"targets": [{"model": "haiku"}], "rules": [rule]},
            "ruled": {"targets": [{"model": "haiku"}], "rules": [{"name": "r", "target": "haiku"}]},
        }
    }
    assert parse(document)[1] == [message]


def test_rule_names_are_unique_and_their_number_bounded() -> None:
    twice = {"aliases": {"a": {"targets": [{"model": "haiku"}], "rules": [{"name": "x", "target": "haiku"}] * 2}}}
    assert parse(twice)[1] == [rules.RULE_NAME_TWICE.format(alias="a", name="x")]
    many = [{"name": f"r{i}", "target": "haiku"} for i in range(rules.MAX_RULES + 1)]
    assert parse({"aliases": {"a": {"targets": [{"model": "haiku"}], "rules": many}}})[1] == [
        rules.RULE_COUNT.format(alias="a")
    ]


def test_terraform_nulls_mean_no_condition() -> None:
    when = dict.fromkeys(("users", "metadata", "headers", "tiers", "min_input_tokens", "max_input_tokens", "code",
                          "images", "tools", "response_formats", "prompts"))  # fmt: skip
    rule = {"name": "all", "when": when, "target": "llama"}
    config, problems = parse({"aliases": {"a": {"targets": [{"model": "haiku"}], "rules": [rule]}}})
    assert problems == []
    chosen = choose(config, alias="a", tenant="t", allowed=EVERYTHING, user=None, request_id="r",
                    features=RequestFeatures)  # fmt: skip
    assert (chosen.decision, chosen.models) == ("rule:all", ("llama",))


def chat(text: str, **fields: Any) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage("user", text),), **fields)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("```python\nprint(1)\n```", True),
        ("def add(a, b):\n    return a + b", True),
        ("Why does this fail?\nint main() {", True),
        ("SELECT name FROM users WHERE id = 1", True),
        ("const x = require('y');", True),
        ("What is the capital of France?", False),
        ("Please select the best option from the list.", False),
        ("I like classes; they are fun", False),
        ("Let me know what you think", False),
        ("let me know what you think", False),
        ("from the start, explain the plan", False),
        ("from os import path", True),
        ("let total = a + b", True),
    ],
)
def test_code_is_told_from_prose(text: str, code: bool) -> None:
    features = chat_features(chat(text), tier="t", metadata={}, headers={}, input_tokens=10, prompt=None)
    assert features.code is code


def test_chat_features_read_the_request() -> None:
    image = ImagePart("png", b"\x89PNG")
    request = ChatRequest(
        messages=(ChatMessage("user", "Describe", images=(image,)),),
        user="alice",
        tools=(Tool("lookup", None, {"type": "object"}),),
        response_format=ResponseFormat("json_object"),
    )
    features = chat_features(request, tier="premium", metadata={"k": "v"}, headers={"x-team": "b"},
                             input_tokens=42, prompt="summarize")  # fmt: skip
    assert features == RequestFeatures(tier="premium", user="alice", metadata={"k": "v"}, headers={"x-team": "b"},
                                       input_tokens=42, code=False, images=True, tools=True,
                                       response_format="json_object", prompt="summarize")  # fmt: skip


MODELS = sorted(EVERYTHING | {"other"})
WHEN = st.fixed_dictionaries(
    {},
    optional={
        "tiers": st.lists(st.sampled_from(["free", "premium"]), max_size=2),
        "code": st.booleans(),
        "images": st.booleans(),
        "tools": st.booleans(),
        "min_input_tokens": st.integers(0, 5000),
        "users": st.lists(st.sampled_from(["alice", "bob"]), max_size=2),
        "headers": st.dictionaries(st.sampled_from(["x-team", "x-env"]), st.sampled_from(["a", "b"]), max_size=2),
    },
)
RULE_TARGETS = st.sampled_from(["haiku", "sonnet", "llama", "coder", "pool"])
FEATURES = st.builds(
    RequestFeatures,
    tier=st.sampled_from(["free", "premium"]),
    user=st.none() | st.sampled_from(["alice", "bob"]),
    headers=st.dictionaries(st.sampled_from(["x-team", "x-env"]), st.sampled_from(["a", "b"]), max_size=2),
    input_tokens=st.integers(0, 10000),
    code=st.booleans(),
    images=st.booleans(),
    tools=st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(
    targets=st.lists(st.sampled_from(sorted(EVERYTHING)), min_size=1, max_size=3, unique=True),
    fallbacks=st.lists(st.sampled_from(sorted(EVERYTHING)), max_size=2),
    rule_list=st.lists(st.tuples(WHEN, RULE_TARGETS), max_size=6),
    allowed=st.frozensets(st.sampled_from(MODELS)),
    features=FEATURES,
)
def test_no_configuration_and_no_request_ever_routes_outside_the_allow_list(
    targets: list[str],
    fallbacks: list[str],
    rule_list: list[tuple[dict[str, Any], str]],
    allowed: frozenset[str],
    features: RequestFeatures,
) -> None:
    document = {
        "aliases": {
            "auto": {
                "targets": [{"model": m} for m in targets],
                "fallbacks": fallbacks,
                "rules": [{"name": f"r{i}", "when": when, "target": t} for i, (when, t) in enumerate(rule_list)],
            },
            "pool": {"strategy": "cheapest", "targets": [{"model": "sonnet"}, {"model": "llama"}]},
        }
    }
    config, problems = parse(document)
    assert problems == []
    # route-explain says what choose decides, for every configuration and request.
    explained, verdicts = explain(config, alias="auto", ask=Ask("t", allowed, features.user, "r", (1000, 500)),
                                  features=features)  # fmt: skip
    assert len(verdicts) == len(rule_list)
    try:
        chosen = choose(config, alias="auto", tenant="t", allowed=allowed, user=features.user, request_id="r",
                        features=lambda: features)  # fmt: skip
    except NoRouteError:
        # Only when no rule served and the alias's own targets and fallbacks are all outside the allow-list.
        assert not (set(targets) | set(fallbacks)) & allowed
        assert explained is None
        return
    assert chosen == explained
    assert chosen.models and set(chosen.models) <= allowed
    assert len(chosen.models) == len(set(chosen.models))


COMPLEX = {
    "aliases": {
        "smart": {
            "strategy": "complexity",
            "targets": [{"model": "sonnet"}, {"model": "haiku", "max_complexity": 0.3},
                        {"model": "llama", "max_complexity": 0.6}],
        }
    }
}  # fmt: skip
PRICED = {"haiku": Price(0.00025, 0.00125), "llama": Price(0.0006, 0.0006), "sonnet": Price(0.003, 0.015)}


def complexity_plan(score: float | None, allowed: frozenset[str] = EVERYTHING) -> tuple[str, ...]:
    problems: list[str] = []
    config = parse_routing(COMPLEX, KINDS, PRICED, problems)
    assert problems == []
    features = None if score is None else (lambda: RequestFeatures(scorer=lambda: score))
    chosen = choose(config, alias="smart", tenant="t", allowed=allowed, user=None, request_id="r", features=features)
    return (chosen.decision, *chosen.models)


def test_the_cheapest_target_whose_ceiling_covers_the_score_serves() -> None:
    assert complexity_plan(0.1)[:2] == ("complexity", "haiku")
    assert complexity_plan(0.3)[1] == "haiku", "a ceiling is inclusive"
    assert complexity_plan(0.45)[1] == "llama"
    assert complexity_plan(0.9)[1] == "sonnet"
    # The other targets follow, so a failure still falls back.
    assert set(complexity_plan(0.1)[1:]) == {"haiku", "llama", "sonnet"}


def test_without_a_score_or_a_covering_target_the_strongest_allowed_serves() -> None:
    assert complexity_plan(None)[1] == "sonnet", "no features (not a chat request): the strongest"
    assert complexity_plan(0.9, frozenset({"haiku", "llama"}))[1] == "llama", "none covers: the highest ceiling"
    assert complexity_plan(0.1, frozenset({"sonnet", "llama"}))[1] == "llama", "the cheapest allowed that covers"


def test_a_ceiling_outside_zero_to_one_is_refused() -> None:
    for ceiling in (-0.1, 1.5, "high", True):
        document = {"aliases": {"a": {"strategy": "complexity", "targets": [{"model": "haiku",
                                                                             "max_complexity": ceiling}]}}}  # fmt: skip
        assert parse(document)[1] == [rules.COMPLEXITY_INVALID.format(alias="a", model="haiku")]


def score_of(content: str, **body: Any) -> float:
    from router.api.parse import parse_chat
    from router.pipeline.serving import chat_job
    from shared.proxy_event import ProxyRequest, TenantContext

    job = chat_job(parse_chat({"model": "auto", "messages": [{"role": "user", "content": content}], **body}))
    assert job.features is not None
    return job.features(ProxyRequest("POST", "r", "id"), TenantContext("t", "free", frozenset())).complexity


def test_the_score_rises_with_what_a_request_asks_for() -> None:
    assert score_of("What is the capital of France?") < 0.2
    assert score_of("Hi!") < 0.05, "only its length counts"
    assert score_of("Translate 'thank you' into Spanish, in one word.") < 0.2
    # Each kind of evidence adds; a short prompt can still be hard.
    assert score_of("Prove that the square root of 2 is irrational.") > 0.2
    assert score_of("```python\nprint(1)\n```\nWhy does this print 1?") > 0.45
    long_plain = "Tell me about the weather in spring. " * 200
    assert score_of(long_plain) > score_of("Tell me about the weather in spring.")
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    assert score_of("List the planets", response_format=schema) > score_of("List the planets")
    assert 0.0 <= score_of("Design, analyze, compare, prove, derive and optimize. " * 50) <= 1.0
