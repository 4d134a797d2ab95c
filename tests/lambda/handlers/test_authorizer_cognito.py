"""The authorizer with a Cognito user pool: access tokens name a tenant's app client, scopes narrow its routes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from authorizer.decision import Unauthorized
from tests.conftest import FakeLambdaContext
from tests.support.authorizer_harness import load_authorizer
from tests.support.tenant_table import TABLE, create_tenant_table, put_tenant
from tests.support.tokens import Signer

POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Gateway1"
RESOURCE_SERVER = "aigw-test"
ROUTES = ["GET /v1/models", "GET /v1/models/{modelAlias}", "POST /v1/chat/completions", "POST /v1/predict/{model}"]
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev"
ACME_CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
READER_CLIENT = "7kq2m1r8s0t9u3v4w5x6y7z8ab"
GLOBEX_CLIENT = "1a2b3c4d5e6f7g8h9i0j1k2l3m"
BOTH = f"{RESOURCE_SERVER}/models.read {RESOURCE_SERVER}/inference"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch, signer: Signer, aws_credentials: None) -> Iterator[ModuleType]:
    monkeypatch.setenv("GATEWAY_TENANT_TABLE", TABLE)
    monkeypatch.setenv("GATEWAY_ROUTES", json.dumps(ROUTES))
    monkeypatch.setenv("GATEWAY_JWT_ISSUER", POOL_ISSUER)
    monkeypatch.setenv("GATEWAY_JWT_JWKS_URL", f"{POOL_ISSUER}/.well-known/jwks.json")
    monkeypatch.setenv("GATEWAY_COGNITO_RESOURCE_SERVER", RESOURCE_SERVER)
    with mock_aws():
        dynamodb = create_tenant_table()
        key_id = boto3.client("apigateway").create_api_key(name="acme", value="acmeKEY0123456789abcdefghijk")["id"]
        for client in (ACME_CLIENT, READER_CLIENT):
            put_tenant(dynamodb, f"client#{client}", tenant_id="acme", allowed_models=["claude"], api_key_id=key_id)
        put_tenant(dynamodb, f"client#{GLOBEX_CLIENT}", tenant_id="globex", enabled=False, api_key_id=key_id)
        yield load_authorizer(signer)


def access_token(signer: Signer, **overrides: Any) -> str:
    """A client-credentials access token as Cognito issues it (no aud; client_id, scope, token_use)."""
    now = int(time.time())
    claims = {
        "sub": ACME_CLIENT,
        "token_use": "access",
        "scope": BOTH,
        "auth_time": now,
        "iss": POOL_ISSUER,
        "exp": now + 3600,
        "iat": now,
        "version": 2,
        "jti": "6f1e0c3a",
        "client_id": ACME_CLIENT,
        **overrides,
    }
    return signer.token(claims={k: v for k, v in claims.items() if v is not None})


def invoke(module: ModuleType, token: str, route: str = "GET/v1/models") -> dict[str, Any]:
    event = {
        "type": "REQUEST",
        "methodArn": f"{STAGE}/{route}",
        "headers": {"Authorization": f"Bearer {token}"},
        "requestContext": {"requestId": "req-1"},
    }
    answer: dict[str, Any] = module.handler(event, FakeLambdaContext())
    return answer


def resources(answer: dict[str, Any]) -> list[str]:
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    return [r.removeprefix(f"{STAGE}/") for r in statement["Resource"]]


def test_a_client_with_both_scopes_gets_every_route_of_its_tenant(authorizer: ModuleType, signer: Signer) -> None:
    answer = invoke(authorizer, access_token(signer))
    assert resources(answer) == ["GET/v1/models", "GET/v1/models/*", "POST/v1/chat/completions"]
    assert answer["context"]["tenant_id"] == "acme"
    assert answer["context"]["auth_method"] == "cognito"
    assert answer["context"]["access_note"] == ""
    assert answer["usageIdentifierKey"] == "acmeKEY0123456789abcdefghijk"


def test_a_read_only_client_gets_the_get_routes_and_a_note_naming_the_missing_scope(
    authorizer: ModuleType, signer: Signer
) -> None:
    token = access_token(signer, client_id=READER_CLIENT, sub=READER_CLIENT, scope=f"{RESOURCE_SERVER}/models.read")
    answer = invoke(authorizer, token, "POST/v1/chat/completions")
    # The policy is the identity's for every route (API Gateway caches it): POST routes are not in it.
    assert resources(answer) == ["GET/v1/models", "GET/v1/models/*"]
    assert answer["context"]["access_note"] == (
        ": the token's scopes do not include aigw-test/inference (needed by POST routes)"
    )


def test_a_token_with_no_gateway_scope_is_denied_naming_every_missing_scope(
    authorizer: ModuleType, signer: Signer
) -> None:
    # What Cognito's user-password flows give: the user pool's own scope, none of the resource server's.
    answer = invoke(authorizer, access_token(signer, scope="aws.cognito.signin.user.admin"))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert answer["context"]["deny_reason"] == "insufficient_scope"
    assert answer["context"]["access_note"] == (
        ": the token's scopes do not include aigw-test/inference (needed by POST routes), "
        "aigw-test/models.read (needed by GET routes)"
    )
    assert "usageIdentifierKey" not in answer


def test_a_disabled_tenants_client_is_denied(authorizer: ModuleType, signer: Signer) -> None:
    answer = invoke(authorizer, access_token(signer, client_id=GLOBEX_CLIENT))
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert answer["context"]["deny_reason"] == "tenant_disabled"
    assert answer["context"]["access_note"] == ": the tenant is disabled"


@pytest.mark.parametrize(
    "overrides",
    [
        {"token_use": "id", "aud": ACME_CLIENT},  # an ID token, even of a tenant's client
        {"token_use": None},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"},
        {"client_id": "unknownclient0000000000000"},
        {"client_id": None, "tenant": "acme"},  # the OIDC claim does not count in Cognito mode
        {"client_id": "acme client"},
        {"client_id": "x" * 129},
        {"client_id": ["3n4b5urk1ft4fl3mg5e62d9ado"]},
        {"scope": ["aigw-test/inference"]},
        {"scope": "a" * 5000},
        {"exp": int(time.time()) - 600},
    ],
    ids=[
        "id-token",
        "no-token-use",
        "other-pool",
        "unknown-client",
        "tenant-claim",
        "spaced-client",
        "long-client",
        "list-client",
        "list-scope",
        "huge-scope",
        "expired",
    ],
)
def test_tokens_that_name_no_tenant_client_are_unauthorized(
    authorizer: ModuleType, signer: Signer, overrides: dict[str, Any]
) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, access_token(signer, **overrides))


def test_a_scope_spelled_with_another_resource_server_does_not_count(authorizer: ModuleType, signer: Signer) -> None:
    answer = invoke(authorizer, access_token(signer, scope="other/inference aigw-test/models.read aigw-test"))
    assert resources(answer) == ["GET/v1/models", "GET/v1/models/*"]
