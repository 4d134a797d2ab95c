"""Guardrail policies: what the router checks in prompts and answers, per tier or tenant.

The `guardrails` input of `ai_gateway` holds named policies and which applies where (a
tenant's own, else its tier's, else `default_policy`); Terraform writes it into the
configuration document (`guardrails`), the router parses it at cold start. Fields,
allowed values, limits, categories and messages live here once.

A policy's steps, in order: the prompt's size in tokens, deny-listed words and topics,
injection heuristics, personal data (block, mask or log per entity type), then Amazon
Bedrock Guardrails (`ApplyGuardrail`); on the answer, personal data and Bedrock again.
A step that fails (Bedrock unreachable, a bug) refuses the request with a 503 unless the
policy's `on_error` is `allow`.
"""

from __future__ import annotations

from contract.fields import Field, object_type
from contract.messages import literal

# Entity types the PII step detects (router.guardrails.pii implements them).
PII_ENTITIES = (
    "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
    "BEARER_TOKEN", "JWT",
)  # fmt: skip
PII_ACTIONS = ("block", "mask", "log")
# What a policy with a `pii` step does with each entity type it does not name.
DEFAULT_PII_ACTIONS = {
    "EMAIL": "mask", "PHONE": "mask", "CREDIT_CARD": "mask", "IBAN": "mask", "US_SSN": "mask",
    "IP_ADDRESS": "log", "AWS_ACCESS_KEY": "block", "AWS_SECRET_KEY": "block", "BEARER_TOKEN": "block",
    "JWT": "block",
}  # fmt: skip
ON_ERROR = ("block", "allow")
CUSTOM_NAME_PATTERN = "^[A-Z][A-Z0-9_]{0,31}$"
POLICY_NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_POLICIES = 20
MAX_CUSTOM_PATTERNS = 20
MAX_PATTERN_LENGTH = 200
MAX_DENY_WORDS = 500
MAX_TOPICS = 50
DEFAULT_FLAG_AT = 0.35
DEFAULT_BLOCK_AT = 0.6
GUARDRAIL_ID_PATTERN = "^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$"
GUARDRAIL_VERSION_PATTERN = "^(([1-9][0-9]{0,7})|(DRAFT))$"

# Refusal categories (the `code` is `content_blocked`; the message names the category, never the text).
PROMPT_TOO_LARGE = "prompt_too_large"
DENIED_WORD = "denied_word"
DENIED_TOPIC = "denied_topic"
PROMPT_INJECTION = "prompt_injection"
PII = "pii"
BEDROCK_GUARDRAIL = "bedrock_guardrail"
CATEGORIES = (PROMPT_TOO_LARGE, DENIED_WORD, DENIED_TOPIC, PROMPT_INJECTION, PII, BEDROCK_GUARDRAIL)
BLOCKED_CODE = "content_blocked"
FAILED_CODE = "guardrail_unavailable"
# Where a guardrail acted.
INPUT = "input"
OUTPUT = "output"

# The module's default: on for everyone. Personal data masked before any model sees it (and restored
# in the answer), credentials refused, injection attempts refused at the default threshold, every step
# failing closed.
DEFAULT_POLICY = "standard"
DEFAULT_GUARDRAILS = {
    "default_policy": DEFAULT_POLICY,
    "policies": {DEFAULT_POLICY: {"pii": {"restore": True}, "injection": {}}},
}

CUSTOM_FIELDS: tuple[Field, ...] = (Field("pattern", "string"), Field("action", "string", "mask"))
PII_FIELDS: tuple[Field, ...] = (
    # Entity type -> action; the types left out take DEFAULT_PII_ACTIONS.
    Field("entities", "map(string)", {}),
    # Name -> a regular expression (Python syntax, no backreferences needed) and its action.
    Field("custom", f"map({object_type(CUSTOM_FIELDS)})", {}),
    # Put masked values back into the answer of the same request.
    Field("restore", "bool", False),
    # Also check the answer.
    Field("output", "bool", True),
)
INJECTION_FIELDS: tuple[Field, ...] = (
    Field("flag_at", "number", DEFAULT_FLAG_AT),
    Field("block_at", "number", DEFAULT_BLOCK_AT),
)
DENY_FIELDS: tuple[Field, ...] = (
    Field("words", "list(string)", []),
    # Topic -> the words and phrases that name it.
    Field("topics", "map(list(string))", {}),
)
BEDROCK_FIELDS: tuple[Field, ...] = (
    Field("guardrail_id", "string"),
    Field("guardrail_version", "string"),
    Field("input", "bool", True),
    Field("output", "bool", True),
)
POLICY_FIELDS: tuple[Field, ...] = (
    Field("pii", object_type(PII_FIELDS), None),
    Field("injection", object_type(INJECTION_FIELDS), None),
    Field("deny", object_type(DENY_FIELDS), None),
    Field("max_prompt_tokens", "number", None),
    Field("bedrock", object_type(BEDROCK_FIELDS), None),
    Field("on_error", "string", "block"),
)
GUARDRAILS_FIELDS: tuple[Field, ...] = (
    Field("policies", f"map({object_type(POLICY_FIELDS)})", {}),
    Field("default_policy", "string", None),
    # Tier -> policy name; tenant -> policy name (a tenant's own wins over its tier's).
    Field("tiers", "map(string)", {}),
    Field("tenants", "map(string)", {}),
)
GUARDRAILS_TYPE = object_type(GUARDRAILS_FIELDS)

# Problems with the policies (plan time and cold start).
POLICY_UNKNOWN = "guardrails: {where} names policy '{value}', which guardrails.policies does not define"
POLICY_NAME_INVALID = "guardrails.policies: name '{value}' must match " + literal(POLICY_NAME_PATTERN)
ENTITY_UNKNOWN = "guardrails.policies.{policy}.pii.entities: '{value}' is unknown; expected one of: " + ", ".join(
    PII_ENTITIES
)
ACTION_UNKNOWN = "guardrails.policies.{policy}: action '{value}' is unknown; expected one of: " + ", ".join(PII_ACTIONS)
CUSTOM_INVALID = (
    "guardrails.policies.{policy}.pii.custom: '{value}' must be named like "
    + literal(CUSTOM_NAME_PATTERN)
    + f" with a pattern of 1-{MAX_PATTERN_LENGTH} characters that compiles and matches no empty text"
)
THRESHOLDS_INVALID = (
    "guardrails.policies.{policy}.injection: flag_at and block_at must be from 0 to 1, flag_at <= block_at"
)
MAX_TOKENS_INVALID = "guardrails.policies.{policy}.max_prompt_tokens must be a whole number from 1 to 2000000"
BEDROCK_INVALID = (
    "guardrails.policies.{policy}.bedrock: guardrail_id must be a guardrail id or ARN and guardrail_version "
    "a version number or DRAFT"
)
ON_ERROR_UNKNOWN = "guardrails.policies.{policy}.on_error must be one of: " + ", ".join(ON_ERROR)
DENY_INVALID = f"guardrails.policies.{{policy}}.deny: at most {MAX_DENY_WORDS} non-empty words and {MAX_TOPICS} topics"
