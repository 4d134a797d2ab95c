"""The router's configuration, read once from its environment. Variable names live only here."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from router.catalog import ModelEntry, parse_models
from router.response_cache import CacheSettings
from router.routing import Price, RoutingConfig, RoutingError, parse_routing
from shared.env_settings import seconds_from_env

MODELS_ENV = "GATEWAY_MODELS"
ROUTING_ENV = "GATEWAY_ROUTING"
ENVIRONMENT_ENV = "GATEWAY_ENVIRONMENT"
BUDGET_TABLE_ENV = "GATEWAY_BUDGET_TABLE"
CACHE_TABLE_ENV = "GATEWAY_CACHE_TABLE"
RESPONSE_CACHE_ENV = "GATEWAY_RESPONSE_CACHE"
LOG_PROMPTS_ENV = "GATEWAY_LOG_PROMPTS"
DEADLINE_ENV = "GATEWAY_DEADLINE_SECONDS"
METRICS_NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
# API Gateway gives an integration 29 s; the router keeps a margin to answer with JSON.
DEFAULT_DEADLINE_SECONDS = 27.0
MAX_CACHE_TTL_SECONDS = 7 * 24 * 3600


class SettingsError(Exception):
    """The function's environment is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """What the router serves and how, parsed and validated."""

    environment: str
    models: tuple[ModelEntry, ...]
    routing: RoutingConfig = field(default_factory=lambda: RoutingConfig({}, {}, {}))
    budget_table: str | None = None
    cache_table: str | None = None
    cache: CacheSettings = field(default_factory=CacheSettings)
    log_prompts: bool = False
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    metrics_namespace: str = "AiGateway"

    @cached_property
    def by_alias(self) -> dict[str, ModelEntry]:
        return {m.alias: m for m in self.models}

    @cached_property
    def kinds(self) -> dict[str, str]:
        """Alias -> `chat` or `embedding`, catalog models and routed aliases (a route wins), once per container."""
        kinds = {m.alias: m.kind for m in self.models}
        kinds.update({a: kinds[r.targets[0].model] for a, r in self.routing.aliases.items()})
        return kinds

    def kind_of(self, alias: str) -> str | None:
        """`chat` or `embedding` for a catalog model or a routed alias; None when unknown."""
        return self.kinds.get(alias)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Parse the settings from `environ`.

        Raises
        ------
        SettingsError
            When a variable is missing or invalid; the message names it.
        """
        raw_models = environ.get(MODELS_ENV)
        if not raw_models:
            raise SettingsError(f"{MODELS_ENV} is not set; it must hold the models JSON the module writes")
        try:
            models = parse_models(raw_models)
        except ValueError as err:
            raise SettingsError(f"{MODELS_ENV}: {err}") from None
        prices = {
            m.alias: Price(m.input_price_per_1k, m.output_price_per_1k)
            for m in models
            if m.input_price_per_1k is not None and m.output_price_per_1k is not None
        }
        try:
            routing = parse_routing(environ.get(ROUTING_ENV, ""), frozenset(m.alias for m in models), prices)
        except RoutingError as err:
            raise SettingsError(f"{ROUTING_ENV}: {err}") from None
        _check_kinds(routing, {m.alias: m.kind for m in models})
        return cls(
            environment=environ.get(ENVIRONMENT_ENV, ""),
            models=models,
            routing=routing,
            budget_table=environ.get(BUDGET_TABLE_ENV) or None,
            cache_table=environ.get(CACHE_TABLE_ENV) or None,
            cache=_cache_settings(environ.get(RESPONSE_CACHE_ENV, "")),
            log_prompts=environ.get(LOG_PROMPTS_ENV, "false").lower() == "true",
            deadline_seconds=_deadline(environ),
            metrics_namespace=environ.get(METRICS_NAMESPACE_ENV) or "AiGateway",
        )


def _check_kinds(routing: RoutingConfig, kinds: dict[str, str]) -> None:
    for alias, route in routing.aliases.items():
        served = {kinds[t.model] for t in route.targets} | {kinds[f] for f in route.fallbacks}
        if len(served) > 1:
            raise SettingsError(f"{ROUTING_ENV}: alias '{alias}' mixes chat and embedding models")


def _deadline(environ: Mapping[str, str]) -> float:
    try:
        return seconds_from_env(environ, DEADLINE_ENV, DEFAULT_DEADLINE_SECONDS, 1, 900)
    except ValueError as err:
        raise SettingsError(str(err)) from None


def _cache_settings(raw: str) -> CacheSettings:
    if not raw:
        return CacheSettings()
    try:
        document = json.loads(raw)
    except ValueError:
        raise SettingsError(f"{RESPONSE_CACHE_ENV} is not JSON") from None
    if document is None:
        return CacheSettings()
    if not isinstance(document, dict):
        document = {}
    ttl, aliases, sampled = (
        document.get("ttl_seconds"),
        document.get("aliases") or [],
        document.get("cache_sampled", False),
    )
    if (
        isinstance(ttl, bool)
        or not isinstance(ttl, int | float)
        or not 0 <= ttl <= MAX_CACHE_TTL_SECONDS
        or not isinstance(aliases, list)
        or not all(isinstance(a, str) for a in aliases)
        or not isinstance(sampled, bool)
    ):
        shape = f"{{ttl_seconds: 0-{MAX_CACHE_TTL_SECONDS}, aliases: [...], cache_sampled: bool}}"
        raise SettingsError(f"{RESPONSE_CACHE_ENV} must be {shape}")
    return CacheSettings(int(ttl), frozenset(aliases), sampled)
