"""Build the authorizer's answer: an IAM policy for this stage, the tenant context, the usage key.

Pure. The allow policy covers every method the tenant may call on this stage, not
just the one being called, because API Gateway caches the answer per identity and
reuses it for all methods (a policy for one methodArn would deny the next route).
"""

from __future__ import annotations

from typing import Any

from authorizer.credentials import MethodArn
from authorizer.tenants import Tenant

# Path parameters that name a model alias: the policy lists only the tenant's aliases there,
# so API Gateway refuses any other model with 403 before any integration runs.
MODEL_PARAMETERS = frozenset({"{model}", "{modelId}"})


def route_resources(stage: MethodArn, routes: tuple[str, ...], allowed_models: tuple[str, ...] = ()) -> list[str]:
    """`GET /v1/prompts/{name}` -> `arn:...:<api>/<stage>/GET/v1/prompts/*`; model parameters expand
    to one resource per allowed alias (none when the tenant may use no model)."""
    resources = []
    for route in routes:
        method, _, path = route.partition(" ")
        variants: list[list[str]] = [[]]
        for segment in path.strip("/").split("/"):
            if segment in MODEL_PARAMETERS:
                choices = [m for m in allowed_models if m and "*" not in m and "?" not in m]
            else:
                choices = ["*" if segment.startswith("{") else segment]
            variants = [[*v, c] for v in variants for c in choices]
        resources += [f"{stage.stage_arn}/{method}/{'/'.join(v)}" for v in variants]
    return sorted(resources)


def _policy(effect: str, resources: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}],
    }


def allow(
    tenant: Tenant, stage: MethodArn, routes: tuple[str, ...], usage_key: str, auth_method: str
) -> dict[str, Any]:
    """The answer for an authorized tenant. Context values are strings, as API Gateway requires."""
    return {
        "principalId": tenant.tenant_id,
        "policyDocument": _policy("Allow", route_resources(stage, routes, tenant.allowed_models)),
        "context": {
            "tenant_id": tenant.tenant_id,
            "tier": tenant.tier,
            # Lists can't cross into the context: comma-separated, decoded in one place (router).
            "allowed_models": ",".join(tenant.allowed_models),
            # Budgets the router enforces; "" when none.
            "monthly_token_budget": "" if tenant.monthly_token_budget is None else str(tenant.monthly_token_budget),
            "daily_token_budget": "" if tenant.daily_token_budget is None else str(tenant.daily_token_budget),
            "auth_method": auth_method,
        },
        "usageIdentifierKey": usage_key,
    }


def deny(principal: str, stage: MethodArn, reason: str) -> dict[str, Any]:
    """The answer for a known caller without rights: API Gateway turns it into 403 ACCESS_DENIED."""
    return {
        "principalId": principal,
        "policyDocument": _policy("Deny", [f"{stage.stage_arn}/*/*"]),
        "context": {"deny_reason": reason},
    }
