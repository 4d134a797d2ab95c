"""Tenants: their ids, the tenant table's items, and the authorizer context that carries them to integrations.

API Gateway passes authorizer context values as strings only, so lists and optional
numbers are encoded here and decoded here, nowhere else.
"""

from __future__ import annotations

from contract.fields import Field, object_type
from contract.tables import HASH_KEY

TENANT_ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$"
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")

TIER_FIELDS: tuple[Field, ...] = (
    Field("throttle_rate_limit", "number"),
    Field("throttle_burst_limit", "number"),
    Field("quota_limit", "number", None),
    Field("quota_period", "string", "MONTH"),
)
TIERS_TYPE = f"map({object_type(TIER_FIELDS)})"
TENANT_FIELDS: tuple[Field, ...] = (
    Field("tier", "string"),
    Field("allowed_models", "list(string)"),
    Field("monthly_token_budget", "number", None),
    Field("daily_token_budget", "number", None),
    Field("throttle_rate_limit", "number", None),
    Field("throttle_burst_limit", "number", None),
    Field("enabled", "bool", True),
)
TENANTS_TYPE = f"map({object_type(TENANT_FIELDS)})"

# Tenant table items (written by Terraform from the `tenants` input, read by the authorizer).
TABLE_HASH_KEY = HASH_KEY
KEY_ITEM_PREFIX = "key#"  # followed by the SHA-256 (hex) of the API key, never the key
TENANT_ITEM_PREFIX = "tenant#"  # followed by the tenant id
CLIENT_ITEM_PREFIX = "client#"  # followed by the id of the tenant's Cognito app client
PRINCIPAL_ITEM_PREFIX = "principal#"  # followed by an IAM principal's canonical ARN (contract.principals)
ITEM_TENANT_ID = "tenant_id"
ITEM_TIER = "tier"
ITEM_ALLOWED_MODELS = "allowed_models"
ITEM_ENABLED = "enabled"
ITEM_API_KEY_ID = "api_key_id"
ITEM_DAILY_TOKEN_BUDGET = "daily_token_budget"
ITEM_MONTHLY_TOKEN_BUDGET = "monthly_token_budget"
# Followed by a direct route's model path parameter (`contract.routes`): the tenant's aliases of that
# route's provider, joined. Empty for a tenant with a token budget: the direct routes call models
# without the router, so nothing would meter them (README, "Token budgets").
ITEM_DIRECT_MODELS_PREFIX = "direct_models_"


def direct_models_attribute(parameter: str) -> str:
    """The tenant item attribute holding the aliases a direct route's `parameter` may name."""
    return ITEM_DIRECT_MODELS_PREFIX + parameter


# Authorizer context fields (`$context.authorizer.<field>` in VTL, `requestContext.authorizer` in Lambdas).
CONTEXT_TENANT_ID = "tenant_id"
CONTEXT_TIER = "tier"
CONTEXT_ALLOWED_MODELS = "allowed_models"
CONTEXT_DAILY_TOKEN_BUDGET = "daily_token_budget"
CONTEXT_MONTHLY_TOKEN_BUDGET = "monthly_token_budget"
CONTEXT_AUTH_METHOD = "auth_method"
CONTEXT_DENY_REASON = "deny_reason"
# Appended to API Gateway's ACCESS_DENIED message (empty, or starting with ": "): why this caller is refused
# what it is refused, e.g. the scope its token lacks. Only characters that need no JSON escaping.
CONTEXT_ACCESS_NOTE = "access_note"
# How the caller proved who it is (`auth_method`).
AUTH_API_KEY = "api_key"
AUTH_JWT = "jwt"
AUTH_COGNITO = "cognito"
AUTH_IAM = "iam"
# Lists travel joined by this separator; model aliases never contain it (catalog.MODEL_ALIAS_PATTERN).
LIST_SEPARATOR = ","


def encode_list(values: tuple[str, ...] | list[str]) -> str:
    """A list as one context string: `a,b,c` (empty list: ``)."""
    return LIST_SEPARATOR.join(values)


def split_list(text: object) -> tuple[str, ...]:
    """The values a joined string holds, in order; anything that is not a string holds none."""
    return tuple(v for v in text.split(LIST_SEPARATOR) if v) if isinstance(text, str) else ()


def decode_list(text: object) -> frozenset[str]:
    """The set of values a context string holds."""
    return frozenset(split_list(text))


def encode_count(value: int | None) -> str:
    """An optional whole number as a context string (`""` for none)."""
    return "" if value is None else str(value)


def decode_count(text: object) -> int | None:
    """A whole number from a context string; `""`, absent or anything else: none."""
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else None
