"""Inputs of enterprise identity: a Cognito user pool for machine clients, and IAM-authorized routes."""

from __future__ import annotations

import json

from contract.fields import Field, object_type
from contract.principals import CONFIGURED_PRINCIPAL_PATTERN
from contract.scopes import RESOURCE_SERVER_PATTERN, SCOPE_NAMES
from contract.urls import OUTBOUND_URL_PATTERN
from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import each, json_list, no_offenders

# Cognito's domain prefixes: lowercase letters, digits and hyphens; it refuses the words below in them.
DOMAIN_PREFIX_PATTERN = "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
COGNITO_FIELDS: tuple[Field, ...] = (
    Field("domain_prefix", "string"),
    Field("resource_server_identifier", "string", None),
    Field("tenant_scopes", "map(list(string))", {}),
    Field("access_token_validity_in_minutes", "number", 60),
    Field("endpoint_url", "string", None),
)
COGNITO = "var.cognito"
PRINCIPAL = json.dumps(CONFIGURED_PRINCIPAL_PATTERN)


def _cognito_rule(condition: str, message: str) -> Validation:
    """A rule that holds when the pool is off (HCL's ternary short-circuits where && does not)."""
    return Validation(f"${{{COGNITO} == null ? true : ({condition})}}", message)


VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "cognito",
        object_type(COGNITO_FIELDS),
        "A Cognito user pool for machine clients (`null`, default: none). With it, every tenant gets an app client "
        "for OAuth2's client-credentials flow whose id and secret are kept in Secrets Manager (output "
        "`cognito_client_secret_arns`; never in an output in clear), and the authorizer accepts the pool's "
        "access tokens: the app client names the tenant, and the token's scopes narrow its routes "
        f"(`{'`, `'.join(SCOPE_NAMES)}`; see the README). `domain_prefix` names the pool's token endpoint "
        "(`https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`); `resource_server_identifier` "
        "(default: `name`) prefixes the scopes; `tenant_scopes` narrows a tenant's client (default: every "
        "scope); `access_token_validity_in_minutes` is 5-1440 (default `60`). `endpoint_url` is for "
        "emulators only: where the authorizer fetches the pool's keys instead of "
        "`https://cognito-idp.<region>.amazonaws.com`. Not with `jwt_issuer`: the authorizer trusts one issuer.",
        default=None,
        nullable=True,
        validations=(
            _cognito_rule(
                f'can(regex("{DOMAIN_PREFIX_PATTERN}", {COGNITO}.domain_prefix)) && '
                f"length([for w in {json_list(RESERVED_DOMAIN_WORDS)} : w if strcontains({COGNITO}.domain_prefix, w)])"
                " == 0",
                f"cognito.domain_prefix must match {DOMAIN_PREFIX_PATTERN} and hold none of: "
                f"{', '.join(RESERVED_DOMAIN_WORDS)}.",
            ),
            _cognito_rule(
                f"{COGNITO}.resource_server_identifier == null ? true : "
                f"can(regex({json.dumps(RESOURCE_SERVER_PATTERN)}, {COGNITO}.resource_server_identifier))",
                f"cognito.resource_server_identifier must be null or match {RESOURCE_SERVER_PATTERN}.",
            ),
            _cognito_rule(
                f"{COGNITO}.access_token_validity_in_minutes >= 5 && {COGNITO}.access_token_validity_in_minutes <= 1440"
                f" && floor({COGNITO}.access_token_validity_in_minutes) == {COGNITO}.access_token_validity_in_minutes",
                "cognito.access_token_validity_in_minutes must be a whole number from 5 to 1440.",
            ),
            _cognito_rule(
                f"{COGNITO}.endpoint_url == null ? true : "
                f"can(regex({json.dumps(OUTBOUND_URL_PATTERN)}, {COGNITO}.endpoint_url))",
                "cognito.endpoint_url must be null or an https:// URL (plain http only to 127.0.0.1 or localhost).",
            ),
            no_offenders(
                f"{COGNITO} == null ? [] : flatten([for id, scopes in {COGNITO}.tenant_scopes : concat("
                "contains(keys(var.tenants), id) ? [] : "
                f"[\"cognito.tenant_scopes: '${{id}}' is not a key of tenants\"], "
                f"length(scopes) > 0 ? [] : [\"cognito.tenant_scopes: '${{id}}' needs at least one scope\"], "
                f"[for s in scopes : \"cognito.tenant_scopes: '${{id}}' names unknown scope '${{s}}'; expected one of "
                f'{", ".join(SCOPE_NAMES)}" if !contains({json_list(SCOPE_NAMES)}, s)])])'
            ),
            _cognito_rule(
                "var.jwt_issuer == null",
                "cognito and jwt_issuer cannot both be set: the authorizer trusts one token issuer.",
            ),
        ),
    ),
    VariableSpec(
        "enable_iam_routes",
        "bool",
        "Serve the router's routes again under `/iam` (`/iam/v1/chat/completions`, ...) with AWS_IAM "
        "authorization, for AWS workloads that sign requests with SigV4 instead of holding a key (default "
        "`false`). The caller's role or user must be a key of `iam_principals`, which names its tenant: "
        "budgets, allow-lists, guardrails and metrics apply as on every route. Usage plans do not (API Gateway "
        "meters API keys, and a signed request has none): the stage's throttles do.",
        default=False,
        validations=(
            Validation(
                "${!var.enable_iam_routes || length(var.iam_principals) > 0}",
                "enable_iam_routes needs iam_principals: a signed caller is served only as the tenant its "
                "principal maps to.",
            ),
        ),
    ),
    VariableSpec(
        "iam_principals",
        "map(string)",
        "IAM role and user ARNs that may call the `/iam` routes, each mapped to a tenant id (a key of "
        '`tenants`), e.g. `{"arn:aws:iam::111122223333:role/batch-scoring" = "analytics"}`. A role\'s '
        "sessions map to it (its path does not matter: API Gateway reports `assumed-role/<name>/<session>`). "
        "No wildcards. Default `{}`.",
        default={},
        validations=(
            each(
                "var.iam_principals",
                "arn, tenant",
                f"!can(regex({PRINCIPAL}, arn))",
                "iam_principals: '{arn}' is not a role or user ARN (arn:<partition>:iam::<account>:role/<name> or "
                "user/<name>, no wildcards)",
                arn="arn",
            ),
            each(
                "var.iam_principals",
                "arn, tenant",
                "!contains(keys(var.tenants), tenant)",
                "iam_principals: '{arn}' maps to '{tenant}', which is not a key of tenants",
                arn="arn",
                tenant="tenant",
            ),
            Validation(
                f"${{length(distinct([for arn in keys(var.iam_principals) : "
                f'can(regex({PRINCIPAL}, arn)) ? join("/", regex({PRINCIPAL}, arn)) : arn])) == '
                "length(var.iam_principals)}",
                "iam_principals names one role or user twice (under two paths): IAM names are unique within an "
                "account, so each maps once.",
            ),
        ),
    ),
)
