"""Authorizer Lambda entry point: a REQUEST authorizer for every method of the gateway.

Cold start budget: the standard library, powertools' Logger and this package.
boto3 is imported only when the first lookup misses the in-memory caches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from authorizer.api_keys import ApiKeyResolver
from authorizer.credentials import CredentialError, credential_of, parse_method_arn
from authorizer.decision import Authority, Unauthorized
from authorizer.jwks import JwksCache
from authorizer.settings import Settings
from authorizer.tenants import CachedTenantStore, DynamoTenantStore

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="authorizer")
settings = Settings.from_env()
authority = Authority(
    settings=settings,
    tenants=CachedTenantStore(DynamoTenantStore(settings.tenant_table), settings.tenant_cache_ttl_seconds),
    jwks=JwksCache(settings.jwt.jwks_url, settings.jwt.jwks_ttl_seconds) if settings.jwt else None,
    key_values=ApiKeyResolver(settings.tenant_cache_ttl_seconds),
)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return an IAM policy and tenant context, or raise `Unauthorized` (401)."""
    request_id = _request_id(event)
    try:
        stage = parse_method_arn(event.get("methodArn") if isinstance(event, dict) else None)
        decision = authority.decide(credential_of(event), stage)
    except (CredentialError, Unauthorized) as err:
        logger.info("unauthorized", extra={"request_id": request_id, "reason": getattr(err, "reason", str(err))})
        raise Unauthorized(str(err)) from None
    logger.info(
        decision.outcome,
        extra={
            "request_id": request_id,
            "tenant_id": decision.tenant_id,
            "auth_method": decision.auth_method,
            "reason": decision.reason,
        },
    )
    return decision.response


def _request_id(event: Any) -> str:
    context = event.get("requestContext") if isinstance(event, dict) else None
    value = context.get("requestId") if isinstance(context, dict) else None
    return value[:128] if isinstance(value, str) else "-"
