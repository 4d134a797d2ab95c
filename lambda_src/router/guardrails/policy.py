"""Parse the configuration document's `guardrails` into policies, and choose a request's policy.

Pure. The rules and their words are the contract's (`contract.guardrails`); the module
checks the same at plan time. Custom patterns are compiled here, once per container.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from contract import guardrails as g

# Patterns are compiled on first use (re keeps them): nothing is compiled at import, on the cold path.


@dataclass(frozen=True)
class PiiStep:
    # Entity type (built-in or custom) -> block, mask or log.
    actions: dict[str, str]
    custom: dict[str, re.Pattern[str]] = field(default_factory=dict)
    restore: bool = False
    output: bool = True


@dataclass(frozen=True)
class BedrockStep:
    guardrail_id: str
    guardrail_version: str
    input: bool = True
    output: bool = True


@dataclass(frozen=True)
class Policy:
    name: str
    pii: PiiStep | None = None
    flag_at: float | None = None
    block_at: float | None = None
    deny_words: re.Pattern[str] | None = None
    deny_topics: dict[str, re.Pattern[str]] = field(default_factory=dict)
    max_prompt_tokens: int | None = None
    bedrock: BedrockStep | None = None
    fail_open: bool = False


@dataclass(frozen=True)
class Guardrails:
    policies: dict[str, Policy] = field(default_factory=dict)
    default_policy: str | None = None
    tiers: dict[str, str] = field(default_factory=dict)
    tenants: dict[str, str] = field(default_factory=dict)

    def policy_for(self, tenant: str, tier: str) -> Policy | None:
        """The tenant's own policy, else its tier's, else the default one; None: no guardrails."""
        name = self.tenants.get(tenant) or self.tiers.get(tier) or self.default_policy
        return self.policies.get(name) if name else None

    @property
    def guardrail_ids(self) -> tuple[str, ...]:
        return tuple(sorted({p.bedrock.guardrail_id for p in self.policies.values() if p.bedrock}))


def words_pattern(words: list[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `words` as whole words (phrases allowed)."""
    escaped = sorted((re.escape(w.strip()) for w in words), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(escaped) + r")(?!\w)", re.IGNORECASE)


def _pii(name: str, spec: Any, problems: list[str]) -> PiiStep | None:
    if not isinstance(spec, dict):
        return None
    actions = dict(g.DEFAULT_PII_ACTIONS)
    for entity, action in (spec.get("entities") or {}).items():
        if entity not in g.PII_ENTITIES:
            problems.append(g.ENTITY_UNKNOWN.format(policy=name, value=str(entity)[:64]))
        elif action not in g.PII_ACTIONS:
            problems.append(g.ACTION_UNKNOWN.format(policy=name, value=str(action)[:64]))
        else:
            actions[entity] = action
    custom: dict[str, re.Pattern[str]] = {}
    for custom_name, custom_spec in (spec.get("custom") or {}).items():
        pattern = custom_spec.get("pattern") if isinstance(custom_spec, dict) else None
        action = custom_spec.get("action", "mask") if isinstance(custom_spec, dict) else None
        compiled = _compile(pattern)
        if not isinstance(custom_name, str) or not re.match(g.CUSTOM_NAME_PATTERN, custom_name) or compiled is None:
            problems.append(g.CUSTOM_INVALID.format(policy=name, value=str(custom_name)[:64]))
        elif action not in g.PII_ACTIONS:
            problems.append(g.ACTION_UNKNOWN.format(policy=name, value=str(action)[:64]))
        else:
            custom[custom_name], actions[custom_name] = compiled, str(action)
    if len(custom) > g.MAX_CUSTOM_PATTERNS:
        problems.append(g.CUSTOM_INVALID.format(policy=name, value="(too many)"))
    return PiiStep(actions, custom, spec.get("restore") is True, spec.get("output", True) is not False)


def _compile(pattern: Any) -> re.Pattern[str] | None:
    if not isinstance(pattern, str) or not 0 < len(pattern) <= g.MAX_PATTERN_LENGTH:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None
    return None if compiled.fullmatch("") else compiled


def _thresholds(name: str, spec: Any, problems: list[str]) -> tuple[float | None, float | None]:
    if spec is None:
        return None, None
    flag = spec.get("flag_at", g.DEFAULT_FLAG_AT) if isinstance(spec, dict) else None
    block = spec.get("block_at", g.DEFAULT_BLOCK_AT) if isinstance(spec, dict) else None
    numbers = [v for v in (flag, block) if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != 2 or not all(math.isfinite(v) and 0 <= v <= 1 for v in numbers) or numbers[0] > numbers[1]:
        problems.append(g.THRESHOLDS_INVALID.format(policy=name))
        return None, None
    return float(numbers[0]), float(numbers[1])


def _deny(name: str, spec: Any, problems: list[str]) -> tuple[re.Pattern[str] | None, dict[str, re.Pattern[str]]]:
    if spec is None:
        return None, {}
    words = spec.get("words") or [] if isinstance(spec, dict) else None
    topics = spec.get("topics") or {} if isinstance(spec, dict) else None

    def usable(items: Any) -> bool:
        return (
            isinstance(items, list)
            and 0 < len(items) <= g.MAX_DENY_WORDS
            and all(isinstance(w, str) and w.strip() for w in items)
        )

    if (
        not isinstance(words, list)
        or (words and not usable(words))
        or not isinstance(topics, dict)
        or len(topics) > g.MAX_TOPICS
        or not all(isinstance(t, str) and usable(v) for t, v in topics.items())
    ):
        problems.append(g.DENY_INVALID.format(policy=name))
        return None, {}
    return (words_pattern(words) if words else None), {t: words_pattern(v) for t, v in topics.items()}


def _bedrock(name: str, spec: Any, problems: list[str]) -> BedrockStep | None:
    if spec is None:
        return None
    if (
        not isinstance(spec, dict)
        or not re.match(g.GUARDRAIL_ID_PATTERN, str(spec.get("guardrail_id", "")))
        or not re.match(g.GUARDRAIL_VERSION_PATTERN, str(spec.get("guardrail_version", "")))
    ):
        problems.append(g.BEDROCK_INVALID.format(policy=name))
        return None
    return BedrockStep(
        spec["guardrail_id"],
        spec["guardrail_version"],
        spec.get("input", True) is not False,
        spec.get("output", True) is not False,
    )


def _policy(name: str, spec: Any, problems: list[str]) -> Policy | None:
    if not re.match(g.POLICY_NAME_PATTERN, name) or not isinstance(spec, dict):
        problems.append(g.POLICY_NAME_INVALID.format(value=name[:64]))
        return None
    before = len(problems)
    pii = _pii(name, spec.get("pii"), problems)
    flag, block = _thresholds(name, spec.get("injection"), problems)
    words, topics = _deny(name, spec.get("deny"), problems)
    max_tokens = spec.get("max_prompt_tokens")
    if max_tokens is not None and (
        isinstance(max_tokens, bool)
        or not isinstance(max_tokens, int | float)
        or not 1 <= max_tokens <= 2_000_000
        or max_tokens != int(max_tokens)
    ):
        problems.append(g.MAX_TOKENS_INVALID.format(policy=name))
    bedrock = _bedrock(name, spec.get("bedrock"), problems)
    on_error = spec.get("on_error", "block")
    if on_error not in g.ON_ERROR:
        problems.append(g.ON_ERROR_UNKNOWN.format(policy=name))
    if len(problems) > before:
        return None
    tokens = int(max_tokens) if max_tokens is not None else None
    return Policy(name, pii, flag, block, words, topics, tokens, bedrock, on_error == "allow")


def parse_guardrails(value: Any, problems: list[str]) -> Guardrails:
    """The document's `guardrails` (absent: none); every problem is appended to `problems`."""
    if value is None:
        return Guardrails()
    if not isinstance(value, dict):
        problems.append(g.POLICY_UNKNOWN.format(where="guardrails", value="-"))
        return Guardrails()
    policies = {}
    raw = value.get("policies") or {}
    for name, spec in raw.items() if isinstance(raw, dict) else []:
        policy = _policy(str(name), spec, problems)
        if policy is not None:
            policies[policy.name] = policy
    default = value.get("default_policy")
    tiers, tenants = value.get("tiers") or {}, value.get("tenants") or {}
    named = [("default_policy", default)] if default is not None else []
    named += [(f"tiers.{k}", v) for k, v in tiers.items()] + [(f"tenants.{k}", v) for k, v in tenants.items()]
    for where, policy_name in named:
        if policy_name not in (raw if isinstance(raw, dict) else {}):
            problems.append(g.POLICY_UNKNOWN.format(where=where, value=str(policy_name)[:64]))
    return Guardrails(policies, default, dict(tiers), dict(tenants))
