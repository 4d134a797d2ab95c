"""The router's exact-match response cache settings: fields, limits and messages."""

from __future__ import annotations

from contract.fields import Field, object_type

MAX_TTL_SECONDS = 7 * 24 * 3600

FIELDS: tuple[Field, ...] = (
    Field("ttl_seconds", "number"),
    Field("aliases", "list(string)", []),
    Field("cache_sampled", "bool", False),
)
TYPE = object_type(FIELDS)

NOT_AN_OBJECT = "response_cache must be null or an object with ttl_seconds"
TTL_INVALID = f"response_cache.ttl_seconds must be a whole number from 1 to {MAX_TTL_SECONDS}"
ALIASES_INVALID = "response_cache.aliases must list model aliases"
ALIAS_UNKNOWN = "response_cache.aliases: '{alias}' is not a catalog model or routed alias"
SAMPLED_INVALID = "response_cache.cache_sampled must be true or false"
