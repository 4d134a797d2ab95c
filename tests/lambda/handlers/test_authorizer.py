"""The authorizer handler against a moto-backed tenant table and API Gateway key store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from authorizer.decision import Unauthorized
from tests.conftest import FakeLambdaContext
from tests.support.authorizer_harness import load_authorizer
from tests.support.tenant_table import TABLE, create_tenant_table
from tests.support.tenant_table import put_tenant as put_item
from tests.support.tokens import AUDIENCE, ISSUER, Signer

ROUTES = ["GET /v1/models", "POST /v1/chat/completions", "POST /v1/prompts/{name}", "POST /v1/predict/{model}"]
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/models"
ACME_KEY = "acmeKEY0123456789abcdefghijklmnopqrstuv"
GLOBEX_KEY = "globexKEY0123456789abcdefghijklmnopqrst"
HOOLI_KEY = "hooliKEY0123456789abcdefghijklmnopqrstu"


def put_tenant(client: Any, api_key: str | None, api_key_id: str | None, **fields: Any) -> None:
    """The tenant's item, and its key's item when it has a key (as Terraform writes them)."""
    if api_key:
        put_item(client, f"key#{hashlib.sha256(api_key.encode()).hexdigest()}", api_key_id=api_key_id, **fields)
    put_item(client, f"tenant#{fields['tenant_id']}", api_key_id=api_key_id, **fields)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch, signer: Signer, aws_credentials: None) -> Iterator[ModuleType]:
    monkeypatch.setenv("GATEWAY_TENANT_TABLE", TABLE)
    monkeypatch.setenv("GATEWAY_ROUTES", json.dumps(ROUTES))
    monkeypatch.setenv("GATEWAY_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("GATEWAY_JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("GATEWAY_JWT_JWKS_URL", "https://idp.example.test/.well-known/jwks.json")
    with mock_aws():
        dynamodb = create_tenant_table()
        apigateway = boto3.client("apigateway")
        acme_key_id = apigateway.create_api_key(name="acme", value=ACME_KEY, enabled=True)["id"]
        put_tenant(
            dynamodb,
            ACME_KEY,
            acme_key_id,
            tenant_id="acme",
            tier="premium",
            allowed_models=["claude-3-haiku", "llama3-8b"],
            monthly_token_budget=1000000,
        )
        put_tenant(dynamodb, GLOBEX_KEY, None, tenant_id="globex", enabled=False)
        put_tenant(dynamodb, None, None, tenant_id="initech", allowed_models=["claude-3-haiku"])
        # No budget: its item names the models each direct route may call (as Terraform writes it).
        put_tenant(
            dynamodb,
            HOOLI_KEY,
            acme_key_id,
            tenant_id="hooli",
            allowed_models=["claude-3-haiku", "llama3-8b"],
            direct_models={"model": ["llama3-8b"], "modelId": ["claude-3-haiku"]},
        )
        yield load_authorizer(signer)


def event(headers: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "headers": headers or {},
        "requestContext": {"requestId": "req-1"},
        **extra,
    }


def invoke(module: ModuleType, headers: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(event(headers, **extra), FakeLambdaContext())
    return result


def test_a_valid_key_gets_a_policy_for_every_route_of_the_stage(authorizer: ModuleType) -> None:
    answer = invoke(authorizer, {"Authorization": f"Bearer {HOOLI_KEY}"})
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    # The direct SageMaker route lists SageMaker aliases only (before: every allowed alias).
    assert statement["Resource"] == [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/models",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/POST/v1/chat/completions",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/POST/v1/predict/llama3-8b",
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/POST/v1/prompts/*",
    ]
    assert answer["usageIdentifierKey"] == HOOLI_KEY
    assert answer["principalId"] == "hooli"


def test_a_tenant_with_a_token_budget_gets_no_direct_route(authorizer: ModuleType) -> None:
    # Before: acme's policy allowed /v1/predict/<alias> although nothing meters those calls.
    resources = invoke(authorizer, {"x-api-key": ACME_KEY})["policyDocument"]["Statement"][0]["Resource"]
    assert not [r for r in resources if "/predict/" in r or "/bedrock/" in r]


def test_the_context_carries_tenant_tier_and_allowed_models_as_strings(authorizer: ModuleType) -> None:
    context = invoke(authorizer, {"x-api-key": ACME_KEY})["context"]
    assert context == {
        "tenant_id": "acme",
        "tier": "premium",
        "allowed_models": "claude-3-haiku,llama3-8b",
        "monthly_token_budget": "1000000",
        "daily_token_budget": "",
        "auth_method": "api_key",
        "access_note": "",
    }
    assert all(isinstance(v, str) for v in context.values())
    assert "gpt-4o" not in context["allowed_models"].split(",")


def test_an_unknown_key_is_unauthorized(authorizer: ModuleType) -> None:
    with pytest.raises(Unauthorized) as caught:
        invoke(authorizer, {"authorization": "Bearer unknownKEY0123456789abcdefghijklmn"})
    assert str(caught.value) == "Unauthorized"


def test_a_disabled_tenant_is_denied(authorizer: ModuleType) -> None:
    answer = invoke(authorizer, {"x-api-key": GLOBEX_KEY})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "usageIdentifierKey" not in answer


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_valid_jwt_maps_to_its_tenant_and_usage_key(authorizer: ModuleType, signer: Signer, alg: str) -> None:
    answer = invoke(authorizer, {"Authorization": f"Bearer {signer.token(alg)}"})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert answer["context"]["tenant_id"] == "acme"
    assert answer["context"]["auth_method"] == "jwt"
    assert answer["usageIdentifierKey"] == ACME_KEY


def test_a_jwt_tenant_without_a_key_is_denied_not_allowed_unmetered(authorizer: ModuleType, signer: Signer) -> None:
    answer = invoke(authorizer, {"Authorization": f"Bearer {signer.token(claims=signer.claims(tenant='initech'))}"})
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def bad_tokens(signer: Signer) -> dict[str, str]:
    import time

    now = int(time.time())
    return {
        "expired": signer.token(claims=signer.claims(exp=now - 600)),
        "not-yet-valid": signer.token(claims=signer.claims(nbf=now + 600)),
        "wrong-audience": signer.token(claims=signer.claims(aud="other")),
        "wrong-issuer": signer.token(claims=signer.claims(iss="https://evil.example/")),
        "bad-signature": signer.token()[:-6] + "AAAAAA",
        "alg-none": signer.token("none", kid="rsa-1") + "c2ln",
        "key-confusion": signer.hs256_with_public_key(),
        "unknown-tenant": signer.token(claims=signer.claims(tenant="nobody")),
        "no-tenant-claim": signer.token(claims=signer.claims(tenant=None)),
        "disabled-tenant-jwt-is-403-not-401": "",
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not-yet-valid",
        "wrong-audience",
        "wrong-issuer",
        "bad-signature",
        "alg-none",
        "key-confusion",
        "unknown-tenant",
        "no-tenant-claim",
    ],
)
def test_bad_tokens_are_unauthorized(authorizer: ModuleType, signer: Signer, case: str) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"Authorization": f"Bearer {bad_tokens(signer)[case]}"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer " + "a" * 9000},
        {"Authorization": f"Bearer {ACME_KEY}", "x-api-key": GLOBEX_KEY},
        {"x-api-key": "short"},
        {"x-api-key": "has spaces in the key 0123456789"},
    ],
    ids=["missing", "basic", "empty-bearer", "oversized", "two-different", "short-key", "bad-charset"],
)
def test_malformed_missing_or_ambiguous_headers_are_unauthorized(
    authorizer: ModuleType, headers: dict[str, str]
) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, headers)


def test_a_repeated_authorization_header_is_unauthorized(authorizer: ModuleType) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, {}, multiValueHeaders={"Authorization": [f"Bearer {ACME_KEY}", f"Bearer {GLOBEX_KEY}"]})


@pytest.mark.parametrize("arn", [None, "", "arn:aws:s3:::bucket", METHOD_ARN.replace("123456789012", "1234")])
def test_a_malformed_method_arn_is_unauthorized(authorizer: ModuleType, arn: Any) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"x-api-key": ACME_KEY}, methodArn=arn)


def test_no_log_line_contains_a_key_or_token(
    authorizer: ModuleType, signer: Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    token = signer.token()
    secrets = [ACME_KEY, GLOBEX_KEY, token, token.split(".")[2]]
    for headers in ({"x-api-key": ACME_KEY}, {"x-api-key": GLOBEX_KEY}, {"Authorization": f"Bearer {token}"}):
        invoke(authorizer, headers)
    for headers in (
        {"Authorization": f"Bearer {ACME_KEY}", "x-api-key": GLOBEX_KEY},
        {"Authorization": f"Bearer {token[:-4]}AAAA"},
    ):
        with pytest.raises(Unauthorized):
            invoke(authorizer, headers)
    # Every field of every structured line the authorizer writes.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    logged = "\n".join(json.dumps(line) for line in lines)
    assert len(lines) == 5, "the authorizer logs each decision"
    assert [line["level"] for line in lines] == ["INFO"] * 5
    assert {"level", "location", "message", "timestamp", "service", "request_id"} <= set(lines[0])
    assert '"tenant_id": "globex"' in logged
    for secret in secrets:
        assert secret not in logged


header_values = (
    st.text(max_size=300)
    | st.sampled_from(["Bearer ", "bearer x.y.z", f"Bearer {ACME_KEY[:-1]}"])
    | st.builds(
        lambda a, b: f"Bearer {a}.{b}.{a}",
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC-_", max_size=40),
        st.text(max_size=40),
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(authorization=header_values, api_key=st.none() | header_values)
def test_no_header_value_makes_the_authorizer_raise_or_allow(
    authorizer: ModuleType, authorization: str, api_key: str | None
) -> None:
    headers = {"Authorization": authorization}
    if api_key is not None:
        headers["x-api-key"] = api_key
    try:
        answer = invoke(authorizer, headers)
    except Unauthorized:
        return
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Deny"


# -- hardening: every event gets Allow, Deny or 401; a token has one spelling ------------------------------


def _segment(document: str) -> str:
    import base64

    return base64.urlsafe_b64encode(document.encode()).rstrip(b"=").decode()


def test_a_header_nested_past_the_recursion_limit_is_unauthorized(authorizer: ModuleType) -> None:
    # Before: json.loads raised RecursionError out of the handler and API Gateway answered 500.
    token = f"{_segment('[' * 3000 + ']' * 3000)}.{_segment('{}')}.c2ln"
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"Authorization": f"Bearer {token}"})


def test_no_exception_escapes_the_handler_as_anything_but_unauthorized(
    authorizer: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        def decide(self, *_args: Any) -> Any:
            raise KeyError("a bug")

    monkeypatch.setattr(authorizer, "authority", Broken())
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"x-api-key": ACME_KEY})


def _variant(segment: str) -> str:
    """The same bytes spelled differently: the last character's unused low bit flipped."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) ^ 1]


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_token_spelled_differently_is_refused(authorizer: ModuleType, signer: Signer, alg: str) -> None:
    # Before: each spelling was accepted, and each missed API Gateway's authorizer cache.
    head, body, signature = signer.token(alg).split(".")
    for spelling in (
        f"{head}.{body}.{_variant(signature)}",
        f"{head}.{body}.{signature[:10]}!{signature[10:]}",
        f"{head}.{body}.{signature[:10]}+{signature[10:]}",
    ):
        with pytest.raises(Unauthorized):
            invoke(authorizer, {"Authorization": f"Bearer {spelling}"})
    assert invoke(authorizer, {"Authorization": f"Bearer {head}.{body}.{signature}"})["principalId"] == "acme"


def test_a_high_s_es256_signature_is_refused(authorizer: ModuleType, signer: Signer) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"Authorization": f"Bearer {signer.token('ES256', high_s=True)}"})


@pytest.mark.parametrize(
    "claims",
    [
        '{"iss": "%s", "aud": "%s", "tenant": "acme", "exp": Infinity}',
        '{"iss": "%s", "aud": "%s", "tenant": "acme", "exp": 1e400}',
        '{"iss": "%s", "aud": "%s", "tenant": "acme", "exp": NaN}',
        '{"iss": "%s", "aud": "%s", "tenant": "acme", "exp": 1, "exp": 99999999999}',
    ],
    ids=["infinite-exp", "overflowing-exp", "nan-exp", "duplicate-exp"],
)
def test_numeric_claims_must_be_finite_and_names_unique(authorizer: ModuleType, signer: Signer, claims: str) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    head = _segment(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}))
    body = _segment(claims % (ISSUER, AUDIENCE))
    signature = signer.rsa_key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(Unauthorized):
        invoke(authorizer, {"Authorization": f"Bearer {head}.{body}.{_segment_bytes(signature)}"})


def _segment_bytes(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer  {ACME_KEY}"},
        {"Authorization": f"Bearer {ACME_KEY} "},
        {"Authorization": f"Bearer\t{ACME_KEY}"},
        {"x-api-key": f"{ACME_KEY}\n"},
        {"x-api-key": f" {ACME_KEY}"},
    ],
    ids=["two-spaces", "trailing-space", "tab", "trailing-newline", "leading-space"],
)
def test_a_credential_has_one_spelling(authorizer: ModuleType, headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        invoke(authorizer, headers)


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=15,
)
segments = st.one_of(
    json_documents.map(lambda d: _segment(json.dumps(d))),
    # Nesting around and past the interpreter's recursion limit (1,000), inside the 8 KB token limit.
    st.sampled_from((1, 200, 1100, 3000)).map(lambda depth: _segment("[" * depth + "]" * depth)),
    st.sampled_from((1, 200, 1100)).map(lambda depth: _segment('{"a":' * depth + "1" + "}" * depth)),
    st.text(alphabet="ABCabc012-_=+/!. ", max_size=60),
    st.text(max_size=30),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=st.tuples(segments, segments, segments).map(".".join),
    scheme=st.sampled_from(["Bearer ", "bearer ", "Bearer  ", ""]),
    where=st.sampled_from(["authorization", "x-api-key", "both"]),
)
def test_any_token_gets_allow_deny_or_401(authorizer: ModuleType, token: str, scheme: str, where: str) -> None:
    headers = {
        "authorization": {"Authorization": scheme + token},
        "x-api-key": {"x-api-key": token},
        "both": {"Authorization": scheme + token, "x-api-key": token},
    }[where]
    try:
        answer = invoke(authorizer, headers)
    except Unauthorized as refused:
        assert str(refused) == "Unauthorized"
        return
    assert answer["policyDocument"]["Statement"][0]["Effect"] in ("Allow", "Deny")
