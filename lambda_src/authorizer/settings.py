"""The authorizer's configuration, read once from its environment (variable names: `contract.environment`)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import NamedTuple

from authorizer.jwt import ClaimRules
from contract import environment as env
from contract.scopes import RESOURCE_SERVER_PATTERN
from shared.env_settings import seconds_from_env

TENANT_TABLE_ENV = env.TENANT_TABLE
ROUTES_ENV = env.ROUTES
TENANT_CACHE_TTL_ENV = env.TENANT_CACHE_TTL_SECONDS
JWT_ISSUER_ENV = env.JWT_ISSUER
JWT_AUDIENCE_ENV = env.JWT_AUDIENCE
JWT_JWKS_URL_ENV = env.JWT_JWKS_URL
JWT_TENANT_CLAIM_ENV = env.JWT_TENANT_CLAIM
JWKS_TTL_ENV = env.JWKS_TTL_SECONDS
COGNITO_RESOURCE_SERVER_ENV = env.COGNITO_RESOURCE_SERVER
# Cognito's `token_use` of access tokens (its ID tokens say `id` and are not accepted).
ACCESS_TOKEN_USE = "access"  # noqa: S105 - a claim value, not a secret


class SettingsError(Exception):
    """A variable is missing or malformed; the message names it."""


class JwtSettings(NamedTuple):
    rules: ClaimRules
    jwks_url: str
    tenant_claim: str
    jwks_ttl_seconds: float
    # A Cognito pool's resource server: its access tokens name a tenant's app client and carry its scopes.
    # None: an OIDC issuer whose tokens name the tenant in `tenant_claim`.
    resource_server: str | None = None


class Settings(NamedTuple):
    tenant_table: str
    routes: tuple[str, ...]
    tenant_cache_ttl_seconds: float
    jwt: JwtSettings | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        table = environ.get(TENANT_TABLE_ENV, "")
        if not table:
            raise SettingsError(f"{TENANT_TABLE_ENV} is not set")
        try:
            routes = json.loads(environ.get(ROUTES_ENV, ""))
        except ValueError:
            raise SettingsError(f'{ROUTES_ENV} must be a JSON list of "METHOD /path" strings') from None
        if not isinstance(routes, list) or not routes or not all(isinstance(r, str) and " /" in r for r in routes):
            raise SettingsError(f'{ROUTES_ENV} must be a non-empty JSON list of "METHOD /path" strings')
        return cls(table, tuple(routes), _seconds(environ, TENANT_CACHE_TTL_ENV, 60), _jwt(environ))


def _jwt(environ: Mapping[str, str]) -> JwtSettings | None:
    issuer = environ.get(JWT_ISSUER_ENV, "")
    if not issuer:
        return None
    audience, url = environ.get(JWT_AUDIENCE_ENV, ""), environ.get(JWT_JWKS_URL_ENV, "")
    resource_server = environ.get(COGNITO_RESOURCE_SERVER_ENV, "") or None
    if resource_server is not None and not re.fullmatch(RESOURCE_SERVER_PATTERN, resource_server):
        raise SettingsError(f"{COGNITO_RESOURCE_SERVER_ENV} must match {RESOURCE_SERVER_PATTERN}")
    if not url or (resource_server is None and not audience):
        raise SettingsError(f"{JWT_ISSUER_ENV} needs {JWT_JWKS_URL_ENV}, and {JWT_AUDIENCE_ENV} unless Cognito's")
    # Cognito's access tokens have no aud: their client_id must be a tenant's app client instead.
    rules = (
        ClaimRules(issuer=issuer, audience=audience)
        if resource_server is None
        else ClaimRules(issuer=issuer, audience=None, token_use=ACCESS_TOKEN_USE)
    )
    return JwtSettings(
        rules=rules,
        jwks_url=url,
        tenant_claim=environ.get(JWT_TENANT_CLAIM_ENV, "") or "tenant",
        jwks_ttl_seconds=_seconds(environ, JWKS_TTL_ENV, 3600),
        resource_server=resource_server,
    )


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        return seconds_from_env(environ, name, default, 0, 86400)
    except ValueError as err:
        raise SettingsError(str(err)) from None
