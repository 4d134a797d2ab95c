"""Decide who the caller is and what they may do; the handler only wires this to AWS.

Deny by default: every path that does not end in a positive identification of an
enabled tenant ends in 401 (unknown) or 403 (known, without rights).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Protocol

from authorizer import policy
from authorizer.credentials import Credential, MethodArn
from authorizer.jwt import PublicKey, TokenError, header_of, verify_token
from authorizer.settings import JwtSettings, Settings
from contract import tenancy
from contract.scopes import SCOPE_SEPARATOR, SCOPES, qualified, scope_of
from shared.tenant_store import Tenant, TenantStore, client_item, key_item, tenant_item

# Cognito's app client ids (`[\w+]+`, 26 characters in practice); anything else names no client.
CLIENT_ID = re.compile(r"[A-Za-z0-9_+]{1,128}", re.ASCII)
MAX_SCOPE_CLAIM_LENGTH = 4096


class Unauthorized(Exception):
    """Raised to make API Gateway answer 401: its message must be exactly `Unauthorized`."""

    def __init__(self, reason: str) -> None:
        super().__init__("Unauthorized")
        self.reason = reason


class KeySource(Protocol):
    def keys_for(self, kid: str) -> dict[str, PublicKey]: ...


class KeyValues(Protocol):
    def value_of(self, api_key_id: str) -> str: ...


class Decision(NamedTuple):
    """The authorizer's answer and what to log about it (no secrets)."""

    response: dict[str, Any]
    outcome: str  # "allow" or "deny"
    tenant_id: str
    auth_method: str
    reason: str = ""


def _deny(tenant_id: str, stage: MethodArn, auth_method: str, reason: str, note: str = "") -> Decision:
    return Decision(policy.deny(tenant_id, stage, reason, note), "deny", tenant_id, auth_method, reason)


def _enabled_or_deny(tenant: Tenant, stage: MethodArn, auth_method: str) -> Decision | None:
    if tenant.enabled:
        return None
    return _deny(tenant.tenant_id, stage, auth_method, "tenant_disabled", ": the tenant is disabled")


def scope_note(resource_server: str, missing: list[str]) -> str:
    """What a refused route's 403 says: the scopes the token lacks and the methods each one opens."""
    needed = {qualified(resource_server, s.name): "/".join(s.methods) for s in SCOPES}
    listed = ", ".join(f"{name} (needed by {needed[name]} routes)" for name in missing)
    return f": the token's scopes do not include {listed}"


class Authority(NamedTuple):
    """What the authorizer consults: its settings, the tenant store, the issuer's keys, key values."""

    settings: Settings
    tenants: TenantStore
    jwks: KeySource | None
    key_values: KeyValues

    def decide(self, credential: Credential, stage: MethodArn) -> Decision:
        """Authorize `credential` for `stage`.

        Raises
        ------
        Unauthorized
            The credential identifies no tenant (401).
        """
        if credential.kind == "api_key":
            return self._by_api_key(credential, stage)
        return self._by_jwt(credential, stage)

    def _by_api_key(self, credential: Credential, stage: MethodArn) -> Decision:
        tenant = self.tenants.tenant_at(key_item(credential.value))
        if tenant is None:
            raise Unauthorized("unknown API key")
        denied = _enabled_or_deny(tenant, stage, tenancy.AUTH_API_KEY)
        if denied:
            return denied
        response = policy.allow(tenant, stage, self.settings.routes, credential.value, tenancy.AUTH_API_KEY)
        return Decision(response, "allow", tenant.tenant_id, tenancy.AUTH_API_KEY)

    def _by_jwt(self, credential: Credential, stage: MethodArn) -> Decision:
        jwt = self.settings.jwt
        if jwt is None or self.jwks is None:
            raise Unauthorized("JWT presented but OIDC is not configured")
        try:
            kid = header_of(credential.value)["kid"]
            claims = verify_token(credential.value, self.jwks.keys_for(kid), jwt.rules)
        except TokenError as err:
            raise Unauthorized(str(err)) from None
        if jwt.resource_server is not None:
            return self._by_cognito_client(claims, jwt.resource_server, stage)
        return self._by_tenant_claim(claims, jwt, stage)

    def _by_tenant_claim(self, claims: dict[str, Any], jwt: JwtSettings, stage: MethodArn) -> Decision:
        tenant_id = claims.get(jwt.tenant_claim)
        if not isinstance(tenant_id, str) or not tenant_id or len(tenant_id) > 128:
            raise Unauthorized(f"token has no usable {jwt.tenant_claim} claim")
        tenant = self.tenants.tenant_at(tenant_item(tenant_id))
        if tenant is None:
            raise Unauthorized("token names an unknown tenant")
        return self._allow_token(tenant, stage, self.settings.routes, tenancy.AUTH_JWT)

    def _by_cognito_client(self, claims: dict[str, Any], resource_server: str, stage: MethodArn) -> Decision:
        """A Cognito access token: its app client is a tenant's, and its scopes narrow the tenant's routes."""
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
            raise Unauthorized("token has no usable client_id claim")
        tenant = self.tenants.tenant_at(client_item(client_id))
        if tenant is None:
            raise Unauthorized("token names an app client of no tenant")
        scope = claims.get("scope", "")
        if not isinstance(scope, str) or len(scope) > MAX_SCOPE_CLAIM_LENGTH:
            raise Unauthorized("token has an unusable scope claim")
        granted = set(scope.split(SCOPE_SEPARATOR))
        routes = self.settings.routes
        needed = {route: qualified(resource_server, scope_of(route)) for route in routes}
        missing = sorted(set(needed.values()) - granted)
        note = scope_note(resource_server, missing) if missing else ""
        covered = tuple(route for route in routes if needed[route] in granted)
        if not covered:
            denied = _enabled_or_deny(tenant, stage, tenancy.AUTH_COGNITO)
            return denied or _deny(tenant.tenant_id, stage, tenancy.AUTH_COGNITO, "insufficient_scope", note)
        return self._allow_token(tenant, stage, covered, tenancy.AUTH_COGNITO, note)

    def _allow_token(
        self, tenant: Tenant, stage: MethodArn, routes: tuple[str, ...], auth_method: str, note: str = ""
    ) -> Decision:
        """A token's tenant: allowed with its usage-plan key (which API Gateway meters), if enabled and keyed."""
        denied = _enabled_or_deny(tenant, stage, auth_method)
        if denied:
            return denied
        if tenant.api_key_id is None:
            return _deny(
                tenant.tenant_id, stage, auth_method, "no_usage_plan_key", ": the tenant has no usage plan key"
            )
        usage_key = self.key_values.value_of(tenant.api_key_id)
        response = policy.allow(tenant, stage, routes, usage_key, auth_method, note=note)
        return Decision(response, "allow", tenant.tenant_id, auth_method)
