"""Build the authorizer's answer: an IAM policy for this stage, the tenant context, the usage key.

Pure. The allow policy covers every method the tenant may call on this stage, not
just the one being called, because API Gateway caches the answer per identity and
reuses it for all methods (a policy for one methodArn would deny the next route).
A direct route's model parameter expands to the tenant's aliases of that route's
provider only, and to none for a tenant with a token budget (the tenant item says
which, `contract.tenancy`): API Gateway answers 403 before any model is called.
"""

from __future__ import annotations

from typing import Any

from authorizer.credentials import MethodArn
from contract import tenancy
from contract.routes import MODEL_PATH_PARAMETERS
from shared.tenant_store import Tenant

# Path parameters that name a model alias: the policy lists only the tenant's aliases there,
# so API Gateway refuses any other model with 403 before any integration runs.
MODEL_PARAMETERS = {f"{{{name}}}": name for name in MODEL_PATH_PARAMETERS}


def route_resources(stage: MethodArn, routes: tuple[str, ...], tenant: Tenant) -> list[str]:
    """`GET /v1/prompts/{name}` -> `arn:...:<api>/<stage>/GET/v1/prompts/*`; model parameters expand
    to one resource per alias the tenant may name there (none: the route is not in the policy)."""
    resources = []
    for route in routes:
        method, _, path = route.partition(" ")
        variants: list[list[str]] = [[]]
        for segment in path.strip("/").split("/"):
            if segment in MODEL_PARAMETERS:
                models = tenant.direct_models_of(MODEL_PARAMETERS[segment])
                choices = [m for m in models if m and "*" not in m and "?" not in m]
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
    tenant: Tenant, stage: MethodArn, routes: tuple[str, ...], usage_key: str, auth_method: str, *, note: str = ""
) -> dict[str, Any]:
    """The answer for an authorized tenant, for `routes`. Context values are strings, as API Gateway requires;
    `note` is what a refusal of any other route appends to its message (`contract.tenancy.CONTEXT_ACCESS_NOTE`)."""
    return {
        "principalId": tenant.tenant_id,
        "policyDocument": _policy("Allow", route_resources(stage, routes, tenant)),
        "context": {
            tenancy.CONTEXT_TENANT_ID: tenant.tenant_id,
            tenancy.CONTEXT_TIER: tenant.tier,
            # Lists and optional numbers can't cross into the context as such: the contract encodes them.
            tenancy.CONTEXT_ALLOWED_MODELS: tenancy.encode_list(tenant.allowed_models),
            tenancy.CONTEXT_MONTHLY_TOKEN_BUDGET: tenancy.encode_count(tenant.monthly_token_budget),
            tenancy.CONTEXT_DAILY_TOKEN_BUDGET: tenancy.encode_count(tenant.daily_token_budget),
            tenancy.CONTEXT_AUTH_METHOD: auth_method,
            tenancy.CONTEXT_ACCESS_NOTE: note,
        },
        "usageIdentifierKey": usage_key,
    }


def deny(principal: str, stage: MethodArn, reason: str, note: str = "") -> dict[str, Any]:
    """The answer for a known caller without rights: API Gateway turns it into 403 ACCESS_DENIED, whose
    message ends with `note`."""
    return {
        "principalId": principal,
        "policyDocument": _policy("Deny", [f"{stage.stage_arn}/*/*"]),
        "context": {tenancy.CONTEXT_DENY_REASON: reason, tenancy.CONTEXT_ACCESS_NOTE: note},
    }
