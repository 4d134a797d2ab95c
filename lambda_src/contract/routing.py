"""Routed aliases (A/B splits, cheapest-first, fallbacks, conditional rules) and tenant pins: fields, values and
messages, and the names of routing decisions (the `x-aigw-route` header and the usage record's `decision`)."""

from __future__ import annotations

from contract.catalog import MODEL_ALIAS_PATTERN
from contract.fields import Field, object_type
from contract.messages import literal

# `complexity`: the cheapest target whose `max_complexity` covers the request's score (router.complexity);
# `lowest_latency`: the target with the lowest median latency over the live window (router.live_stats).
STRATEGIES = ("cheapest", "complexity", "lowest_latency", "weighted")
# The live window (router.live_stats): its length, the attempts a figure needs, how much faster a target must be
# to take the lead, where a drained target's error rate must fall to come back, and how often a non-leader is
# tried so that its figures stay current (one decision in EXPLORE_EVERY).
WINDOW_SECONDS = 60.0
MIN_SAMPLES = 10
LATENCY_MARGIN = 0.2
RECOVERY_FACTOR = 0.5
EXPLORE_EVERY = 20
# Sharing the live window among a gateway's router containers (router.shared_stats): every this many seconds
# (0: not shared) a container adds its new attempts to the budget table's item of the period and reads the
# window's items, whose keys start with LIVE_ITEM_PREFIX.
SHARE_SECONDS_MIN = 5
SHARE_SECONDS_MAX = 60
LIVE_ITEM_PREFIX = "live#"
SHARE_SECONDS_INVALID = (
    f"live_stats_share_seconds must be 0 (not shared) or a whole number from {SHARE_SECONDS_MIN} to {SHARE_SECONDS_MAX}"
)
STICKY_KEYS = ("request", "user")
MAX_TARGETS = 16

TARGET_FIELDS: tuple[Field, ...] = (
    Field("model", "string"),
    Field("weight", "number", 1),
    Field("arm", "string", None),
    # The highest request score (0-1) the target serves under the `complexity` strategy; none: every score.
    Field("max_complexity", "number", None),
)
# A rule's conditions on the request: every condition given must hold (none given: every request).
RESPONSE_FORMATS = ("text", "json_object", "json_schema")
MAX_RULES = 32
RULE_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,62}$"
# A header a tenant's client sends to steer routing: lower case, `x-` prefixed, and none the gateway or AWS reads.
RULE_HEADER_PATTERN = "^x-[a-z0-9][a-z0-9-]{0,62}$"
RESERVED_HEADER_PREFIXES = ("x-aigw-", "x-amz-", "x-api-key", "x-forwarded-")
MATCH_FIELDS: tuple[Field, ...] = (
    Field("users", "list(string)", []),
    Field("metadata", "map(string)", {}),
    Field("headers", "map(string)", {}),
    Field("tiers", "list(string)", []),
    Field("min_input_tokens", "number", None),
    Field("max_input_tokens", "number", None),
    Field("code", "bool", None),
    Field("images", "bool", None),
    Field("tools", "bool", None),
    Field("response_formats", "list(string)", []),
    Field("prompts", "list(string)", []),
)
RULE_FIELDS: tuple[Field, ...] = (
    Field("name", "string"),
    Field("when", object_type(MATCH_FIELDS), {}),
    Field("target", "string"),
)
ALIAS_ROUTE_FIELDS: tuple[Field, ...] = (
    Field("strategy", "string", "weighted"),
    Field("sticky", "string", "request"),
    Field("targets", f"list({object_type(TARGET_FIELDS)})"),
    Field("fallbacks", "list(string)", []),
    Field("rules", f"list({object_type(RULE_FIELDS)})", []),
    # Drain a target (try it last) once its error rate over the live window reaches this; none: never.
    Field("drain_error_rate", "number", None),
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
DRAIN_INVALID = "routed alias '{alias}': drain_error_rate must be a number above 0 and at most 1"
COMPLEXITY_INVALID = "routed alias '{alias}': target '{model}': max_complexity must be a number from 0 to 1"
FALLBACK_UNKNOWN = "routed alias '{alias}': fallback '{model}' is not a catalog model"
MIXED_KINDS = "routed alias '{alias}' mixes models of different kinds (chat, embedding, prediction)"
PIN_UNKNOWN = "tenant pin '{tenant}' for '{alias}': '{model}' is not a catalog model"
RULE_COUNT = f"routed alias '{{alias}}': rules must list at most {MAX_RULES} rules"
RULE_NAME_INVALID = "routed alias '{alias}': rule name '{name}' is invalid; expected " + literal(RULE_NAME_PATTERN)
RULE_NAME_TWICE = "routed alias '{alias}': rule name '{name}' is used twice"
RULE_TARGET_UNKNOWN = (
    "routed alias '{alias}': rule '{name}' sends to '{model}', which is neither a catalog model nor a routed alias "
    "without rules"
)
RULE_TARGET_KIND = "routed alias '{alias}': rule '{name}' sends to '{model}', which serves another kind of model"
RULE_FORMAT_UNKNOWN = (
    "routed alias '{alias}': rule '{name}': response format '{value}' is unknown; expected one of: "
    + ", ".join(RESPONSE_FORMATS)
)
RULE_TOKENS_INVALID = (
    "routed alias '{alias}': rule '{name}': min_input_tokens and max_input_tokens must be whole numbers, 0 or more, "
    "the minimum at most the maximum"
)
RULE_PROMPT_UNKNOWN = "routed alias '{alias}': rule '{name}': prompt '{value}' is not a published prompt"
# Checked by the module only: the router's document does not carry the tiers.
RULE_TIER_UNKNOWN = "routed alias '{alias}': rule '{name}': tier '{value}' is not one of the tiers"
RULE_HEADER_INVALID = (
    "routed alias '{alias}': rule '{name}': header '{value}' is invalid; expected "
    + literal(RULE_HEADER_PATTERN)
    + ", not starting with "
    + ", ".join(RESERVED_HEADER_PREFIXES)
)

# What chose a request's model (the `x-aigw-route` header, the usage record's `decision`): a rule by its name,
# the alias's strategy, a tenant pin, the fallbacks alone, or a catalog model named directly.
ROUTE_HEADER = "x-aigw-route"
# The field of a routed alias's entry in `GET /v1/models`: `{"strategy": ..., "rules": [names, in order]}`.
ROUTE_INFO = "aigw"
RULE_DECISION = "rule:{name}"
PIN_DECISION = "pin"
FALLBACK_DECISION = "fallback"
MODEL_DECISION = "model"
