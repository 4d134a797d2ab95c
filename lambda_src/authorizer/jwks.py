"""Fetch an issuer's JSON Web Key Set over HTTPS and cache it for a TTL.

A token naming an unknown `kid` may trigger one early refresh (keys rotate), but
at most once per `min_refresh_seconds`, so a flood of forged kids cannot turn the
authorizer into a load generator against the identity provider.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from authorizer.jwt import PublicKey
from contract.urls import is_allowed_outbound_url

FETCH_TIMEOUT_SECONDS = 2.0
MAX_JWKS_BYTES = 256 * 1024


class JwksError(Exception):
    """The key set could not be fetched or parsed."""


def fetch_jwks(url: str) -> dict[str, PublicKey]:
    """GET `url` and return its usable signing keys by kid."""
    if not is_allowed_outbound_url(url):
        raise JwksError("the JWKS URL must use https")
    # Imported here: urllib.request (http.client, ssl, email) is a third of the cold start,
    # and API-key-only gateways never fetch a JWKS.
    import urllib.request

    request = urllib.request.Request(url, headers={"accept": "application/json"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(MAX_JWKS_BYTES + 1)
    except OSError as err:
        raise JwksError(f"could not fetch the JWKS: {type(err).__name__}") from None
    if len(raw) > MAX_JWKS_BYTES:
        raise JwksError("the JWKS is larger than 256 KiB")
    try:
        document: Any = json.loads(raw)
        entries = document["keys"]
    except (ValueError, KeyError, TypeError):
        raise JwksError("the JWKS is not a JSON object with a keys list") from None
    keys = {}
    for entry in entries if isinstance(entries, list) else []:
        key = PublicKey.from_jwk(entry) if isinstance(entry, dict) else None
        if key is not None:
            keys[key.kid] = key
    return keys


class JwksCache:
    """Keys by kid, refreshed after `ttl_seconds` or early (rate-limited) for an unknown kid."""

    def __init__(
        self,
        url: str,
        ttl_seconds: float,
        min_refresh_seconds: float = 30.0,
        fetch: Callable[[str], dict[str, PublicKey]] = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url, self._ttl, self._min_refresh = url, ttl_seconds, min_refresh_seconds
        self._fetch, self._clock = fetch, clock
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def keys_for(self, kid: str) -> dict[str, PublicKey]:
        """Return the current keys, refreshing when stale or when `kid` is unknown (rate-limited)."""
        with self._lock:
            now = self._clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            stale = age is None or age > self._ttl
            unknown = kid not in self._keys and (age is None or age > self._min_refresh)
            if stale or unknown:
                try:
                    self._keys = self._fetch(self._url)
                    self._fetched_at = now
                except JwksError:
                    if not self._keys:
                        raise
                    # Keep serving the last good keys while the issuer is unreachable.
            return self._keys
