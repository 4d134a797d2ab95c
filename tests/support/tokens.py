"""Sign test JWTs with throwaway RSA and EC keys (cryptography, test-only) and publish their JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ISSUER = "https://idp.example.test/"
AUDIENCE = "ai-gateway"
# The order of P-256's base point (SEC 2): s and n - s sign the same message.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64int(value: int) -> str:
    return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class Signer:
    """One RSA-2048 and one P-256 key, with their JWKS and a token factory."""

    rsa_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    ec_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def jwks(self) -> dict[str, Any]:
        rsa_numbers = self.rsa_key.public_key().public_numbers()
        ec_numbers = self.ec_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": "rsa-1",
                    "use": "sig",
                    "alg": "RS256",
                    "n": b64int(rsa_numbers.n),
                    "e": b64int(rsa_numbers.e),
                },
                {
                    "kty": "EC",
                    "kid": "ec-1",
                    "use": "sig",
                    "crv": "P-256",
                    "x": b64(ec_numbers.x.to_bytes(32, "big")),
                    "y": b64(ec_numbers.y.to_bytes(32, "big")),
                },
            ]
        }

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-1",
            "tenant": "acme",
            "iat": now,
            "exp": now + 300,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(
        self,
        alg: str = "RS256",
        kid: str | None = None,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        high_s: bool = False,
    ) -> str:
        """A compact JWS; ES256 signatures are low-S (as the verifier requires) unless `high_s`."""
        kid = kid or ("rsa-1" if alg == "RS256" else "ec-1")
        head = {"alg": alg, "typ": "JWT", "kid": kid, **(header or {})}
        signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(claims or self.claims()).encode())}"
        data = signing_input.encode()
        if alg == "RS256":
            signature = self.rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature(self.ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
            s = min(s, P256_ORDER - s)
            if high_s:
                s = P256_ORDER - s
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        elif alg == "none":
            signature = b""
        else:
            raise ValueError(alg)
        return f"{signing_input}.{b64(signature)}"

    def hs256_with_public_key(self) -> str:
        """The key-confusion attack: HMAC-sign with the RSA public key's JWK text as the secret."""
        head = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
        signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(self.claims()).encode())}"
        secret = json.dumps(self.jwks()["keys"][0]).encode()
        return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
