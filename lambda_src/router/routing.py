"""Choose the backend target for a request: conditional rules, weighted A/B arms, tenant pins, cheapest-first,
fallbacks; every plan names what chose it (`Plan.decision`).

Pure: takes the configuration document's parsed `routing` and the request's facts,
returns a plan. The module writes it from its `routing` input, for example:

    {"aliases": {"chat": {"strategy": "weighted", "sticky": "user",
                          "targets": [{"model": "claude-3-haiku", "weight": 90, "arm": "A"},
                                      {"model": "llama3-8b", "weight": 10, "arm": "B"}],
                          "fallbacks": ["claude-3-5-sonnet"]}},
     "tenant_pins": {"acme": {"chat": "claude-3-haiku"}}}

Every target names a model alias of the catalog; an alias that is itself a catalog
model and has no routing entry routes to itself. An alias's `rules` come first, in
order: the first whose conditions hold (`when`) and whose target the tenant may use
sends the request there (a catalog model, or a routed alias without rules, by that
alias's strategy); a rule whose target the tenant may not use is skipped, never used. Prices come from the catalog
(each model's `input_price_per_1k`/`output_price_per_1k`), not from this document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from contract import routing as rules
from contract.catalog import MODEL_ALIAS_PATTERN
from contract.fields import defaults
from contract.routing import MAX_RULES, MAX_TARGETS, RESPONSE_FORMATS, STICKY_KEYS, STRATEGIES
from router.live_stats import LiveStats
from router.request_features import RequestFeatures
from shared.sticky import weighted_pick

ALIAS = re.compile(MODEL_ALIAS_PATTERN)
DEFAULTS = defaults(rules.ALIAS_ROUTE_FIELDS)
TARGET_DEFAULTS = defaults(rules.TARGET_FIELDS)
MATCH_DEFAULTS = defaults(rules.MATCH_FIELDS)
RULE_NAME = re.compile(rules.RULE_NAME_PATTERN)
RULE_HEADER = re.compile(rules.RULE_HEADER_PATTERN)


class NoRouteError(LookupError):
    """No target of the alias may serve this tenant (unknown alias or nothing allowed)."""


@dataclass(frozen=True)
class Target:
    model: str
    weight: int
    arm: str
    max_complexity: float | None = None


@dataclass(frozen=True)
class Match:
    """A rule's conditions: each one given must hold; none given matches every request."""

    users: frozenset[str] = frozenset()
    metadata: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    tiers: frozenset[str] = frozenset()
    min_input_tokens: int | None = None
    max_input_tokens: int | None = None
    code: bool | None = None
    images: bool | None = None
    tools: bool | None = None
    response_formats: frozenset[str] = frozenset()
    prompts: frozenset[str] = frozenset()

    def holds(self, request: RequestFeatures) -> bool:
        return (
            (not self.users or request.user in self.users)
            and all(request.metadata.get(k) == v for k, v in self.metadata)
            and all(request.headers.get(k) == v for k, v in self.headers)
            and (not self.tiers or request.tier in self.tiers)
            and (self.min_input_tokens is None or request.input_tokens >= self.min_input_tokens)
            and (self.max_input_tokens is None or request.input_tokens <= self.max_input_tokens)
            and (self.code is None or request.code == self.code)
            and (self.images is None or request.images == self.images)
            and (self.tools is None or request.tools == self.tools)
            and (not self.response_formats or request.response_format in self.response_formats)
            and (not self.prompts or request.prompt in self.prompts)
        )


@dataclass(frozen=True)
class Rule:
    name: str
    when: Match
    target: str


@dataclass(frozen=True)
class AliasRoute:
    strategy: str
    sticky: str
    targets: tuple[Target, ...]
    fallbacks: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    drain_error_rate: float | None = None


@dataclass(frozen=True)
class Price:
    input_per_1k: float
    output_per_1k: float

    def estimate(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens / 1000 * self.input_per_1k + output_tokens / 1000 * self.output_per_1k


@dataclass(frozen=True)
class RoutingConfig:
    aliases: dict[str, AliasRoute]
    tenant_pins: dict[str, dict[str, str]]
    prices: dict[str, Price]

    def live_targets(self) -> frozenset[str]:
        """The targets whose live figures a decision reads: of `lowest_latency` aliases and draining ones."""
        live = (r for r in self.aliases.values() if r.strategy == "lowest_latency" or r.drain_error_rate is not None)
        return frozenset(t.model for r in live for t in r.targets)


@dataclass(frozen=True)
class Ask:
    """Who asks for an alias: the facts every strategy may use (`request`: the features, when computed)."""

    tenant: str
    allowed: frozenset[str]
    user: str | None
    request_id: str
    estimated_tokens: tuple[int, int]
    request: RequestFeatures | None = None
    stats: LiveStats | None = None


@dataclass(frozen=True)
class Plan:
    """The ordered models to try (primary first), the A/B arm that chose the primary, and what chose it
    (`rule:<name>`, the strategy, `pin`, `fallback` or `model`: contract.routing)."""

    models: tuple[str, ...]
    arm: str
    decision: str = rules.MODEL_DECISION


def parse_routing(value: Any, kinds: dict[str, str], prices: dict[str, Price], problems: list[str]) -> RoutingConfig:
    """Parse the document's `routing` against the catalog (alias -> kind); append every problem to `problems`."""
    value = {} if value is None else value
    if not isinstance(value, dict):
        problems.append(rules.NOT_AN_OBJECT)
        return RoutingConfig({}, {}, dict(prices))
    problems += [rules.KEY_UNKNOWN.format(value=key) for key in value if key not in ("aliases", "tenant_pins")]
    raw_aliases, raw_pins = value.get("aliases"), value.get("tenant_pins")
    raw_aliases, raw_pins = {} if raw_aliases is None else raw_aliases, {} if raw_pins is None else raw_pins
    if not isinstance(raw_aliases, dict) or not isinstance(raw_pins, dict):
        problems.append(rules.NOT_AN_OBJECT)
        return RoutingConfig({}, {}, dict(prices))
    aliases: dict[str, AliasRoute] = {}
    for alias, spec in raw_aliases.items():
        route = _alias_route(alias, spec, kinds, problems)
        if route is not None:
            aliases[alias] = route
    # Rules may send to a routed alias only if it has none itself: no chains, no loops.
    ruled = {a for a, spec in raw_aliases.items() if isinstance(spec, dict) and spec.get("rules")}
    for alias, route in list(aliases.items()):
        raw_rules = raw_aliases[alias].get("rules")
        checked = _rules(alias, route, raw_rules, aliases={a: r for a, r in aliases.items() if a not in ruled},
                         kinds=kinds, problems=problems)  # fmt: skip
        aliases[alias] = replace(route, rules=checked)
    pins: dict[str, dict[str, str]] = {}
    for tenant, mapping in raw_pins.items():
        if not isinstance(mapping, dict):
            problems.append(rules.PIN_UNKNOWN.format(tenant=tenant, alias="*", model=mapping))
            continue
        bad = [(a, m) for a, m in mapping.items() if not isinstance(m, str) or m not in kinds]
        problems += [rules.PIN_UNKNOWN.format(tenant=tenant, alias=a, model=m) for a, m in bad]
        if not bad:
            pins[tenant] = dict(mapping)
    return RoutingConfig(aliases, pins, dict(prices))


def _alias_route(alias: Any, spec: Any, kinds: dict[str, str], problems: list[str]) -> AliasRoute | None:
    if not isinstance(alias, str) or not ALIAS.match(alias):
        problems.append(rules.ALIAS_INVALID.format(alias=alias))
        return None
    if not isinstance(spec, dict):
        problems.append(rules.ROUTE_NOT_AN_OBJECT.format(alias=alias))
        return None
    spec = {**DEFAULTS, **{k: v for k, v in spec.items() if v is not None}}
    before = len(problems)
    strategy, sticky, raw_targets, fallbacks = spec["strategy"], spec["sticky"], spec.get("targets"), spec["fallbacks"]
    if strategy not in STRATEGIES:
        problems.append(rules.STRATEGY_UNKNOWN.format(alias=alias, value=strategy))
    if sticky not in STICKY_KEYS:
        problems.append(rules.STICKY_UNKNOWN.format(alias=alias, value=sticky))
    if not isinstance(raw_targets, list) or not 0 < len(raw_targets) <= MAX_TARGETS:
        problems.append(rules.TARGET_COUNT.format(alias=alias))
        raw_targets = []
    targets: list[Target] = []
    weights: list[Any] = []
    for raw in raw_targets:
        target = {**TARGET_DEFAULTS, **{k: v for k, v in raw.items() if v is not None}} if isinstance(raw, dict) else {}
        model, weight, ceiling = target.get("model"), target.get("weight"), target.get("max_complexity")
        weights.append(int(weight) if isinstance(weight, float) and weight.is_integer() else weight)
        ceiling = _ceiling(ceiling, alias, model, problems)
        if not isinstance(model, str) or model not in kinds:
            problems.append(rules.TARGET_UNKNOWN.format(alias=alias, model=model))
        else:
            targets.append(Target(model, weights[-1], str(target.get("arm") or model), ceiling))
    # The same rule the module checks: every weight whole and >= 0, and their sum above 0.
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights) or (
        weights and sum(w for w in weights if isinstance(w, int)) <= 0
    ):
        problems.append(rules.WEIGHTS_INVALID.format(alias=alias))
    if not isinstance(fallbacks, list):
        fallbacks = [fallbacks]
    problems += [
        rules.FALLBACK_UNKNOWN.format(alias=alias, model=f)
        for f in fallbacks
        if not isinstance(f, str) or f not in kinds
    ]
    served = {kinds.get(t.model) for t in targets} | {kinds.get(f) for f in fallbacks if isinstance(f, str)}
    if len(served - {None}) > 1:
        problems.append(rules.MIXED_KINDS.format(alias=alias))
    drain = _drain(alias, spec.get("drain_error_rate"), problems)
    if len(problems) > before:
        return None
    return AliasRoute(strategy, sticky, tuple(targets), tuple(fallbacks), drain_error_rate=drain)


def choose(
    config: RoutingConfig,
    *,
    alias: str,
    tenant: str,
    allowed: frozenset[str],
    user: str | None,
    request_id: str,
    estimated_tokens: tuple[int, int] = (1000, 500),
    features: Callable[[], RequestFeatures] | None = None,
    stats: LiveStats | None = None,
) -> Plan:
    """The plan for one request; only models in `allowed` (the tenant's allow-list) are ever chosen.

    `features` describes the request for the alias's rules and the complexity strategy (called only then; none:
    no rule holds); `stats` is the container's live window, for `lowest_latency` and `drain_error_rate` (none:
    the first target leads, nothing is drained).

    Raises
    ------
    NoRouteError
        The alias is unknown, or none of its rules, targets and fallbacks is allowed for the tenant.
    """
    route = config.aliases.get(alias)
    if route is None:
        if alias in allowed:
            return Plan((alias,), alias)
        raise NoRouteError(f"model '{alias}' is not available to this tenant")
    # Features only for an alias that looks at them: its rules, or its (or a rule target's) complexity strategy.
    request = features() if features is not None and (route.rules or route.strategy == "complexity") else None
    ask = Ask(tenant, allowed, user, request_id, estimated_tokens, request, stats)
    if route.rules and request is not None:
        for rule in route.rules:
            if not rule.when.holds(request):
                continue
            plan = _by_rule(config, rule, route, ask)
            if plan is not None:
                return plan
    return _by_strategy(config, alias, route, ask)


@dataclass(frozen=True)
class RuleVerdict:
    """One rule's part in a decision: `chose`, `target not allowed` (skipped), `did not hold`, `not reached`."""

    rule: str
    target: str
    outcome: str


def unknown_prompts(config: RoutingConfig, published: frozenset[str]) -> list[str]:
    """A problem for each prompt a rule names that the registry does not publish (such a rule never matches)."""
    return [
        rules.RULE_PROMPT_UNKNOWN.format(alias=alias, name=rule.name, value=prompt)
        for alias, route in sorted(config.aliases.items())
        for rule in route.rules
        for prompt in sorted(rule.when.prompts - published)
    ]


def explain(
    config: RoutingConfig, *, alias: str, ask: Ask, features: RequestFeatures
) -> tuple[Plan | None, tuple[RuleVerdict, ...]]:
    """What `choose` decides for this request, and each rule's part in it (no model is called); the plan is None
    when the tenant may use nothing the alias reaches."""
    route = config.aliases.get(alias)
    ask = replace(ask, request=features)
    verdicts: list[RuleVerdict] = []
    chosen: Plan | None = None
    for rule in route.rules if route else ():
        if chosen is not None:
            outcome = "not reached"
        elif not rule.when.holds(features):
            outcome = "did not hold"
        else:
            chosen = _by_rule(config, rule, route, ask) if route else None
            outcome = "chose" if chosen is not None else "target not allowed"
        verdicts.append(RuleVerdict(rule.name, rule.target, outcome))
    if chosen is None:
        try:
            chosen = _by_strategy(config, alias, route, ask) if route else choose(
                config, alias=alias, tenant=ask.tenant, allowed=ask.allowed, user=ask.user,
                request_id=ask.request_id, estimated_tokens=ask.estimated_tokens)  # fmt: skip
        except NoRouteError:
            chosen = None
    return chosen, tuple(verdicts)


def _by_rule(config: RoutingConfig, rule: Rule, route: AliasRoute, ask: Ask) -> Plan | None:
    """The rule's target (then the alias's fallbacks), or None when the tenant may use none of its models."""
    decision = rules.RULE_DECISION.format(name=rule.name)
    fallbacks = [m for m in route.fallbacks if m in ask.allowed]
    target = config.aliases.get(rule.target)
    if target is None:
        if rule.target not in ask.allowed:
            return None
        return Plan(tuple(dict.fromkeys([rule.target, *fallbacks])), rule.name, decision)
    try:
        plan = _by_strategy(config, rule.target, target, ask)
    except NoRouteError:
        return None
    return Plan(tuple(dict.fromkeys([*plan.models, *fallbacks])), plan.arm, decision)


def _by_strategy(config: RoutingConfig, alias: str, route: AliasRoute, ask: Ask) -> Plan:
    allowed = ask.allowed
    pinned = config.tenant_pins.get(ask.tenant, {}).get(alias)
    candidates = [t for t in route.targets if t.model in allowed and t.weight > 0]
    fallbacks = [m for m in route.fallbacks if m in allowed]
    if route.drain_error_rate is not None and ask.stats is not None:
        # A degrading target is tried last, before its breaker opens: kept, so it still serves if all else fails.
        threshold, stats = route.drain_error_rate, ask.stats
        healthy = [t for t in candidates if not stats.draining(t.model, threshold)]
        drained = [t.model for t in candidates if t not in healthy]
        candidates = healthy or candidates
        fallbacks = [*fallbacks, *(drained if healthy else [])]
    if pinned is not None and pinned in allowed:
        primary, decision = Target(pinned, 1, "pinned"), rules.PIN_DECISION
    elif not candidates:
        if not fallbacks:
            raise NoRouteError(f"model '{alias}' is not available to this tenant")
        return Plan(tuple(dict.fromkeys(fallbacks)), "fallback", rules.FALLBACK_DECISION)
    elif route.strategy == "cheapest":
        primary, decision = min(candidates, key=lambda t: _cost(config, t.model, ask.estimated_tokens)), route.strategy
    elif route.strategy == "complexity":
        primary, decision = _by_complexity(config, candidates, ask), route.strategy
    elif route.strategy == "lowest_latency":
        led = ask.stats.leader(alias, [t.model for t in candidates]) if ask.stats else candidates[0].model
        primary, decision = next(t for t in candidates if t.model == led), route.strategy
    else:
        key = (ask.user or ask.request_id) if route.sticky == "user" else ask.request_id
        primary, decision = weighted_pick(alias, key, [(t, t.weight) for t in candidates]), route.strategy
    rest = [t.model for t in candidates if t.model != primary.model] + fallbacks
    return Plan(tuple(dict.fromkeys([primary.model, *rest])), primary.arm, decision)


def _by_complexity(config: RoutingConfig, candidates: list[Target], ask: Ask) -> Target:
    """The cheapest target whose ceiling covers the request's score; none covering: the one that reaches highest.
    Without features (an embeddings request, say) the score is 1: the strongest target serves."""
    score = ask.request.complexity if ask.request is not None else 1.0
    covering = [t for t in candidates if t.max_complexity is None or t.max_complexity >= score]
    if covering:
        return min(covering, key=lambda t: _cost(config, t.model, ask.estimated_tokens))
    return max(candidates, key=lambda t: 1.0 if t.max_complexity is None else t.max_complexity)


def _cost(config: RoutingConfig, model: str, tokens: tuple[int, int]) -> float:
    price = config.prices.get(model)
    # A model without a price is treated as the most expensive: never chosen over a priced one.
    return price.estimate(*tokens) if price else float("inf")


def _rules(
    alias: str,
    route: AliasRoute,
    raw: Any,
    *,
    aliases: dict[str, AliasRoute],
    kinds: dict[str, str],
    problems: list[str],
) -> tuple[Rule, ...]:
    """An alias's rules, checked against the catalog and the routed aliases without rules (`aliases`); every
    problem is appended."""
    raw = [] if raw is None else raw
    if not isinstance(raw, list) or len(raw) > MAX_RULES:
        problems.append(rules.RULE_COUNT.format(alias=alias))
        return ()
    kind = kinds.get(route.targets[0].model) if route.targets else None
    parsed: list[Rule] = []
    names: set[str] = set()
    for item in raw:
        spec = {k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else {}
        name, target = spec.get("name"), spec.get("target")
        if not isinstance(name, str) or not RULE_NAME.match(name):
            problems.append(rules.RULE_NAME_INVALID.format(alias=alias, name=name))
            continue
        if name in names:
            problems.append(rules.RULE_NAME_TWICE.format(alias=alias, name=name))
        names.add(name)
        target_route = aliases.get(target) if isinstance(target, str) else None
        if not isinstance(target, str) or (target not in kinds and target_route is None):
            problems.append(rules.RULE_TARGET_UNKNOWN.format(alias=alias, name=name, model=target))
        elif target_route is not None and target_route.targets:
            if kinds.get(target_route.targets[0].model) != kind:
                problems.append(rules.RULE_TARGET_KIND.format(alias=alias, name=name, model=target))
        elif target in kinds and kinds[target] != kind:
            problems.append(rules.RULE_TARGET_KIND.format(alias=alias, name=name, model=target))
        when = _match(alias, name, spec.get("when"), problems)
        if when is not None and isinstance(target, str):
            parsed.append(Rule(name, when, target))
    return tuple(parsed)


def _match(alias: str, name: str, raw: Any, problems: list[str]) -> Match | None:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        problems.append(rules.RULE_TOKENS_INVALID.format(alias=alias, name=name))
        return None
    spec: dict[str, Any] = {**MATCH_DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    before = len(problems)
    low, high = spec["min_input_tokens"], spec["max_input_tokens"]
    bounds = [_whole(b) for b in (low, high) if b is not None]
    if any(b < 0 for b in bounds) or (len(bounds) == 2 and bounds[0] > bounds[1]):
        problems.append(rules.RULE_TOKENS_INVALID.format(alias=alias, name=name))
    formats = _strings(spec["response_formats"])
    problems += [
        rules.RULE_FORMAT_UNKNOWN.format(alias=alias, name=name, value=f) for f in formats if f not in RESPONSE_FORMATS
    ]
    headers = _pairs(spec["headers"])
    problems += [
        rules.RULE_HEADER_INVALID.format(alias=alias, name=name, value=h)
        for h, _ in headers
        if not RULE_HEADER.match(h) or h.startswith(rules.RESERVED_HEADER_PREFIXES)
    ]
    if len(problems) > before:
        return None
    return Match(
        users=frozenset(_strings(spec["users"])),
        metadata=_pairs(spec["metadata"]),
        headers=headers,
        tiers=frozenset(_strings(spec["tiers"])),
        min_input_tokens=_whole(low) if low is not None else None,
        max_input_tokens=_whole(high) if high is not None else None,
        code=_flag(spec["code"]),
        images=_flag(spec["images"]),
        tools=_flag(spec["tools"]),
        response_formats=frozenset(formats),
        prompts=frozenset(_strings(spec["prompts"])),
    )


def _drain(alias: str, value: Any, problems: list[str]) -> float | None:
    """An alias's `drain_error_rate`: None, or a number in (0, 1] (else a problem, and None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        problems.append(rules.DRAIN_INVALID.format(alias=alias))
        return None
    return float(value)


def _ceiling(value: Any, alias: str, model: Any, problems: list[str]) -> float | None:
    """A target's `max_complexity`: None, or a number from 0 to 1 (else a problem, and None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        problems.append(rules.COMPLEXITY_INVALID.format(alias=alias, model=model))
        return None
    return float(value)


def _whole(value: Any) -> int:
    """A whole number of 0 or more (a float with no fraction counts, as Terraform writes numbers); else -1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or int(value) != value:
        return -1
    return int(value)


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in value.items())) if isinstance(value, Mapping) else ()


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
