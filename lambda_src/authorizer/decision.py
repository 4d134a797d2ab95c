"""Decide who the caller is and what they may do; the handler only wires this to AWS.

Deny by default: every path that does not end in a positive identification of an
enabled tenant ends in 401 (unknown) or 403 (known, without rights).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from authorizer import policy
from authorizer.credentials import Credential, MethodArn
from authorizer.jwt import PublicKey, TokenError, header_of, verify_token
from authorizer.settings import Settings
from authorizer.tenants import Tenant, TenantStore, key_hash


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


def _enabled_or_deny(tenant: Tenant, stage: MethodArn, auth_method: str) -> Decision | None:
    if tenant.enabled:
        return None
    return Decision(
        policy.deny(tenant.tenant_id, stage, "tenant_disabled"),
        "deny",
        tenant.tenant_id,
        auth_method,
        "tenant_disabled",
    )


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
        tenant = self.tenants.by_key_hash(key_hash(credential.value))
        if tenant is None:
            raise Unauthorized("unknown API key")
        denied = _enabled_or_deny(tenant, stage, "api_key")
        if denied:
            return denied
        response = policy.allow(tenant, stage, self.settings.routes, credential.value, "api_key")
        return Decision(response, "allow", tenant.tenant_id, "api_key")

    def _by_jwt(self, credential: Credential, stage: MethodArn) -> Decision:
        jwt = self.settings.jwt
        if jwt is None or self.jwks is None:
            raise Unauthorized("JWT presented but OIDC is not configured")
        try:
            kid = header_of(credential.value)["kid"]
            claims = verify_token(credential.value, self.jwks.keys_for(kid), jwt.rules)
        except TokenError as err:
            raise Unauthorized(str(err)) from None
        tenant_id = claims.get(jwt.tenant_claim)
        if not isinstance(tenant_id, str) or not tenant_id or len(tenant_id) > 128:
            raise Unauthorized(f"token has no usable {jwt.tenant_claim} claim")
        tenant = self.tenants.by_tenant_id(tenant_id)
        if tenant is None:
            raise Unauthorized("token names an unknown tenant")
        denied = _enabled_or_deny(tenant, stage, "jwt")
        if denied:
            return denied
        if tenant.api_key_id is None:
            reason = "no_usage_plan_key"
            return Decision(policy.deny(tenant_id, stage, reason), "deny", tenant_id, "jwt", reason)
        usage_key = self.key_values.value_of(tenant.api_key_id)
        return Decision(policy.allow(tenant, stage, self.settings.routes, usage_key, "jwt"), "allow", tenant_id, "jwt")
