"""The IAM-authorized routes (`/iam/v1/...`): a SigV4 caller's principal, mapped to a tenant.

API Gateway has checked the signature and the caller's right to invoke (AWS_IAM) before
the router runs; no authorizer ran, so the router finds the tenant itself: the item the
module wrote for the caller's canonical principal (`contract.principals`), read through
a cache. Budgets, allow-lists, guardrails and metrics then apply as on every route. A
caller that maps to no tenant, or to a disabled one, is refused with 403.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

from contract import environment as env
from contract.principals import IAM_ROUTE_PREFIX, caller_key
from shared.errors import GatewayError
from shared.proxy_event import ProxyRequest, TenantContext
from shared.proxy_handler import Action, RouteTable
from shared.tenant_store import CachedTenantStore, DynamoTenantStore, StoreError, TenantStore, principal_item

# A mapping change reaches running containers within this long (and an unmapped principal is re-read sooner).
CACHE_TTL_SECONDS = 60.0

NOT_MAPPED = (
    "the caller's IAM principal maps to no tenant of this gateway; ask the platform team to add its role or user "
    "ARN to iam_principals"
)


class IamCallers:
    """Resolves a signed caller to its tenant; the store is built on the first IAM request."""

    def __init__(self, store_factory: Callable[[], TenantStore]) -> None:
        self._factory = store_factory
        self._store: TenantStore | None = None

    def tenant_of(self, request: ProxyRequest) -> TenantContext:
        """The signed caller's tenant.

        Raises
        ------
        GatewayError
            403 when the principal maps to no enabled tenant; 503 when the tenant table cannot be read.
        """
        key = caller_key(request.caller_arn, request.caller_account)
        if key is None:
            raise GatewayError(403, "principal_not_mapped", NOT_MAPPED, error_type="permission_error")
        if self._store is None:
            self._store = self._factory()
        try:
            tenant = self._store.tenant_at(principal_item(key))
        except StoreError:
            raise GatewayError(
                503, "tenant_store_unavailable", "the gateway could not read its tenants; retry later",
                error_type="server_error",
            ) from None  # fmt: skip
        if tenant is None:
            raise GatewayError(403, "principal_not_mapped", NOT_MAPPED, error_type="permission_error")
        if not tenant.enabled:
            raise GatewayError(403, "tenant_disabled", "the caller's tenant is disabled", error_type="permission_error")
        return TenantContext(
            tenant.tenant_id,
            tenant.tier,
            frozenset(tenant.allowed_models),
            daily_token_budget=tenant.daily_token_budget,
            monthly_token_budget=tenant.monthly_token_budget,
        )

    def signed(self, action: Action) -> Action:
        """`action` for a signed caller: the route without its prefix, the tenant its principal maps to."""

        def run(request: ProxyRequest) -> Any:
            tenant = self.tenant_of(request)
            return action(
                dataclasses.replace(request, route=request.route.removeprefix(IAM_ROUTE_PREFIX), tenant=tenant)
            )

        return run


def with_signed_routes(routes: RouteTable, callers: IamCallers) -> RouteTable:
    """`routes`, and each again under `/iam` for SigV4 callers (the module deploys those only when asked)."""
    signed = {
        f"{IAM_ROUTE_PREFIX}{path}": {method: callers.signed(action) for method, action in methods.items()}
        for path, methods in routes.items()
    }
    return {**routes, **signed}


def default_store() -> TenantStore:
    return CachedTenantStore(DynamoTenantStore(os.environ.get(env.TENANT_TABLE, "")), CACHE_TTL_SECONDS)
