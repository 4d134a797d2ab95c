"""`make route-explain`: the router's decision for a body and a tenant, read from what the router reads (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contract import environment as names
from tests.support.tenant_table import TABLE, create_tenant_table, put_tenant
from tooling import route_explain
from tooling.config_document import create_table, document_text, put_document

pytestmark = pytest.mark.usefixtures("aws_credentials")

MODELS = {
    "haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0"},
    "sonnet": {"provider": "bedrock", "model_id": "anthropic.claude-3-5-sonnet-20240620-v1:0"},
    "coder": {"provider": "bedrock", "model_id": "meta.llama3-70b-instruct-v1:0"},
}
ROUTING = {
    "aliases": {
        "auto": {
            "targets": [{"model": "haiku"}],
            "fallbacks": ["sonnet"],
            "rules": [
                {"name": "team-b", "when": {"headers": {"x-team": "b"}}, "target": "sonnet"},
                {"name": "code", "when": {"code": True}, "target": "coder"},
                {"name": "long", "when": {"min_input_tokens": 4000}, "target": "sonnet"},
            ],
        }
    }
}


@pytest.fixture
def deployed() -> Iterator[tuple[dict[str, str], Any]]:
    """The router's environment and a DynamoDB client holding its document and the tenants' items."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_table(dynamodb, "aigw-test-config")
        version = put_document(dynamodb, "aigw-test-config", document_text(MODELS, ROUTING))
        create_tenant_table()
        allowed = ["auto", "haiku", "sonnet"]
        put_tenant(dynamodb, "tenant#acme", tenant_id="acme", tier="premium", allowed_models=allowed)
        put_tenant(dynamodb, "tenant#globex", tenant_id="globex", enabled=False, allowed_models=["haiku"])
        environment = {names.CONFIG_TABLE: "aigw-test-config", names.CONFIG_VERSION: version,
                       names.TENANT_TABLE: TABLE}  # fmt: skip
        yield environment, dynamodb


def explain(deployed: tuple[dict[str, str], Any], body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    environment, dynamodb = deployed
    return route_explain.explain_request(
        environment,
        route_explain.item_fetcher(dynamodb),
        route_explain.tenant_store(environment, dynamodb),
        tenant_id=kwargs.pop("tenant", "acme"),
        body=body,
        headers=kwargs.pop("headers", {}),
    )


def ask(content: str) -> dict[str, Any]:
    return {"model": "auto", "messages": [{"role": "user", "content": content}]}


def test_each_rule_is_shown_with_its_part_in_the_decision(deployed: tuple[dict[str, str], Any]) -> None:
    answer = explain(deployed, ask("```python\nprint(1)\n```"))
    # code would send to coder, which acme may not use: skipped; long did not hold; the strategy chose.
    assert answer["rules"] == [
        {"rule": "team-b", "target": "sonnet", "outcome": "did not hold"},
        {"rule": "code", "target": "coder", "outcome": "target not allowed"},
        {"rule": "long", "target": "sonnet", "outcome": "did not hold"},
    ]
    assert (answer["decision"], answer["models"]) == ("weighted", ["haiku", "sonnet"])
    assert answer["features"]["code"] is True and answer["tier"] == "premium"


def test_a_header_the_client_sends_is_taken_into_account(deployed: tuple[dict[str, str], Any]) -> None:
    answer = explain(deployed, ask("Hello"), headers={"x-team": "b"})
    assert (answer["decision"], answer["models"]) == ("rule:team-b", ["sonnet"])
    assert [r["outcome"] for r in answer["rules"]] == ["chose", "not reached", "not reached"]


def test_what_the_router_would_refuse_is_said_plainly(deployed: tuple[dict[str, str], Any]) -> None:
    with pytest.raises(route_explain.ExplainError, match=r"would refuse this body \(400\)"):
        explain(deployed, {"model": "auto", "messages": []})
    with pytest.raises(route_explain.ExplainError, match="tenant 'nobody' is not in the tenant table"):
        explain(deployed, ask("Hi"), tenant="nobody")
    with pytest.raises(route_explain.ExplainError, match="tenant 'globex' is disabled"):
        explain(deployed, ask("Hi"), tenant="globex")
    answer = explain(deployed, {**ask("Hi"), "model": "coder"})
    assert answer["models"] == [] and answer["refusal"] == "model 'coder' is not available to this tenant (404)"


def test_the_command_line_refuses_bad_arguments_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body.json"
    body.write_text(json.dumps(ask("Hi")))
    assert route_explain.main(["--env", "nowhere", "--tenant", "acme", "--body", str(body)]) == 1
    refused = capsys.readouterr().err.strip()
    assert refused == "error: ENV 'nowhere' is unknown; expected one of: local, dev, staging, prod"
    body.write_text("[1]")
    assert route_explain.main(["--env", "local", "--tenant", "acme", "--body", str(body)]) == 1
    assert "BODY must hold a JSON object" in capsys.readouterr().err
    body.write_text("{}")
    assert route_explain.main(["--env", "local", "--tenant", "acme", "--body", str(body), "--header", "x-team"]) == 1
    assert "header 'x-team' must be name=value" in capsys.readouterr().err


def test_a_root_with_several_gateways_needs_the_one_named() -> None:
    outputs = {"router_function_names": {"retail": "aigw-retail-router", "bank": "aigw-bank-router"}}
    assert route_explain.router_function(outputs, "bank") == "aigw-bank-router"
    with pytest.raises(route_explain.ExplainError, match="GATEWAY=<one of bank, retail>"):
        route_explain.router_function(outputs, None)


def test_live_strategies_are_explained_on_the_gateways_shared_window_when_the_router_shares_it() -> None:
    """With sharing on, route-explain reads the window the routers share (here written by one router container:
    sonnet answered fast, haiku slowly) and decides on it; with sharing off it says what it cannot see."""
    from router.live_stats import LiveStats
    from router.shared_stats import SharedWindow
    from tests.support.router_harness import create_table as create_budget_table

    routing = {
        "aliases": {"quick": {"strategy": "lowest_latency", "targets": [{"model": "haiku"}, {"model": "sonnet"}]}}
    }
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_table(dynamodb, "aigw-test-config")
        version = put_document(dynamodb, "aigw-test-config", document_text(MODELS, routing))
        create_tenant_table()
        put_tenant(dynamodb, "tenant#acme", tenant_id="acme", allowed_models=["haiku", "sonnet"])
        create_budget_table(dynamodb, "aigw-test-budgets")
        router = LiveStats(shared=SharedWindow("aigw-test-budgets", dynamodb, 10, frozenset({"haiku", "sonnet"}),
                                                run=lambda work: work()))  # fmt: skip
        for _ in range(12):
            router.record("haiku", 2.0, ok=True)
            router.record("sonnet", 0.3, ok=True)
        router.share()  # a container's first exchange writes what it recorded
        environment = {names.CONFIG_TABLE: "aigw-test-config", names.CONFIG_VERSION: version, names.TENANT_TABLE: TABLE,
                       names.BUDGET_TABLE: "aigw-test-budgets", names.LIVE_STATS_SHARE_SECONDS: "10"}  # fmt: skip
        body = {"model": "quick", "messages": [{"role": "user", "content": "hi"}]}

        def decide(environment: dict[str, str]) -> dict[str, Any]:
            return route_explain.explain_request(environment, route_explain.item_fetcher(dynamodb),
                                                 route_explain.tenant_store(environment, dynamodb), tenant_id="acme",
                                                 body=body, headers={}, dynamodb=dynamodb)  # fmt: skip

        shared = decide(environment)
        assert (shared["decision"], shared["models"]) == ("lowest_latency", ["sonnet", "haiku"])
        assert shared["live"]["source"] == "shared"
        assert shared["live"]["targets"]["haiku"]["attempts"] == 12
        assert (
            shared["live"]["targets"]["sonnet"]["median_seconds"] < shared["live"]["targets"]["haiku"]["median_seconds"]
        )

        alone = decide({**environment, names.LIVE_STATS_SHARE_SECONDS: "0"})
        assert alone["models"] == ["haiku", "sonnet"], "unmeasured: the first target leads"
        assert alone["live"]["source"] == "none" and "cannot see" in alone["live"]["note"]

        plain = document_text(MODELS, {"aliases": {"quick": {"targets": [{"model": "haiku"}]}}})
        weighted = decide({**environment, names.CONFIG_VERSION: put_document(dynamodb, "aigw-test-config", plain)})
        assert weighted["live"] is None, "nothing live about a weighted alias"
