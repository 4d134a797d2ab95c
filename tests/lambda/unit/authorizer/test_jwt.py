"""JWT verification: RS256 and ES256 accepted; every classic forgery and bad claim refused."""

from __future__ import annotations

import time
from typing import Any

import pytest

from authorizer.jwt import ClaimRules, PublicKey, TokenError, verify_token
from tests.support.tokens import AUDIENCE, ISSUER, Signer, b64, b64int

RULES = ClaimRules(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="module")
def keys(signer: Signer) -> dict[str, PublicKey]:
    parsed = {}
    for jwk in signer.jwks()["keys"]:
        key = PublicKey.from_jwk(jwk)
        assert key is not None
        parsed[key.kid] = key
    return parsed


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_valid_token_verifies_and_returns_its_claims(signer: Signer, keys: dict[str, PublicKey], alg: str) -> None:
    claims = verify_token(signer.token(alg), keys, RULES)
    assert claims["tenant"] == "acme"


def test_an_audience_list_that_includes_ours_is_accepted(signer: Signer, keys: dict[str, PublicKey]) -> None:
    token = signer.token(claims=signer.claims(aud=["other", AUDIENCE]))
    assert verify_token(token, keys, RULES)["sub"] == "user-1"


def now() -> int:
    return int(time.time())


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": now() - 120}, "expired"),
        ({"nbf": now() + 600}, "not valid yet"),
        ({"aud": "someone-else"}, "audience"),
        ({"aud": ["a", "b"]}, "audience"),
        ({"iss": "https://evil.example/"}, "issuer"),
        ({"exp": None}, "no exp"),
        ({"exp": "tomorrow"}, "not a number"),
        ({"exp": True}, "not a number"),
    ],
)
@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_bad_claims_are_refused(
    signer: Signer, keys: dict[str, PublicKey], claims: dict[str, Any], message: str, alg: str
) -> None:
    with pytest.raises(TokenError, match=message):
        verify_token(signer.token(alg, claims=signer.claims(**claims)), keys, RULES)


def tamper(token: str) -> str:
    head, _, signature = token.split(".")
    other = b64(
        b'{"iss":"%s","aud":"%s","tenant":"admin","exp":%d}' % (ISSUER.encode(), AUDIENCE.encode(), now() + 300)
    )
    return f"{head}.{other}.{signature}"


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_tampered_payload_fails_the_signature(signer: Signer, keys: dict[str, PublicKey], alg: str) -> None:
    with pytest.raises(TokenError, match="signature is invalid"):
        verify_token(tamper(signer.token(alg)), keys, RULES)


def test_a_token_signed_by_another_key_fails(keys: dict[str, PublicKey]) -> None:
    with pytest.raises(TokenError, match="signature is invalid"):
        verify_token(Signer().token("ES256"), keys, RULES)


def test_alg_none_is_refused(signer: Signer, keys: dict[str, PublicKey]) -> None:
    unsigned = signer.token("none", kid="rsa-1")
    with pytest.raises(TokenError, match="not a compact JWS"):
        verify_token(unsigned, keys, RULES)
    with pytest.raises(TokenError, match="'none' is not accepted"):
        verify_token(unsigned + "c2ln", keys, RULES)


def test_hmac_signed_with_the_public_key_is_refused(signer: Signer, keys: dict[str, PublicKey]) -> None:
    with pytest.raises(TokenError, match="'HS256' is not accepted"):
        verify_token(signer.hs256_with_public_key(), keys, RULES)


def test_an_algorithm_that_does_not_match_the_key_type_is_refused(signer: Signer, keys: dict[str, PublicKey]) -> None:
    with pytest.raises(TokenError, match="does not match the EC key"):
        verify_token(signer.token("RS256", kid="ec-1"), keys, RULES)


def test_an_unknown_kid_is_refused(signer: Signer, keys: dict[str, PublicKey]) -> None:
    with pytest.raises(TokenError, match="unknown key"):
        verify_token(signer.token("RS256", kid="rotated-away"), keys, RULES)


def test_critical_headers_are_refused(signer: Signer, keys: dict[str, PublicKey]) -> None:
    with pytest.raises(TokenError, match="critical header"):
        verify_token(signer.token(header={"crit": ["b64"], "b64": False}), keys, RULES)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "....", "!!.!!.!!", "eyJhbGciOiJSUzI1NiJ9.e30.", "x" * 9000, "a=.b.c"],
)
def test_malformed_tokens_are_refused(keys: dict[str, PublicKey], token: str) -> None:
    with pytest.raises(TokenError):
        verify_token(token, keys, RULES)


def test_weak_or_unusable_jwks_entries_are_dropped() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(65537, 1024).public_key().public_numbers()  # noqa: S505 - the point
    assert PublicKey.from_jwk({"kty": "RSA", "kid": "weak", "n": b64int(weak.n), "e": b64int(weak.e)}) is None
    assert PublicKey.from_jwk({"kty": "oct", "kid": "secret", "k": "c2VjcmV0"}) is None
    assert (
        PublicKey.from_jwk(
            {"kty": "EC", "kid": "off-curve", "crv": "P-256", "x": b64(b"\x01" * 32), "y": b64(b"\x02" * 32)}
        )
        is None
    )
    assert PublicKey.from_jwk({"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}) is None
