"""The prompt registry's pure parts: parsing the document, variables, sandboxed rendering, labels and A/B arms."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from contract import prompts as p
from router.api.parse import ParsedChat, parse_chat, parse_prompt_call
from router.prompts import render
from router.prompts.registry import Message, PromptRegistry, parse_prompts
from router.prompts.resolve import PromptRenderFailed, choose_version, resolve
from shared.errors import GatewayError
from tooling.prompt_registry import document, everything

CHAT_MODELS = frozenset({"chat", "haiku"})


def registry_document() -> dict[str, Any]:
    return document(everything())


def registry(doc: dict[str, Any] | None = None) -> PromptRegistry:
    problems: list[str] = []
    parsed = parse_prompts(doc if doc is not None else registry_document(), CHAT_MODELS, problems)
    assert problems == []
    return parsed


def problems_of(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    parse_prompts(doc, CHAT_MODELS, problems)
    return problems


def call(body: dict[str, Any], name: str = "summarize") -> ParsedChat:
    return resolve(registry(), parse_prompt_call(name, body), "req-1")


# -- the document -------------------------------------------------------------------------------------


def test_the_repository_registry_parses_with_its_versions_labels_and_schemas() -> None:
    summarize = registry().prompts["summarize"]
    assert sorted(summarize.versions) == [1, 2]
    assert summarize.labels["production"].weights == ((1, 1),)
    assert summarize.labels["experiment"].weights == ((1, 50), (2, 50))
    assert summarize.variables["document"].required and summarize.variables["bullets"].default == 5
    assert summarize.parameters == {"temperature": 0.2, "max_tokens": 600}
    assert registry().prompts["classify-ticket"].versions[1][0].role == "user"


def test_every_broken_rule_is_named_in_the_contracts_words() -> None:
    doc = registry_document()
    broken = copy.deepcopy(doc["summarize"])
    broken["model"] = "gpt-9"
    broken["labels"] = {"production": {"version": 7}, "ab": {"weights": {"1": 0}}, "Bad Label": {"version": 1}}
    broken["variables"]["count"] = {"type": "integer", "default": "five"}
    broken["variables"]["mood"] = {"type": "string", "enum": ["a"], "default": "b"}
    broken["parameters"] = {"temperature": 9}
    broken["versions"]["3"] = [{"role": "tool", "content": "x"}]
    problems = problems_of({"summarize": broken, "Nope": doc["summarize"], "empty": {"description": "x"}})
    for expected in (
        p.MODEL_UNKNOWN.format(prompt="summarize", value="gpt-9"),
        p.LABEL_INVALID.format(prompt="summarize", value="production"),
        p.LABEL_INVALID.format(prompt="summarize", value="ab"),
        p.LABEL_INVALID.format(prompt="summarize", value="Bad Label"),
        p.VARIABLE_INVALID.format(prompt="summarize", value="count"),
        p.VARIABLE_INVALID.format(prompt="summarize", value="mood"),
        p.PARAMETERS_INVALID.format(prompt="summarize"),
        p.VERSION_INVALID.format(prompt="summarize", value="3"),
        p.NAME_INVALID.format(prompt="Nope"),
        p.NO_VERSIONS.format(prompt="empty"),
    ):
        assert expected in problems, problems


# -- variables --------------------------------------------------------------------------------------


def test_defaults_fill_what_the_request_leaves_out_and_values_are_checked() -> None:
    parsed = call({"variables": {"document": "Q3 numbers."}})
    assert "at most 5 bullet points" in str(parsed.request.system)
    assert "an engineer new to the project" in str(parsed.request.system)
    assert parsed.request.temperature == 0.2 and parsed.request.max_tokens == 600


@pytest.mark.parametrize(
    ("variables", "param", "words"),
    [
        ({}, "variables.document", "is required by prompt 'summarize'"),
        ({"document": 5}, "variables.document", "must be a string"),
        ({"document": "x", "bullets": 2.5}, "variables.bullets", "must be a whole number"),
        ({"document": "x", "bullets": 40}, "variables.bullets", "must be at most 12"),
        ({"document": "x", "bullets": True}, "variables.bullets", "must be a whole number"),
        ({"document": "x" * 40_001}, "variables.document", "at most 40000 characters"),
        ({"document": "x", "tone": "formal"}, "variables.tone", "has no variable 'tone'"),
    ],
)
def test_a_missing_or_ill_typed_variable_is_a_400_naming_it(variables: dict[str, Any], param: str, words: str) -> None:
    with pytest.raises(GatewayError) as raised:
        call({"variables": variables})
    assert (raised.value.status, raised.value.param) == (400, param)
    assert words in raised.value.message


def test_enum_and_string_lists_are_checked_item_by_item() -> None:
    with pytest.raises(GatewayError) as raised:
        call({"variables": {"ticket": "t", "tone": "angry"}}, "classify-ticket")
    assert raised.value.param == "variables.tone" and "neutral, formal" in raised.value.message
    with pytest.raises(GatewayError) as raised:
        call({"variables": {"ticket": "t", "queues": ["ok", 3]}}, "classify-ticket")
    assert raised.value.param == "variables.queues[1]"
    parsed = call({"variables": {"ticket": "Card declined", "queues": ["billing", "fraud"]}}, "classify-ticket")
    assert "billing, fraud." in parsed.request.messages[0].content


# -- rendering -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["{{ 7 * 7 }}", "{% for x in range(10**9) %}x{% endfor %}", "{{ ''.__class__ }}"])
def test_a_value_is_data_never_template(value: str) -> None:
    parsed = call({"variables": {"document": value}})
    assert value in parsed.request.messages[0].content
    assert "49" not in parsed.request.messages[0].content


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ document.__class__ }}",
        "{% set x = items.append(1) %}{{ items }}",
    ],
)
def test_the_sandbox_refuses_escapes(template: str) -> None:
    with pytest.raises(render.TemplateError):
        render.render_messages((Message("user", template),), {"document": "d", "items": [1]})


def test_an_undefined_name_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(render.TemplateError, match="undefined"):
        render.render_messages((Message("user", "Hello {{ nobody }}"),), {})


def test_a_template_failure_is_a_500_that_keeps_the_cause_out_of_the_answer() -> None:
    doc = registry_document()
    doc["summarize"]["versions"]["1"][1]["content"] = "{{ document.__class__ }}"
    with pytest.raises(PromptRenderFailed) as raised:
        resolve(registry(doc), parse_prompt_call("summarize", {"variables": {"document": "x"}}), "r")
    assert raised.value.status == 500 and "__class__" not in raised.value.message
    assert "unsafe" in raised.value.detail


# -- labels, versions, overrides ---------------------------------------------------------------------


def test_an_unknown_prompt_label_or_version_is_a_404_with_no_fallback() -> None:
    for body, name, param in (
        ({"variables": {"document": "x"}}, "nope", "name"),
        ({"label": "canary", "variables": {"document": "x"}}, "summarize", "label"),
        ({"version": 9, "variables": {"document": "x"}}, "summarize", "version"),
    ):
        with pytest.raises(GatewayError) as raised:
            call(body, name)
        assert (raised.value.status, raised.value.code, raised.value.param) == (404, "prompt_not_found", param)


def test_a_label_or_a_pinned_version_chooses_what_is_rendered() -> None:
    assert call({"variables": {"document": "x"}}).prompt_version == 1
    staging = call({"label": "staging", "variables": {"document": "x"}})
    assert (staging.prompt_version, staging.prompt_label) == (2, "staging")
    pinned = call({"version": 2, "variables": {"document": "x", "bullets": 3}})
    assert (pinned.prompt_version, pinned.prompt_label) == (2, None)
    assert "at most 2 supporting" in str(pinned.request.system)


def test_the_ab_arm_is_sticky_per_user_and_splits_by_weight_over_10000_users() -> None:
    prompt = registry().prompts["summarize"]
    reference = parse_prompt_call("summarize", {"label": "experiment"}).reference
    assert reference is not None
    arms = Counter(choose_version(prompt, reference, f"user-{i}")[0] for i in range(10_000))
    assert set(arms) == {1, 2} and abs(arms[1] - 5_000) < 300, arms
    assert all(
        choose_version(prompt, reference, "user-7") == choose_version(prompt, reference, "user-7") for _ in range(50)
    )


def test_a_request_may_override_only_what_the_prompt_allows() -> None:
    assert call({"variables": {"document": "x"}, "temperature": 0.9}).request.temperature == 0.9
    with pytest.raises(GatewayError) as raised:
        call({"variables": {"document": "x"}, "model": "haiku"})
    assert (raised.value.status, raised.value.code, raised.value.param) == (400, "override_not_allowed", "model")
    assert "temperature" in raised.value.message
    assert call({"variables": {"ticket": "t"}, "model": "haiku"}, "classify-ticket").alias == "haiku"


def test_the_chat_route_puts_the_prompts_messages_before_the_requests_own() -> None:
    body = {
        "model": "chat",
        "messages": [{"role": "user", "content": "And keep it short."}],
        "prompt": {"name": "summarize", "version": 2, "variables": {"document": "Q3"}},
    }
    parsed = resolve(registry(), parse_chat(body), "r")
    assert [m.role for m in parsed.request.messages] == ["user", "user"]
    assert parsed.request.messages[1].content == "And keep it short."
    assert parsed.prompt == "summarize" and parsed.prompt_version == 2
    with pytest.raises(GatewayError) as raised:
        resolve(registry(), parse_chat({**body, "prompt": {"name": "summarize", "variables": {}}}), "r")
    assert raised.value.param == "prompt.variables.document"


@pytest.mark.parametrize(
    ("reference", "param"),
    [
        ("summarize", "prompt"),
        ({"name": "summarize", "label": "production", "version": 1}, "prompt.label"),
        ({"name": "summarize", "variant": "x"}, "prompt.variant"),
        ({"name": "Sum Marize"}, "prompt.name"),
        ({"name": "summarize", "version": "1"}, "prompt.version"),
    ],
)
def test_a_malformed_reference_is_a_400_naming_the_field(reference: Any, param: str) -> None:
    with pytest.raises(GatewayError) as raised:
        parse_chat({"model": "chat", "messages": [], "prompt": reference})
    assert (raised.value.status, raised.value.param) == (400, param)


def test_a_chat_request_without_a_prompt_still_needs_a_conversation() -> None:
    with pytest.raises(GatewayError) as raised:
        parse_chat({"model": "chat", "messages": []})
    assert raised.value.param == "messages"
