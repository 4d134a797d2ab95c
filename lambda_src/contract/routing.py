"""Routed aliases (A/B splits, cheapest-first, fallbacks) and tenant pins: fields, values and messages."""

from __future__ import annotations

from contract.catalog import MODEL_ALIAS_PATTERN
from contract.fields import Field, object_type
from contract.messages import literal

STRATEGIES = ("cheapest", "weighted")
STICKY_KEYS = ("request", "user")
MAX_TARGETS = 16

TARGET_FIELDS: tuple[Field, ...] = (
    Field("model", "string"),
    Field("weight", "number", 1),
    Field("arm", "string", None),
)
ALIAS_ROUTE_FIELDS: tuple[Field, ...] = (
    Field("strategy", "string", "weighted"),
    Field("sticky", "string", "request"),
    Field("targets", f"list({object_type(TARGET_FIELDS)})"),
    Field("fallbacks", "list(string)", []),
)
ROUTING_FIELDS: tuple[Field, ...] = (
    Field("aliases", f"map({object_type(ALIAS_ROUTE_FIELDS)})", {}),
    Field("tenant_pins", "map(map(string))", {}),
)
ROUTING_TYPE = object_type(ROUTING_FIELDS)

# Placeholders: {alias} the routed alias; {value}, {model}, {tenant} as named.
NOT_AN_OBJECT = "routing must be an object with aliases and tenant_pins"
KEY_UNKNOWN = "routing key '{value}' is unknown; expected aliases, tenant_pins"
ALIAS_INVALID = "routed alias '{alias}' is invalid; expected " + literal(MODEL_ALIAS_PATTERN)
ROUTE_NOT_AN_OBJECT = "routed alias '{alias}' must be an object with targets"
STRATEGY_UNKNOWN = "routed alias '{alias}': strategy '{value}' is unknown; expected one of: " + ", ".join(STRATEGIES)
STICKY_UNKNOWN = "routed alias '{alias}': sticky '{value}' is unknown; expected one of: " + ", ".join(STICKY_KEYS)
TARGET_COUNT = f"routed alias '{{alias}}': targets must list 1-{MAX_TARGETS} targets"
TARGET_UNKNOWN = "routed alias '{alias}': target '{model}' is not a catalog model"
WEIGHTS_INVALID = "routed alias '{alias}': target weights must be whole numbers, 0 or more, at least one above 0"
FALLBACK_UNKNOWN = "routed alias '{alias}': fallback '{model}' is not a catalog model"
MIXED_KINDS = "routed alias '{alias}' mixes models of different kinds (chat, embedding, prediction)"
PIN_UNKNOWN = "tenant pin '{tenant}' for '{alias}': '{model}' is not a catalog model"
