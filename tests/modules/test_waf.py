"""The waf module's typed rules: which rules apply to which route, and wrong rules failing at synth."""

from __future__ import annotations

import json
import re

import pytest

from modules_src.ai_gateway.routes import ROUTES
from modules_src.waf.rule_sets import CORE, RULE_SETS, SQL_DATABASE, model_route_pattern, prompt_labels
from modules_src.waf.statements import And, IpSet, Label, ManagedGroup, Or, Rule, UriPathRegex, check_rules
from tooling.paths import MODULES_DIR


def concrete(path: str) -> str:
    return "/".join("some-model" if s.startswith("{") else s for s in path.split("/"))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.route_key)
@pytest.mark.parametrize("prefix", ["/prod", "", "/ai"], ids=["stage", "custom-domain", "base-path"])
def test_the_prompt_rules_stand_down_on_the_model_routes_only(route: object, prefix: str) -> None:
    # The label rule blocks a request carrying a prompt-rule label unless its path matches this pattern:
    # on the model routes the body rules only count; on every other route they still block.
    pattern = re.compile(model_route_pattern())
    path = prefix + concrete(route.path)  # type: ignore[attr-defined]
    assert bool(pattern.match(path)) is route.expensive  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    ["/prod/v1/chat/completions/extra", "/a/b/v1/chat/completions", "/prod/v1/models", "/prod/v1/predict/a/b",
     "/prod/admin", "/prod/v1/chat/completionsX"],
)  # fmt: skip
def test_paths_that_only_look_like_model_routes_keep_every_rule(path: str) -> None:
    assert not re.match(model_route_pattern(), path)


def test_the_profile_stands_down_body_rules_only() -> None:
    rules = [rule for rule_set in RULE_SETS for rule, _ in rule_set.prompt_rules]
    assert all(rule.endswith("_BODY") for rule in rules)
    assert {r for r, _ in CORE.prompt_rules} == {
        "SizeRestrictions_BODY", "GenericLFI_BODY", "GenericRFI_BODY", "EC2MetaDataSSRF_BODY", "CrossSiteScripting_BODY"
    }  # fmt: skip
    assert {r for r, _ in SQL_DATABASE.prompt_rules} <= set(SQL_DATABASE.rules)
    assert all(r in rule_set.rules for rule_set in RULE_SETS for r, _ in rule_set.prompt_rules)
    assert len(set(prompt_labels())) == len(rules)


def test_the_generated_acl_counts_exactly_the_profile_and_blocks_it_off_the_model_routes() -> None:
    acl = json.loads((MODULES_DIR / "waf" / "main.tf.json").read_text())["resource"]["aws_wafv2_web_acl"]["this"]
    label_rule = next(r["content"] for r in acl["dynamic"]["rule"] if r["content"]["name"] == "BlockPromptRulesOffModelRoutes")
    parts = label_rule["statement"][0]["and_statement"]["statement"]
    labels = [s["label_match_statement"]["key"] for s in parts[0]["or_statement"]["statement"]]
    assert labels == list(prompt_labels())
    regex = parts[1]["not_statement"]["statement"][0]["regex_match_statement"]["regex_string"]
    assert regex == model_route_pattern()
    assert label_rule["action"] == [{"block": {}}]
    # It runs after every managed group (their labels exist by then).
    group_priorities = [r["priority"] for r in acl["rule"] if "managed_rule_group_statement" in r["statement"][0]]
    assert max(group_priorities) < label_rule["priority"]


def test_wrong_rules_fail_at_synth() -> None:
    with pytest.raises(ValueError, match="action 'deny' is not one of"):
        Rule("R", 1, IpSet("arn"), "deny")
    with pytest.raises(ValueError, match="takes no action"):
        Rule("G", 1, ManagedGroup("AWSManagedRulesCommonRuleSet"), "block")
    with pytest.raises(ValueError, match="only a block has a custom response"):
        from modules_src.waf.statements import Response

        Rule("R", 1, IpSet("arn"), "count", Response(429, "x"))
    with pytest.raises(ValueError, match="at least two"):
        And((Label("awswaf:x:y"),))
    with pytest.raises(ValueError, match="label key"):
        Or((Label("no namespace"), Label("awswaf:a:b")))
    with pytest.raises(re.error):
        UriPathRegex("(unclosed")
    with pytest.raises(ValueError, match="collide: name R, priority 1"):
        check_rules((Rule("R", 1, IpSet("a"), "block"), Rule("R", 1, IpSet("b"), "block")))
