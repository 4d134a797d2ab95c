"""Authorizer Lambda entry point: a REQUEST authorizer for every method of the gateway.

Cold start budget: the standard library and this package (structured logs through
`shared.json_log`, not powertools). boto3 is imported only when the first lookup
misses the in-memory caches.

API Gateway answers 500 for anything a REQUEST authorizer raises other than
`Unauthorized`: the handler's last-resort guard turns every other failure into 401,
so an event, however malformed, gets Allow, Deny or 401 and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authorizer.api_keys import ApiKeyResolver
from authorizer.credentials import CredentialError, credential_of, parse_method_arn
from authorizer.decision import Authority, Unauthorized
from authorizer.jwks import JwksCache
from authorizer.settings import Settings
from shared.json_log import JsonLogger
from shared.tenant_store import CachedTenantStore, DynamoTenantStore

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = JsonLogger(service="authorizer")
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
    except Exception:  # the last resort: nothing else may escape, or API Gateway answers 500
        logger.exception("authorizer failed", extra={"request_id": request_id})
        raise Unauthorized("the authorizer failed") from None
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
