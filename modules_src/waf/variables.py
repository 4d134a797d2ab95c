"""Inputs and outputs of the `waf` module: a regional web ACL for one gateway stage."""

from __future__ import annotations

import json

from modules_src.common.spec import ModuleSpec, OutputSpec, Validation, VariableSpec
from modules_src.common.validations import matches, no_offenders, one_of, whole_number_between
from modules_src.common.variables import TAGS, kms_key_variables, log_retention_variable
from modules_src.waf.rule_sets import RULE_SETS
from modules_src.waf.statements import ACTIONS, OVERSIZE_HANDLING, RATE_WINDOWS

# What API Gateway can send WAF of a body (KB); beyond it a rule's oversize handling applies.
BODY_INSPECTION_LIMITS_KB = (16, 32, 48, 64)
LOGGING_FILTERS = ("all", "blocked", "blocked_and_counted")
RULES_BY_KEY = {rule_set.key: list(rule_set.rules) for rule_set in RULE_SETS}
# WAF's limits on a rate-based rule: 10 to 2 billion requests per window.
RATE_LIMIT_RANGE = (10, 2_000_000_000)


def _rules_map() -> str:
    return "{" + ", ".join(f"{key} = {json.dumps(rules)}" for key, rules in RULES_BY_KEY.items()) + "}"


OVERRIDE_PROBLEMS = (
    "flatten(["
    "[for group, rules in var.managed_rule_overrides : "
    f"\"managed_rule_overrides: '${{group}}' is not a rule group; expected one of: {', '.join(RULES_BY_KEY)}\" "
    f"if !contains({json.dumps(list(RULES_BY_KEY))}, group)], "
    "[for group, rules in var.managed_rule_overrides : [for rule, action in rules : "
    "\"managed_rule_overrides.${group}: '${rule}' is not a rule of that group\" "
    f"if !contains(lookup({_rules_map()}, group, [rule]), rule)]], "
    "[for group, rules in var.managed_rule_overrides : [for rule, action in rules : "
    f"\"managed_rule_overrides.${{group}}.${{rule}}: action '${{action}}' is not one of: {', '.join(ACTIONS)}\" "
    f"if !contains({json.dumps(list(ACTIONS))}, action)]]"
    "])"
)


def _rate(name: str, default: int, what: str) -> VariableSpec:
    low, high = RATE_LIMIT_RANGE
    return VariableSpec(
        name,
        "number",
        f"Requests {what} allowed per `rate_limit_window_seconds` before WAF answers 429: {low:,} to {high:,} "
        f"(default `{default:,}`).",
        default=default,
        validations=(whole_number_between(name, low, high),),
    )


def _cidrs(name: str, what: str) -> VariableSpec:
    return VariableSpec(
        name,
        "list(string)",
        f"IPv4 CIDR blocks {what} (default none).",
        default=[],
        validations=(
            Validation(
                f'${{alltrue([for c in var.{name} : can(cidrhost(c, 0)) && !strcontains(c, ":")])}}',
                f"{name} must hold IPv4 CIDR blocks such as 203.0.113.0/24.",
            ),
        ),
    )


SPEC = ModuleSpec(
    name="waf",
    purpose=(
        "A regional AWS WAF web ACL for one AI gateway stage, tuned for LLM traffic: AWS managed rule groups "
        "(IP reputation, known bad inputs, the core rule set, SQL injection; anonymous IPs optional) with "
        "per-rule overrides, an LLM profile that keeps the body rules which fire on ordinary prompts from "
        "blocking the model routes while they still block every other route, API Gateway's body-inspection "
        "limit, rate limits per client IP and per credential, IP allow and deny lists, an optional geo block, "
        "JSON error bodies in the gateway's envelope, and KMS-encrypted logs with the credential headers "
        "redacted. Associated with the stage it protects."
    ),
    variables=(
        VariableSpec(
            "name",
            "string",
            "Name of the web ACL and prefix of what it creates: 1-40 lowercase letters, digits and hyphens.",
            validations=(matches("name", "^[a-z0-9][a-z0-9-]{0,39}$", "1-40 lowercase letters, digits, hyphens"),),
        ),
        VariableSpec(
            "stage_arn",
            "string",
            "ARN of the API Gateway stage to protect (`stage_arn` of the `ai_gateway` module): "
            "`arn:<partition>:apigateway:<region>::/restapis/<id>/stages/<stage>`.",
            validations=(
                matches(
                    "stage_arn",
                    "^arn:aws[a-z-]*:apigateway:[a-z0-9-]+::/restapis/[a-z0-9]+/stages/[A-Za-z0-9_-]+$",
                    "an API Gateway stage ARN",
                ),
            ),
        ),
        VariableSpec(
            "enable_llm_profile",
            "bool",
            "Keep the managed body rules that fire on ordinary prompts (bodies over 8 KB, `../`, URLs to "
            "loopback or metadata addresses, HTML/JS, SQL text) from blocking the model routes; they still block "
            "every other route (default `true`; the module README says how).",
            default=True,
        ),
        VariableSpec(
            "enable_anonymous_ip_list",
            "bool",
            "Also run AWS's anonymous IP list (VPNs, Tor, hosting providers): default `false`, since API clients "
            "often run on hosting providers.",
            default=False,
        ),
        VariableSpec(
            "managed_rule_overrides",
            "map(map(string))",
            "Per managed rule group (`"
            + "`, `".join(RULES_BY_KEY)
            + "`), rule name -> action (`"
            + "`, `".join(ACTIONS)
            + "`) replacing the rule's own; they win over the LLM profile. Default none.",
            default={},
            validations=(no_offenders(OVERRIDE_PROBLEMS),),
        ),
        VariableSpec(
            "body_inspection_limit_kb",
            "number",
            "How much of a request body API Gateway sends WAF to inspect, in KB: "
            + ", ".join(str(v) for v in BODY_INSPECTION_LIMITS_KB)
            + " (default `16`; more costs extra per request).",
            default=16,
            validations=(one_of("body_inspection_limit_kb", BODY_INSPECTION_LIMITS_KB),),
        ),
        VariableSpec(
            "oversize_handling",
            "string",
            "What the body-size rule of the non-model routes does with a body larger than the inspection "
            f"limit: `{'`, `'.join(OVERSIZE_HANDLING)}` (default `MATCH`: such a body is blocked there; the model "
            "routes take large bodies, bounded by the router's own 5 MiB limit).",
            default="MATCH",
            validations=(one_of("oversize_handling", OVERSIZE_HANDLING),),
        ),
        _rate("rate_limit_per_ip", 2000, "from one client IP"),
        _rate("rate_limit_per_credential", 1000, "with one `Authorization` or `x-api-key` value"),
        VariableSpec(
            "rate_limit_window_seconds",
            "number",
            "Window of the rate limits, in seconds: " + ", ".join(str(w) for w in RATE_WINDOWS) + " (default `300`).",
            default=300,
            validations=(one_of("rate_limit_window_seconds", RATE_WINDOWS),),
        ),
        _cidrs("allow_ip_cidrs", "always allowed, before any other rule"),
        _cidrs("deny_ip_cidrs", "always blocked"),
        VariableSpec(
            "blocked_country_codes",
            "list(string)",
            "ISO 3166 alpha-2 country codes whose requests are blocked (default none).",
            default=[],
            validations=(
                Validation(
                    '${alltrue([for c in var.blocked_country_codes : can(regex("^[A-Z]{2}$", c))])}',
                    "blocked_country_codes must hold two-letter uppercase country codes such as DE.",
                ),
            ),
        ),
        VariableSpec(
            "logging_filter",
            "string",
            f"Which requests WAF logs: `{'`, `'.join(LOGGING_FILTERS)}` (default `all`).",
            default="all",
            validations=(one_of("logging_filter", LOGGING_FILTERS),),
        ),
        log_retention_variable(
            "Days CloudWatch keeps the WAF logs; one of the values CloudWatch accepts (default `365`).", 365
        ),
        *kms_key_variables(
            "ARN of an existing KMS key for the log group; `null` (default) creates one with rotation on."
        ),
        TAGS,
    ),
    outputs=(
        OutputSpec("web_acl_arn", "ARN of the web ACL."),
        OutputSpec("web_acl_id", "ID of the web ACL."),
        OutputSpec("web_acl_name", "Name of the web ACL: the `WebACL` dimension of its CloudWatch metrics."),
        OutputSpec("log_group_name", "CloudWatch log group of the WAF logs (`aws-waf-logs-<name>`)."),
        OutputSpec("kms_key_arn", "ARN of the KMS key encrypting the logs (created or given)."),
    ),
    notes=(
        "The LLM profile: the managed body rules that fire on ordinary prompts run in count mode, which adds "
        "their labels; the rule `BlockPromptRulesOffModelRoutes` right after the groups blocks a request "
        "carrying one of those labels unless its path is a model route (`/v1/chat/completions`, "
        "`/v1/embeddings`, `/v1/bedrock/{modelId}/converse`, `/v1/predict/{model}`, after an optional stage "
        "or base path segment). Every other route keeps the groups' full protection; the model routes lose "
        "exactly those body rules. Running each group twice with opposite path scope-downs would cost twice "
        "the WCUs (the core rule set alone is 700 of a web ACL's default 1,500).",
        "A blocked request gets API Gateway's `WAF_FILTERED` answer, which the `ai_gateway` module renders in "
        "the gateway's JSON error envelope with its request id. Rate limits answer 429 with a JSON body in "
        "the same envelope and `Retry-After`; WAF cannot put a request id into its own bodies, so the "
        "`x-amzn-requestid` header API Gateway adds identifies the request there.",
        "Bodies beyond `body_inspection_limit_kb` are not inspected by WAF: on the non-model routes the "
        "body-size rule applies `oversize_handling` (block by default); the model routes take long prompts, "
        "bounded by the router's 5 MiB body limit.",
    ),
)
