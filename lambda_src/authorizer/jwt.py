"""Verify compact JWS tokens (RS256, ES256) against a JWKS and check their registered claims.

Refuses by construction what JWT libraries have got wrong: `alg: none`, HMAC
algorithms (so a public key can never be used as an HMAC secret), a key whose type
does not match the algorithm, weak RSA keys, and tokens without `exp`.

A token has one accepted spelling, so one identity cannot mint distinct
`Authorization` values that each miss API Gateway's authorizer cache: segments must be
canonical base64url (no padding, no stray characters, unused bits zero), JSON objects
without duplicate names or non-finite numbers, and ES256 signatures low-S (s <= n/2;
(r, n - s) verifies too, so a high-S twin would be a second spelling).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import time
from typing import Any, NamedTuple

from authorizer import ec_p256

ALGORITHMS = ("ES256", "RS256")
MAX_TOKEN_LENGTH = 8192
MIN_RSA_BITS = 2048
# DER prefix of DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class TokenError(Exception):
    """The token is malformed, unsigned by a trusted key, or its claims do not hold."""


class PublicKey(NamedTuple):
    """A verification key from a JWKS: RSA (n, e) or EC P-256 (x, y)."""

    kid: str
    kty: str
    n: int = 0
    e: int = 0
    x: int = 0
    y: int = 0

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PublicKey | None:
        """Build a key from one JWK; None for keys this verifier does not use (kept out of the set)."""
        kid, kty, use = jwk.get("kid"), jwk.get("kty"), jwk.get("use", "sig")
        if not isinstance(kid, str) or not kid or use != "sig":
            return None
        try:
            if kty == "RSA":
                n, e = b64int(jwk["n"]), b64int(jwk["e"])
                return cls(kid, "RSA", n=n, e=e) if n.bit_length() >= MIN_RSA_BITS and e >= 3 else None
            if kty == "EC" and jwk.get("crv") == "P-256":
                x, y = b64int(jwk["x"]), b64int(jwk["y"])
                return cls(kid, "EC", x=x, y=y) if ec_p256.on_curve(x, y) else None
        except (KeyError, TypeError, TokenError):
            return None
        return None


def b64decode(text: str) -> bytes:
    """Decode canonical base64url without padding (the one spelling of its bytes), refusing anything else."""
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise TokenError("token segment is not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("token segment is not base64url") from None
    # The decoder skips characters outside the alphabet and ignores unused low bits: re-encoding
    # tells a canonical segment from its many spellings.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise TokenError("token segment is not canonical base64url")
    return raw


def b64int(text: str) -> int:
    return int.from_bytes(b64decode(text), "big")


def looks_like_jwt(token: str) -> bool:
    """True for three dot-separated segments: a compact JWS, not an API key."""
    return token.count(".") == 2 and all(token.split("."))


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise TokenError("token segment repeats a name")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise TokenError(f"token segment holds {name}, which is not a JSON number")


def _json_segment(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(segment), object_pairs_hook=_unique_names, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nesting deeper than the interpreter's stack (a few KB of "[").
        raise TokenError("token segment is not JSON") from None
    if not isinstance(value, dict):
        raise TokenError("token segment is not a JSON object")
    return value


def _verify_rs256(key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    size = (key.n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    encoded = pow(s, key.e, key.n).to_bytes(size, "big")
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


def _verify_es256(key: PublicKey, signing_input: bytes, signature: bytes) -> bool:
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if s > ec_p256.N // 2:
        raise TokenError("token signature is not low-S; the issuer must normalize ES256 signatures")
    return ec_p256.verify(key.x, key.y, hashlib.sha256(signing_input).digest(), r, s)


def header_of(token: str) -> dict[str, Any]:
    """Return the token's protected header after structural checks (no signature check yet)."""
    if len(token) > MAX_TOKEN_LENGTH or not looks_like_jwt(token):
        raise TokenError("token is not a compact JWS")
    header = _json_segment(token.split(".", maxsplit=1)[0])
    if header.get("alg") not in ALGORITHMS:
        raise TokenError(f"token algorithm {str(header.get('alg'))[:16]!r} is not accepted; expected ES256 or RS256")
    if "crit" in header:
        raise TokenError("token has critical header parameters this verifier does not understand")
    if not isinstance(header.get("kid"), str):
        raise TokenError("token header has no kid")
    return header


class ClaimRules(NamedTuple):
    """What a token's claims must satisfy."""

    issuer: str
    # None: no `aud` check (Cognito's access tokens carry none; their app client is checked instead).
    audience: str | None
    leeway_seconds: int = 30
    # What `token_use` must be (Cognito's `access`); None: not checked.
    token_use: str | None = None


def verify_token(token: str, keys: dict[str, PublicKey], rules: ClaimRules, now: float | None = None) -> dict[str, Any]:
    """Verify `token`'s signature with the key its `kid` names and check its claims; return the claims.

    Raises
    ------
    TokenError
        On any problem; the message names the problem, never the token.
    """
    header = header_of(token)
    key = keys.get(header["kid"])
    if key is None:
        raise TokenError("token is signed by an unknown key")
    expected_kty = "RSA" if header["alg"] == "RS256" else "EC"
    if key.kty != expected_kty:
        raise TokenError(f"token algorithm {header['alg']} does not match the {key.kty} key it names")
    head, body, signature = token.split(".")
    signing_input = f"{head}.{body}".encode("ascii")
    check = _verify_rs256 if expected_kty == "RSA" else _verify_es256
    if not check(key, signing_input, b64decode(signature)):
        raise TokenError("token signature is invalid")
    claims = _json_segment(body)
    check_claims(claims, rules, time.time() if now is None else now)
    return claims


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"token claim {name} is not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        raise TokenError(f"token claim {name} is not a finite number") from None
    if not math.isfinite(number):
        raise TokenError(f"token claim {name} is not a finite number")
    return number


def check_claims(claims: dict[str, Any], rules: ClaimRules, now: float) -> None:
    """Check exp (required), nbf, iss, aud and token_use."""
    expires = _number(claims, "exp")
    if expires is None:
        raise TokenError("token has no exp claim")
    if now > expires + rules.leeway_seconds:
        raise TokenError("token has expired")
    not_before = _number(claims, "nbf")
    if not_before is not None and now + rules.leeway_seconds < not_before:
        raise TokenError("token is not valid yet")
    if claims.get("iss") != rules.issuer:
        raise TokenError("token issuer is not the configured issuer")
    if rules.audience is not None:
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if rules.audience not in audiences:
            raise TokenError("token audience does not include the configured audience")
    if rules.token_use is not None and claims.get("token_use") != rules.token_use:
        raise TokenError(f"token is not an {rules.token_use} token")
