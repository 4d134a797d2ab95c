"""Generates modules/waf: the web ACL, its IP sets, its encrypted log group and logging, the stage association."""

from __future__ import annotations

import json
from typing import Any

from cdktn import Token
from cdktn_provider_aws.wafv2_ip_set import Wafv2IpSet
from cdktn_provider_aws.wafv2_web_acl import Wafv2WebAcl
from cdktn_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktn_provider_aws.wafv2_web_acl_logging_configuration import Wafv2WebAclLoggingConfiguration
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.constructs.kms_key import WAF_LOG_PREFIX, KmsKey, KmsKeyProps
from modules_src.common.constructs.log_group import LogGroup, LogGroupProps
from modules_src.common.expressions import Expr, one
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named
from modules_src.waf.rule_sets import ALWAYS_ON, ANONYMOUS_IP, RULE_SETS, model_route_pattern, prompt_labels
from modules_src.waf.statements import (
    And,
    BodyLargerThan,
    Geo,
    IpSet,
    Label,
    ManagedGroup,
    Not,
    Or,
    RateLimit,
    Response,
    Rule,
    UriPathRegex,
    check_rules,
)
from modules_src.waf.variables import SPEC

# The credential headers: rate-limited per value, and never written to the WAF logs.
CREDENTIAL_HEADERS = ("authorization", "x-api-key")
RATE_LIMITED_BODY = "rate_limited"
# The gateway's error envelope (shared.errors in the Lambdas); WAF cannot fill in a request id.
RATE_LIMITED = {
    "error": {
        "message": "too many requests from this client or credential; retry after the time in Retry-After",
        "type": "rate_limit_error",
        "code": "rate_limited",
        "param": None,
        "request_id": None,
    }
}


class WafStack(ModuleStack):
    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        name = self.variable("name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        log_group_name = f"{WAF_LOG_PREFIX}{name}"
        key = KmsKey(
            self,
            "kms",
            KmsKeyProps(
                account=account,
                description=f"WAF logs of {name}",
                existing_key_arn=self.ref("kms_key_arn"),
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(log_group_name,),
                tags=tags,
            ),
        )
        logs = LogGroup(
            self,
            "logs",
            LogGroupProps(
                logical_id="waf",
                name=log_group_name,
                retention_in_days=self.variable("log_retention_in_days").number_value,
                kms_key_arn=key.key_arn,
                tags=tags,
            ),
        ).log_group
        ip_sets = {
            kind: self._ip_set(kind, f"{name}-{kind}", self.ref(f"{kind}_ip_cidrs"), tags) for kind in ("allow", "deny")
        }
        rules = self.rules(ip_sets)
        acl = named(
            Wafv2WebAcl(
                self,
                "acl",
                name=name,
                description=f"AI gateway {name}: managed rules with the LLM profile, rate limits, IP lists",
                scope="REGIONAL",
                default_action={"allow": {}},
                visibility_config={
                    "cloudwatch_metrics_enabled": True,
                    "metric_name": name,
                    "sampled_requests_enabled": True,
                },
                tags=tags,
            ),
            "this",
        )
        static = [r.render() for r in rules if r.when is None]
        dynamic = [{"for_each": f"${{{r.when.text} ? [1] : []}}", "content": r.render()} for r in rules if r.when]
        acl.add_override("rule", static)
        acl.add_override("dynamic.rule", dynamic)
        acl.add_override(
            "custom_response_body",
            [{"key": RATE_LIMITED_BODY, "content": json.dumps(RATE_LIMITED), "content_type": "APPLICATION_JSON"}],
        )
        acl.add_override(
            "association_config",
            {
                "request_body": {
                    "api_gateway": {
                        "default_size_inspection_limit": f"KB_{self.variable('body_inspection_limit_kb').to_string()}"
                    }
                }
            },
        )
        named(
            Wafv2WebAclAssociation(
                self, "association", resource_arn=self.variable("stage_arn").string_value, web_acl_arn=acl.arn
            ),
            "this",
        )
        logging = named(
            Wafv2WebAclLoggingConfiguration(
                self,
                "logging",
                resource_arn=acl.arn,
                log_destination_configs=[logs.arn],
            ),
            "this",
        )
        # The bindings (provider 6.x) drop single_header; the 5.x block is written as such.
        logging.add_override("redacted_fields", [{"single_header": {"name": h}} for h in CREDENTIAL_HEADERS])
        logging.add_override("dynamic.logging_filter", self._logging_filter())
        self.output("web_acl_arn", acl.arn)
        self.output("web_acl_id", acl.id)
        self.output("web_acl_name", acl.name)
        self.output("log_group_name", logs.name)
        self.output("kms_key_arn", key.key_arn)
        self.check_complete()

    def rules(self, ip_sets: dict[str, Wafv2IpSet]) -> tuple[Rule, ...]:
        """Every rule of the ACL, in priority order (the first terminating action wins)."""
        off_model_routes = Not(UriPathRegex(model_route_pattern()))
        window = self.ref("rate_limit_window_seconds")
        throttled = Response(429, RATE_LIMITED_BODY, (("retry-after", "60"),))
        listed = {kind: Expr(f"length({self.ref(f'{kind}_ip_cidrs').text}) > 0") for kind in ip_sets}
        rules = [
            Rule("AllowListedIps", 0, IpSet(str(one(ip_sets["allow"], "arn"))), "allow", when=listed["allow"]),
            Rule("DenyListedIps", 1, IpSet(str(one(ip_sets["deny"], "arn"))), "block", when=listed["deny"]),
            Rule(
                "BlockedCountries", 2, Geo(self.ref("blocked_country_codes")), "block",
                when=Expr(f"length({self.ref('blocked_country_codes').text}) > 0"),
            ),
            Rule("RateLimitPerIp", 3, RateLimit(self.ref("rate_limit_per_ip"), window), "block", throttled),
        ]  # fmt: skip
        for offset, header in enumerate(CREDENTIAL_HEADERS):
            limit = RateLimit(self.ref("rate_limit_per_credential"), window, header)
            rules.append(Rule(f"RateLimitPer{header.title().replace('-', '')}", 4 + offset, limit, "block", throttled))
        for offset, rule_set in enumerate(RULE_SETS):
            overrides = self._overrides(rule_set.key, [rule for rule, _ in rule_set.prompt_rules])
            rules.append(
                Rule(
                    rule_set.name,
                    10 + offset,
                    ManagedGroup(rule_set.name, overrides),
                    when=None if rule_set.key in ALWAYS_ON else self.ref(f"enable_{ANONYMOUS_IP.key}_list"),
                )
            )
        labels = tuple(Label(label) for label in prompt_labels())
        rules += [
            Rule(
                "BlockPromptRulesOffModelRoutes", 20, And((Or(labels), off_model_routes)), "block",
                when=self.ref("enable_llm_profile"),
            ),
            Rule(
                "BodyTooLargeOffModelRoutes", 21,
                And((
                    BodyLargerThan(
                        Expr(f"{self.ref('body_inspection_limit_kb').text} * 1024"), self.ref("oversize_handling")
                    ),
                    off_model_routes,
                )),
                "block",
            ),
        ]  # fmt: skip
        check_rules(tuple(rules))
        return tuple(rules)

    def _overrides(self, key: str, prompt_rules: list[str]) -> Expr:
        """Rule name -> action for a group: the LLM profile's counts, then the caller's overrides (which win)."""
        profile = "{" + ", ".join(f'{rule} = "count"' for rule in prompt_rules) + "}"
        given = f'lookup({self.ref("managed_rule_overrides").text}, "{key}", {{}})'
        return Expr(f"merge({self.ref('enable_llm_profile').text} ? {profile} : {{}}, {given})")

    def _ip_set(self, kind: str, name: str, cidrs: Expr, tags: Any) -> Wafv2IpSet:
        ip_set = named(
            Wafv2IpSet(
                self,
                f"ip_set_{kind}",
                name=name,
                scope="REGIONAL",
                ip_address_version="IPV4",
                addresses=Token.as_list(str(cidrs)),
                tags=tags,
                count=Token.as_number(str(Expr(f"length({cidrs.text}) > 0 ? 1 : 0"))),
            ),
            kind,
        )
        return ip_set

    def _logging_filter(self) -> dict[str, Any]:
        """`blocked`: keep only blocked requests; `blocked_and_counted`: also those a rule counted; `all`: none."""
        kept = f'{self.ref("logging_filter").text} == "blocked" ? ["BLOCK"] : ["BLOCK", "COUNT"]'
        return {
            "for_each": f'${{{self.ref("logging_filter").text} == "all" ? [] : [1]}}',
            "content": {
                "default_behavior": "DROP",
                "dynamic": {
                    "filter": {
                        "for_each": f"${{{kept}}}",
                        "content": {
                            "behavior": "KEEP",
                            "requirement": "MEETS_ANY",
                            "condition": [{"action_condition": {"action": "${filter.value}"}}],
                        },
                    }
                },
            },
        }
