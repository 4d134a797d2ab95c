"""Load the authorizer handler as Lambda would, trusting a test signer's keys instead of fetching a JWKS."""

from __future__ import annotations

import importlib
from types import ModuleType

from authorizer.decision import Authority
from authorizer.jwks import JwksCache
from authorizer.jwt import PublicKey
from tests.support.tokens import Signer


def load_authorizer(signer: Signer) -> ModuleType:
    """Re-import `authorizer.handler` (its settings from the environment the caller set, its tenant store the
    moto table), with the signer's public keys as the issuer's JWKS."""
    import authorizer.handler

    module = importlib.reload(authorizer.handler)
    keys = {k.kid: k for k in (PublicKey.from_jwk(j) for j in signer.jwks()["keys"]) if k}
    module.authority = Authority(
        settings=module.settings,
        tenants=module.authority.tenants,
        jwks=JwksCache("unused", 3600, fetch=lambda _: keys),
        key_values=module.authority.key_values,
    )
    return module
