"""Choose the backend target for a request: weighted A/B arms, tenant pins, cheapest-first, fallbacks.

Pure: takes the parsed routing document and the request's facts, returns a plan.
The document is one validated JSON object per environment (written by the module
from its inputs), for example:

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

import hashlib
import json
from dataclasses import dataclass
from typing import Any

STRATEGIES = ("cheapest", "weighted")
STICKY_KEYS = ("request", "user")
MAX_TARGETS = 16


class RoutingError(ValueError):
    """The routing document is malformed; the message lists every problem."""


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


def parse_routing(raw: str, catalog: frozenset[str], prices: dict[str, Price] | None = None) -> RoutingConfig:
    """Parse and validate the routing document against the catalog's aliases and its price table.

    Raises
    ------
    RoutingError
        Listing every problem: unknown models or keys, bad weights or strategies.
    """
    try:
        document = json.loads(raw) if raw else {}
    except ValueError as err:
        raise RoutingError(f"routing document is not JSON: {err}") from None
    if not isinstance(document, dict):
        raise RoutingError("routing document must be a JSON object")
    problems = [
        f"routing document key {key!r} is unknown; expected aliases, tenant_pins"
        for key in document
        if key not in ("aliases", "tenant_pins")
    ]
    aliases: dict[str, AliasRoute] = {}
    raw_aliases = document.get("aliases", {})
    raw_pins = document.get("tenant_pins", {})
    if not isinstance(raw_aliases, dict) or not isinstance(raw_pins, dict):
        raise RoutingError("routing document: aliases and tenant_pins must be objects")
    for alias, spec in raw_aliases.items():
        route = _alias_route(alias, spec, catalog, problems)
        if route is not None:
            aliases[alias] = route
    pins: dict[str, dict[str, str]] = {}
    for tenant, mapping in raw_pins.items():
        if not isinstance(mapping, dict) or not all(isinstance(m, str) and m in catalog for m in mapping.values()):
            problems.append(f"tenant_pins['{tenant}'] must map aliases to catalog models")
            continue
        pins[tenant] = dict(mapping)
    if problems:
        raise RoutingError("; ".join(problems))
    return RoutingConfig(aliases, pins, dict(prices or {}))


def _alias_route(alias: str, spec: Any, catalog: frozenset[str], problems: list[str]) -> AliasRoute | None:
    where = f"aliases['{alias}']"
    if not isinstance(spec, dict):
        problems.append(f"{where} must be an object")
        return None
    strategy, sticky = spec.get("strategy", "weighted"), spec.get("sticky", "request")
    if strategy not in STRATEGIES:
        problems.append(f"{where}.strategy {strategy!r} is unknown; expected one of: {', '.join(STRATEGIES)}")
    if sticky not in STICKY_KEYS:
        problems.append(f"{where}.sticky {sticky!r} is unknown; expected one of: {', '.join(STICKY_KEYS)}")
    targets = []
    raw_targets = spec.get("targets")
    if not isinstance(raw_targets, list) or not 0 < len(raw_targets) <= MAX_TARGETS:
        problems.append(f"{where}.targets must list 1-{MAX_TARGETS} targets")
        raw_targets = []
    for index, target in enumerate(raw_targets):
        model = target.get("model") if isinstance(target, dict) else None
        weight = target.get("weight", 1) if isinstance(target, dict) else None
        if model not in catalog:
            problems.append(f"{where}.targets[{index}].model {model!r} is not a catalog model")
        elif isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
            problems.append(f"{where}.targets[{index}].weight must be a whole number >= 0")
        else:
            targets.append(Target(model, weight, str(target.get("arm") or model)))
    if targets and sum(t.weight for t in targets) == 0:
        problems.append(f"{where}.targets need a weight above 0")
    fallbacks = spec.get("fallbacks") or []
    if not isinstance(fallbacks, list) or not all(f in catalog for f in fallbacks):
        problems.append(f"{where}.fallbacks must list catalog models")
        fallbacks = []
    if strategy not in STRATEGIES or sticky not in STICKY_KEYS or not targets:
        return None
    return AliasRoute(strategy, sticky, tuple(targets), tuple(fallbacks))


def _bucket(alias: str, key: str, total: int) -> int:
    digest = hashlib.sha256(f"{alias}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % total


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
        point = _bucket(alias, key, sum(t.weight for t in candidates))
        for primary in candidates:
            if point < primary.weight:
                break
            point -= primary.weight
    rest = [t.model for t in candidates if t.model != primary.model] + fallbacks
    return Plan(tuple(dict.fromkeys([primary.model, *rest])), primary.arm)


def _cost(config: RoutingConfig, model: str, tokens: tuple[int, int]) -> float:
    price = config.prices.get(model)
    # A model without a price is treated as the most expensive: never chosen over a priced one.
    return price.estimate(*tokens) if price else float("inf")
