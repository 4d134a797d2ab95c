"""The router's guardrail policies: named policies and where each applies, into the configuration document.

The rules and their words are the contract's (`contract.guardrails`): `terraform plan`
refuses what the router's cold start would. Left to cold start: whether a custom PII
pattern compiles as a Python regular expression (plan checks it as RE2, which is close).
"""

from __future__ import annotations

import json

from contract import guardrails as g
from modules_src.common.expressions import Expr
from modules_src.common.spec import VariableSpec
from modules_src.common.validations import each, json_list, message, no_offenders

G = "var.guardrails"
POLICIES = f"{G}.policies"

DEFAULT = g.DEFAULT_GUARDRAILS


def guardrail_arns(account_partition: str, account_region: str, account_id: str) -> Expr:
    """ARNs of the Bedrock guardrails the policies name (a never-matching one when none: IAM needs a resource)."""
    prefix = f"arn:${{{account_partition}}}:bedrock:${{{account_region}}}:${{{account_id}}}:guardrail/"
    ids = f"[for name, p in {POLICIES} : p.bedrock.guardrail_id if p.bedrock != null]"
    arns = f'[for id in {ids} : startswith(id, "arn:") ? id : "{prefix}${{id}}"]'
    return Expr(f'length({arns}) == 0 ? ["{prefix}none"] : distinct({arns})')


def document() -> Expr:
    """The document's `guardrails`: the input as given (Terraform fills the optional fields' defaults)."""
    return Expr(G)


def _named_policies() -> str:
    named = (
        f'concat({G}.default_policy == null ? [] : [{{where = "default_policy", name = {G}.default_policy}}], '
        f'[for k, v in {G}.tiers : {{where = "tiers.${{k}}", name = v}}], '
        f'[for k, v in {G}.tenants : {{where = "tenants.${{k}}", name = v}}])'
    )
    return named


RULES = (
    no_offenders(
        f"[for name, p in {POLICIES} : {message(g.POLICY_NAME_INVALID, value='name')} "
        f"if !can(regex({json.dumps(g.POLICY_NAME_PATTERN)}, name))]"
    ),
    no_offenders(
        f"[for x in {_named_policies()} : {message(g.POLICY_UNKNOWN, where='x.where', value='x.name')} "
        f"if !contains(keys({POLICIES}), x.name)]"
    ),
    no_offenders(
        f"flatten([for name, p in {POLICIES} : [for entity, action in try(p.pii.entities, {{}}) : "
        f"{message(g.ENTITY_UNKNOWN, policy='name', value='entity')} "
        f"if !contains({json_list(g.PII_ENTITIES)}, entity)]])"
    ),
    no_offenders(
        f"flatten([for name, p in {POLICIES} : [for action in concat(values(try(p.pii.entities, {{}})), "
        f"[for c in values(try(p.pii.custom, {{}})) : c.action]) : "
        f"{message(g.ACTION_UNKNOWN, policy='name', value='action')} "
        f"if !contains({json_list(g.PII_ACTIONS)}, action)]])"
    ),
    no_offenders(
        f"flatten([for name, p in {POLICIES} : [for custom, c in try(p.pii.custom, {{}}) : "
        f"{message(g.CUSTOM_INVALID, policy='name', value='custom')} "
        f"if !can(regex({json.dumps(g.CUSTOM_NAME_PATTERN)}, custom)) || length(c.pattern) == 0 || "
        f'length(c.pattern) > {g.MAX_PATTERN_LENGTH} || !can(regex(c.pattern, ""))]])'
    ),
    each(
        POLICIES,
        "name, p",
        "p.injection == null ? false : (p.injection.flag_at < 0 || p.injection.block_at > 1 || "
        "p.injection.flag_at > p.injection.block_at)",
        g.THRESHOLDS_INVALID,
        policy="name",
    ),
    each(
        POLICIES,
        "name, p",
        "p.max_prompt_tokens == null ? false : "
        "(p.max_prompt_tokens < 1 || p.max_prompt_tokens > 2000000 || "
        "floor(p.max_prompt_tokens) != p.max_prompt_tokens)",
        g.MAX_TOKENS_INVALID,
        policy="name",
    ),
    each(
        POLICIES,
        "name, p",
        f"p.bedrock == null ? false : (!can(regex({json.dumps(g.GUARDRAIL_ID_PATTERN)}, p.bedrock.guardrail_id)) || "
        f"!can(regex({json.dumps(g.GUARDRAIL_VERSION_PATTERN)}, p.bedrock.guardrail_version)))",
        g.BEDROCK_INVALID,
        policy="name",
    ),
    each(POLICIES, "name, p", f"!contains({json_list(g.ON_ERROR)}, p.on_error)", g.ON_ERROR_UNKNOWN, policy="name"),
    each(
        POLICIES,
        "name, p",
        "p.deny == null ? false : "
        f"(length(p.deny.words) > {g.MAX_DENY_WORDS} || length(p.deny.topics) > {g.MAX_TOPICS} || "
        'anytrue([for w in concat(p.deny.words, flatten(values(p.deny.topics))) : trimspace(w) == ""]) || '
        "anytrue([for t, words in p.deny.topics : length(words) == 0]))",
        g.DENY_INVALID,
        policy="name",
    ),
)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "guardrails",
        g.GUARDRAILS_TYPE,
        "Guardrail policies of the router, by name, and where each applies: `tenants` (tenant -> policy) wins over "
        "`tiers` (tier -> policy), then `default_policy`. A policy's steps on the prompt, in order: "
        "`max_prompt_tokens`, `deny` (`words`, `topics` of words), `injection` (heuristic score, `flag_at` "
        f"default {g.DEFAULT_FLAG_AT}, `block_at` default {g.DEFAULT_BLOCK_AT}), `pii` (`entities`: type -> "
        f"`{'`, `'.join(g.PII_ACTIONS)}`, types `{'`, `'.join(g.PII_ENTITIES)}`; `custom` patterns; `restore` "
        "masked values in the answer; `output` also checks the answer) and `bedrock` (`ApplyGuardrail` with "
        "`guardrail_id` and `guardrail_version` on the `input` and `output`). A refusal is a 400 "
        "`content_blocked` naming the category, never the text; a step that fails refuses with 503 unless "
        '`on_error = "allow"`. Default: the `standard` policy for everyone (personal data masked and '
        "restored, credentials refused, injection refused at the default threshold); `{}` turns guardrails off.",
        default=DEFAULT,
        validations=RULES,
    ),
)
