"""Routing: weighted A/B arms (sticky), tenant pins, cheapest-first, fallbacks, never outside the allow-list."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.routing import NoRouteError, Price, RoutingConfig, choose, parse_routing

KINDS = {"haiku": "chat", "sonnet": "chat", "llama": "chat", "mistral": "chat", "embed": "embedding"}
CATALOG = frozenset(k for k, v in KINDS.items() if v == "chat")
DOCUMENT = {
    "aliases": {
        "chat": {
            "strategy": "weighted",
            "sticky": "user",
            "targets": [{"model": "haiku", "weight": 90, "arm": "A"}, {"model": "llama", "weight": 10, "arm": "B"}],
            "fallbacks": ["sonnet"],
        },
        "cheap": {"strategy": "cheapest", "targets": [{"model": "sonnet"}, {"model": "haiku"}, {"model": "mistral"}]},
    },
    "tenant_pins": {"pinned-co": {"chat": "sonnet"}},
}
PRICES = {"haiku": Price(0.00025, 0.00125), "sonnet": Price(0.003, 0.015)}


def parse(document: Any, prices: dict[str, Price] | None = None) -> tuple[RoutingConfig, list[str]]:
    problems: list[str] = []
    return parse_routing(document, KINDS, prices or {}, problems), problems


CONFIG, _ = parse(DOCUMENT, PRICES)
EVERYTHING = CATALOG


def test_a_weighted_alias_splits_traffic_by_weight() -> None:
    arms = Counter(
        choose(CONFIG, alias="chat", tenant="t", allowed=EVERYTHING, user=None, request_id=f"r{i}").arm
        for i in range(10_000)
    )
    assert 8_700 < arms["A"] < 9_300
    assert arms["A"] + arms["B"] == 10_000


def test_a_sticky_user_always_gets_the_same_arm() -> None:
    plans = {
        choose(CONFIG, alias="chat", tenant="t", allowed=EVERYTHING, user="u-42", request_id=f"r{i}") for i in range(50)
    }
    assert len(plans) == 1


def test_the_plan_lists_the_other_target_then_the_fallbacks() -> None:
    plan = choose(CONFIG, alias="chat", tenant="t", allowed=EVERYTHING, user="u-1", request_id="r")
    assert set(plan.models) == {"haiku", "llama", "sonnet"}
    assert plan.models[-1] == "sonnet"


def test_a_tenant_pin_wins() -> None:
    plan = choose(CONFIG, alias="chat", tenant="pinned-co", allowed=EVERYTHING, user=None, request_id="r")
    assert plan.models[0] == "sonnet" and plan.arm == "pinned"


def test_cheapest_picks_the_lowest_estimated_cost_and_never_an_unpriced_model_first() -> None:
    plan = choose(CONFIG, alias="cheap", tenant="t", allowed=EVERYTHING, user=None, request_id="r")
    assert plan.models[0] == "haiku"
    only_unpriced_and_sonnet = frozenset({"sonnet", "mistral"})
    assert (
        choose(CONFIG, alias="cheap", tenant="t", allowed=only_unpriced_and_sonnet, user=None, request_id="r").models[0]
        == "sonnet"
    )


def test_an_alias_without_routing_routes_to_itself_when_allowed() -> None:
    assert choose(CONFIG, alias="mistral", tenant="t", allowed=EVERYTHING, user=None, request_id="r").models == (
        "mistral",
    )
    with pytest.raises(NoRouteError):
        choose(CONFIG, alias="mistral", tenant="t", allowed=frozenset({"haiku"}), user=None, request_id="r")


def test_only_fallbacks_allowed_means_the_fallback_serves() -> None:
    plan = choose(CONFIG, alias="chat", tenant="t", allowed=frozenset({"sonnet"}), user=None, request_id="r")
    assert plan.models == ("sonnet",) and plan.arm == "fallback"


def test_nothing_allowed_is_no_route() -> None:
    with pytest.raises(NoRouteError, match="not available to this tenant"):
        choose(CONFIG, alias="chat", tenant="t", allowed=frozenset({"mistral"}), user=None, request_id="r")


@settings(max_examples=500, deadline=None)
@given(
    allowed=st.frozensets(st.sampled_from(sorted(CATALOG | {"other"}))),
    alias=st.sampled_from(["chat", "cheap", "haiku", "mistral", "unknown"]),
    tenant=st.sampled_from(["t", "pinned-co"]),
    user=st.none() | st.text(max_size=10),
    request_id=st.text(max_size=10),
)
def test_no_plan_ever_leaves_the_tenants_allow_list(
    allowed: frozenset[str], alias: str, tenant: str, user: str | None, request_id: str
) -> None:
    try:
        plan = choose(CONFIG, alias=alias, tenant=tenant, allowed=allowed, user=user, request_id=request_id)
    except NoRouteError:
        return
    assert plan.models and set(plan.models) <= allowed
    assert len(plan.models) == len(set(plan.models))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"aliases": {"a": {"targets": [{"model": "gpt"}]}}}, "routed alias 'a': target 'gpt' is not a catalog model"),
        ({"aliases": {"a": {"targets": [{"model": "haiku", "weight": -1}]}}}, "routed alias 'a': target weights must"),
        ({"aliases": {"a": {"targets": [{"model": "haiku", "weight": 0}]}}}, "at least one above 0"),
        ({"aliases": {"a": {"targets": [{"model": "haiku", "weight": 1.5}]}}}, "target weights must be whole"),
        ({"aliases": {"a": {"strategy": "random", "targets": [{"model": "haiku"}]}}}, "strategy 'random' is unknown"),
        ({"aliases": {"a": {"sticky": "ip", "targets": [{"model": "haiku"}]}}}, "sticky 'ip' is unknown"),
        ({"aliases": {"a": {"targets": []}}}, "routed alias 'a': targets must list 1-16 targets"),
        ({"aliases": {"a": {"targets": [{"model": "haiku"}] * 17}}}, "must list 1-16 targets"),
        (
            {"aliases": {"a": {"targets": [{"model": "haiku"}], "fallbacks": ["gpt"]}}},
            "fallback 'gpt' is not a catalog",
        ),
        (
            {"aliases": {"a": {"targets": [{"model": "haiku"}], "fallbacks": ["embed"]}}},
            "'a' mixes models of different kinds",
        ),
        ({"aliases": {"bad alias": {"targets": [{"model": "haiku"}]}}}, "routed alias 'bad alias' is invalid"),
        ({"tenant_pins": {"t": {"a": "gpt"}}}, "tenant pin 't' for 'a': 'gpt' is not a catalog model"),
        ({"prices": {"haiku": {"input_per_1k": 1, "output_per_1k": 1}}}, "routing key 'prices' is unknown"),
        ({"aliases": []}, "routing must be an object"),
        ([], "routing must be an object"),
    ],
)
def test_a_malformed_routing_document_names_the_alias_and_the_problem(document: Any, message: str) -> None:
    _, problems = parse(document)
    assert any(message in p for p in problems), problems


def test_every_routing_problem_is_reported_at_once() -> None:
    _, problems = parse(
        {"aliases": {"a": {"strategy": "x", "targets": [{"model": "gpt"}]}, "b": {"targets": []}},
         "tenant_pins": {"t": {"a": "nope"}}}
    )  # fmt: skip
    assert len(problems) == 4, problems


def test_terraform_nulls_mean_the_defaults() -> None:
    config, problems = parse(
        {"aliases": {"a": {"strategy": None, "sticky": None, "fallbacks": None,
                           "targets": [{"model": "haiku", "weight": None, "arm": None}]}}}
    )  # fmt: skip
    assert problems == []
    route = config.aliases["a"]
    assert (route.strategy, route.sticky, route.fallbacks, route.targets[0].weight, route.targets[0].arm) == (
        "weighted", "request", (), 1, "haiku",
    )  # fmt: skip


def test_an_empty_document_routes_every_alias_to_itself() -> None:
    config, problems = parse(None)
    assert problems == []
    assert choose(config, alias="haiku", tenant="t", allowed=EVERYTHING, user=None, request_id="r").models == ("haiku",)
