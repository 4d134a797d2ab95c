"""The router's configuration: a few scalars from its environment, the rest from the configuration document.

Variable names are the contract's (`contract.environment`). The document (models,
routing, response cache) is read once per container from the store the environment
names, then parsed here with every problem reported at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from contract import config_document as layout
from contract import environment as env
from contract import media
from contract import routing as routes
from contract.catalog import CHAT_KIND
from contract.messages import join_problems
from contract.metrics import DEFAULT_NAMESPACE
from router.catalog import ModelEntry, parse_models
from router.guardrails.policy import Guardrails, parse_guardrails
from router.pipeline.response_cache import CacheSettings, parse_cache_settings
from router.routing import Price, RoutingConfig, parse_routing, unknown_prompts
from shared.config_document import ConfigInvalid, ItemFetcher, document_problems, read_document
from shared.env_settings import DEFAULT_DEADLINE_SECONDS, deadline_from_env, flag_from_env
from shared.ttl_cache import TtlCache, never_expires

if TYPE_CHECKING:
    from router.prompts.registry import PromptRegistry

DEFAULT_METRICS_NAMESPACE = DEFAULT_NAMESPACE
# Distinct tenant allow-lists a container remembers (bounded: cleared when full).
MAX_REMEMBERED_ALLOW_LISTS = 1024


class SettingsError(Exception):
    """The environment or the configuration document is invalid; the message lists every problem."""


@dataclass(frozen=True)
class Settings:
    """What the router serves and how, parsed and validated."""

    models: tuple[ModelEntry, ...]
    routing: RoutingConfig = field(default_factory=lambda: RoutingConfig({}, {}, {}))
    budget_table: str | None = None
    cache_table: str | None = None
    cache: CacheSettings = field(default_factory=CacheSettings)
    # None without published prompts (their parser is imported only for a document that has some).
    prompts: PromptRegistry | None = None
    guardrails: Guardrails = field(default_factory=Guardrails)
    # Hosts whose https image URLs chat messages may name (none: data URLs only).
    image_hosts: frozenset[str] = frozenset()
    log_prompts: bool = False
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE
    # The configuration document's content address (what the function's environment named).
    config_version: str = ""
    # How often containers merge their live windows through the budget table (0: never; router.shared_stats).
    live_stats_share_seconds: int = 0

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

    @cached_property
    def _allowed_by_kind(self) -> TtlCache[frozenset[str]]:
        return TtlCache(max_entries=MAX_REMEMBERED_ALLOW_LISTS)

    def allowed_of_kind(self, allowed: frozenset[str], kind: str) -> frozenset[str]:
        """The aliases of `allowed` (a tenant's allow-list) that serve `kind`.

        Remembered per allow-list for the container's life (the catalog never changes in it):
        a tenant's list is the same on every request, and with hundreds of models filtering it
        each time would cost more than the rest of the route.
        """
        return self._allowed_by_kind.get(
            (allowed, kind), lambda: frozenset(a for a in allowed if self.kinds.get(a) == kind), never_expires
        )

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ, fetch: ItemFetcher | None = None) -> Settings:
        """Read the document the environment names and parse both.

        Raises
        ------
        SettingsError
            The environment or the document is invalid (an operator must fix the deployment).
        ConfigUnavailable
            The store could not be read now (the caller may try again).
        """
        try:
            document = read_document(environ, fetch)
        except ConfigInvalid as err:
            raise SettingsError(str(err)) from None
        return cls.from_document(document, environ)

    @classmethod
    def from_document(cls, document: Any, environ: Mapping[str, str] = os.environ) -> Settings:
        """Parse the configuration document and the environment's scalars.

        Raises
        ------
        SettingsError
            Listing every problem of both.
        """
        problems = document_problems(document)
        if not isinstance(document, dict):
            raise SettingsError(join_problems(problems))
        models = parse_models(document.get(layout.MODELS), problems)
        kinds = {m.alias: m.kind for m in models}
        prices = {
            m.alias: Price(m.input_price_per_1k, m.output_price_per_1k)
            for m in models
            if m.input_price_per_1k is not None and m.output_price_per_1k is not None
        }
        routing = parse_routing(document.get(layout.ROUTING), kinds, prices, problems)
        servable = frozenset(kinds) | frozenset(routing.aliases)
        cache = parse_cache_settings(document.get(layout.RESPONSE_CACHE), servable, problems)
        served = {**kinds, **{a: kinds.get(r.targets[0].model) for a, r in routing.aliases.items()}}
        chat = frozenset(a for a, kind in served.items() if kind == CHAT_KIND)
        prompts = None
        if document.get(layout.PROMPTS):
            from router.prompts.registry import parse_prompts

            prompts = parse_prompts(document[layout.PROMPTS], chat, problems)
        problems += unknown_prompts(routing, frozenset(prompts.prompts) if prompts else frozenset())
        guardrails = parse_guardrails(document.get(layout.GUARDRAILS), problems)
        image_hosts = _image_hosts(document.get(layout.IMAGE_URL_HOSTS), problems)
        deadline = deadline_from_env(environ, problems)
        share = _share_seconds(environ.get(env.LIVE_STATS_SHARE_SECONDS, ""), problems)
        if problems:
            raise SettingsError(join_problems(problems))
        return cls(
            models=models,
            routing=routing,
            budget_table=environ.get(env.BUDGET_TABLE) or None,
            cache_table=environ.get(env.CACHE_TABLE) or None,
            cache=cache,
            prompts=prompts,
            guardrails=guardrails,
            image_hosts=image_hosts,
            log_prompts=flag_from_env(environ, env.LOG_PROMPTS),
            deadline_seconds=deadline,
            metrics_namespace=environ.get(env.METRICS_NAMESPACE) or DEFAULT_METRICS_NAMESPACE,
            config_version=environ.get(env.CONFIG_VERSION, ""),
            live_stats_share_seconds=share,
        )


def _share_seconds(value: str, problems: list[str]) -> int:
    """0 (unset: not shared) or a whole number of seconds in the contract's range."""
    text = value.strip() or "0"
    seconds = int(text) if text.isdigit() else -1
    if seconds != 0 and not routes.SHARE_SECONDS_MIN <= seconds <= routes.SHARE_SECONDS_MAX:
        problems.append(f"{env.LIVE_STATS_SHARE_SECONDS}: {routes.SHARE_SECONDS_INVALID}")
        return 0
    return seconds


def _image_hosts(value: Any, problems: list[str]) -> frozenset[str]:
    """The document's `image_url_hosts` (null or absent: none)."""
    if value is None:
        return frozenset()
    if (
        not isinstance(value, list)
        or len(value) > media.MAX_IMAGE_HOSTS
        or not all(isinstance(h, str) and re.fullmatch(media.HOST_PATTERN, h) for h in value)
    ):
        problems.append(media.HOSTS_INVALID)
        return frozenset()
    return frozenset(value)
