"""Choose the backend target for a request: weighted A/B arms, tenant pins, cheapest-first, fallbacks.

Pure: takes the configuration document's parsed `routing` and the request's facts,
returns a plan. The module writes it from its `routing` input, for example:

    {"aliases": {"chat": {"strategy": "weighted", "sticky": "user",
                          "targets": [{"model": "claude-3-haiku", "weight": 90, "arm": "A"},
                                      {"model": "llama3-8b", "weight": 10, "arm": "B"}],
                          "fallbacks": ["claude-3-5-sonnet"]}},
     "tenant_pins": {"acme": {"chat": "claude-3-haiku"}}}

Every target names a model alias of the catalog; an alias that is itself a catalog
model and has no routing entry routes to itself. Prices come from the catalog
(each model's `input_price_per_1k`/`output_price_per_1k`), not from this document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contract import routing as rules
from contract.catalog import MODEL_ALIAS_PATTERN
from contract.fields import defaults
from contract.routing import MAX_TARGETS, STICKY_KEYS, STRATEGIES
from shared.sticky import weighted_pick

ALIAS = re.compile(MODEL_ALIAS_PATTERN)
DEFAULTS = defaults(rules.ALIAS_ROUTE_FIELDS)
TARGET_DEFAULTS = defaults(rules.TARGET_FIELDS)


class NoRouteError(LookupError):
    """No target of the alias may serve this tenant (unknown alias or nothing allowed)."""


@dataclass(frozen=True)
class Target:
    model: str
    weight: int
    arm: str


@dataclass(frozen=True)
class AliasRoute:
    strategy: str
    sticky: str
    targets: tuple[Target, ...]
    fallbacks: tuple[str, ...]


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


@dataclass(frozen=True)
class Plan:
    """The ordered models to try (primary first) and the A/B arm that chose the primary."""

    models: tuple[str, ...]
    arm: str


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
        model, weight = target.get("model"), target.get("weight")
        weights.append(int(weight) if isinstance(weight, float) and weight.is_integer() else weight)
        if not isinstance(model, str) or model not in kinds:
            problems.append(rules.TARGET_UNKNOWN.format(alias=alias, model=model))
        else:
            targets.append(Target(model, weights[-1], str(target.get("arm") or model)))
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
    if len(problems) > before:
        return None
    return AliasRoute(strategy, sticky, tuple(targets), tuple(fallbacks))


def choose(
    config: RoutingConfig,
    *,
    alias: str,
    tenant: str,
    allowed: frozenset[str],
    user: str | None,
    request_id: str,
    estimated_tokens: tuple[int, int] = (1000, 500),
) -> Plan:
    """The plan for one request; only models in `allowed` (the tenant's allow-list) are ever chosen.

    Raises
    ------
    NoRouteError
        The alias is unknown, or none of its targets and fallbacks is allowed for the tenant.
    """
    route = config.aliases.get(alias)
    pinned = config.tenant_pins.get(tenant, {}).get(alias)
    if route is None:
        if alias in allowed:
            return Plan((alias,), alias)
        raise NoRouteError(f"model '{alias}' is not available to this tenant")
    candidates = [t for t in route.targets if t.model in allowed and t.weight > 0]
    fallbacks = [m for m in route.fallbacks if m in allowed]
    if pinned is not None and pinned in allowed:
        primary = Target(pinned, 1, "pinned")
    elif not candidates:
        if not fallbacks:
            raise NoRouteError(f"model '{alias}' is not available to this tenant")
        return Plan(tuple(dict.fromkeys(fallbacks)), "fallback")
    elif route.strategy == "cheapest":
        primary = min(candidates, key=lambda t: _cost(config, t.model, estimated_tokens))
    else:
        key = (user or request_id) if route.sticky == "user" else request_id
        primary = weighted_pick(alias, key, [(t, t.weight) for t in candidates])
    rest = [t.model for t in candidates if t.model != primary.model] + fallbacks
    return Plan(tuple(dict.fromkeys([primary.model, *rest])), primary.arm)


def _cost(config: RoutingConfig, model: str, tokens: tuple[int, int]) -> float:
    price = config.prices.get(model)
    # A model without a price is treated as the most expensive: never chosen over a priced one.
    return price.estimate(*tokens) if price else float("inf")
