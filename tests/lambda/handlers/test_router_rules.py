"""Conditional routes through the router handler: the rule that chose the model is named in `x-aigw-route` and
in the usage record, for answers whole and streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract.metrics import DECISION
from contract.routing import ROUTE_HEADER, ROUTE_INFO
from tests.support.router_harness import MODELS, Router, body_of, build_router, emf_records, proxy_event

ROUTING = {
    "aliases": {
        "auto": {
            "targets": [{"model": "haiku"}],
            "fallbacks": ["sonnet"],
            "rules": [
                {"name": "code", "when": {"code": True}, "target": "sonnet"},
                {"name": "team-b", "when": {"headers": {"x-team": "b"}}, "target": "llama"},
                {"name": "flagged", "when": {"metadata": {"lane": "fast"}}, "target": "haiku"},
            ],
        }
    },
    "tenant_pins": {},
}
CHAT = "/v1/chat/completions"
HAIKU, SONNET = MODELS["haiku"]["model_id"], MODELS["sonnet"]["model_id"]


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch) -> Router:
    return build_router(monkeypatch, routing=ROUTING)


def ask(content: str, **body: Any) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": content}], **body}


def test_a_request_with_code_goes_where_its_rule_says(router: Router, capsys: pytest.CaptureFixture[str]) -> None:
    response = router.call(CHAT, ask("Why does this fail?\n```python\nprint(1/0)\n```"))
    assert response["statusCode"] == 200, body_of(response)
    assert response["headers"][ROUTE_HEADER] == "rule:code"
    assert response["headers"]["x-aigw-model"] == "sonnet"
    assert router.backend.calls[0][0] == SONNET
    (record,) = emf_records(capsys.readouterr().out)
    assert record[DECISION] == "rule:code"


def test_no_rule_holding_leaves_the_strategy_and_says_so(router: Router) -> None:
    response = router.call(CHAT, ask("What is the capital of France?"))
    assert (response["headers"][ROUTE_HEADER], response["headers"]["x-aigw-model"]) == ("weighted", "haiku")
    assert router.backend.calls[0][0] == HAIKU
    direct = router.call(CHAT, {**ask("Hi"), "model": "haiku"})
    assert direct["headers"][ROUTE_HEADER] == "model"


def test_a_header_and_metadata_steer_the_request(router: Router) -> None:
    response = router.call(CHAT, ask("Hello"), headers={"X-Team": "b"})
    assert (response["headers"][ROUTE_HEADER], response["headers"]["x-aigw-model"]) == ("rule:team-b", "llama")
    response = router.call(CHAT, ask("Hello", metadata={"lane": "fast"}))
    assert response["headers"][ROUTE_HEADER] == "rule:flagged"


def test_a_rule_outside_the_tenants_allow_list_is_skipped(router: Router) -> None:
    response = router.call(CHAT, ask("```\ncode\n```"), allowed="haiku,llama")
    assert response["statusCode"] == 200, body_of(response)
    assert (response["headers"][ROUTE_HEADER], response["headers"]["x-aigw-model"]) == ("weighted", "haiku")
    assert [model for model, _ in router.backend.calls] == [HAIKU]


def test_a_streamed_answer_names_the_rule_in_its_headers(router: Router) -> None:
    writes: list[bytes] = []
    event = proxy_event(CHAT, ask("def f():\n    return 1", stream=True))
    router.module.stream_handler(event, None, writes.append)
    prelude = json.loads(b"".join(writes).split(b"\x00" * 8, 1)[0])
    assert prelude["headers"][ROUTE_HEADER] == "rule:code"
    assert prelude["headers"]["x-aigw-model"] == "sonnet"


def test_the_model_list_says_how_each_routed_alias_chooses(router: Router) -> None:
    response = router.call("/v1/models", None, method="GET")
    listed = {m["id"]: m for m in body_of(response)["data"]}
    assert listed["auto"][ROUTE_INFO] == {"strategy": "weighted", "rules": ["code", "team-b", "flagged"]}
    assert ROUTE_INFO not in listed["haiku"], "a catalog model is not routed"


def test_lowest_latency_follows_what_the_router_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    routing = {"aliases": {"quick": {"strategy": "lowest_latency", "targets": [{"model": "haiku"}, {"model": "sonnet"}],
                                     "drain_error_rate": 0.5}}, "tenant_pins": {}}  # fmt: skip
    router = build_router(monkeypatch, routing=routing)
    for _ in range(20):
        router.service.stats.record("haiku", 2.0, ok=True)
        router.service.stats.record("sonnet", 0.3, ok=True)
    response = router.call(CHAT, {**ask("Hi"), "model": "quick"})
    assert (response["headers"][ROUTE_HEADER], response["headers"]["x-aigw-model"]) == ("lowest_latency", "sonnet")
    # Every attempt is recorded, a failed one as an error.
    assert router.service.stats.of("sonnet").attempts == 21


def test_the_service_shares_live_figures_only_when_configured_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The container's service gets a shared window when sharing is set, the budget table is named and some
    alias routes on live figures, for exactly the targets those aliases have; otherwise none."""
    live = {"aliases": {"fast": {"strategy": "lowest_latency", "targets": [{"model": "haiku"}, {"model": "llama"}]},
                        "safe": {"targets": [{"model": "sonnet"}], "drain_error_rate": 0.5},
                        "plain": {"targets": [{"model": "haiku"}, {"model": "sonnet"}]}},
            "tenant_pins": {}}  # fmt: skip
    sharing = {"GATEWAY_LIVE_STATS_SHARE_SECONDS": "5", "GATEWAY_BUDGET_TABLE": "aigw-test-budgets"}
    module = build_router(monkeypatch, routing=live, env=sharing).module
    shared = module.build_service(module.SETTINGS.get()).stats._shared
    assert shared is not None and shared._models == frozenset({"haiku", "llama", "sonnet"})
    assert shared._table == "aigw-test-budgets" and shared._period == 5

    for routing, env in ((ROUTING, sharing), (live, {**sharing, "GATEWAY_LIVE_STATS_SHARE_SECONDS": "0"})):
        module = build_router(monkeypatch, routing=routing, env=env).module
        assert module.build_service(module.SETTINGS.get()).stats._shared is None
