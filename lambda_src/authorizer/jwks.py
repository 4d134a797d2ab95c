"""Fetch an issuer's JSON Web Key Set over HTTPS and cache it for a TTL.

A token naming an unknown `kid` may trigger one early refresh (keys rotate), but
at most once per `min_refresh_seconds`, so a flood of forged kids cannot turn the
authorizer into a load generator against the identity provider. While the issuer
fails, fetches back off exponentially (1 s doubling to `max_backoff_seconds`) and the
last good keys keep serving; redirects are never followed (an https JWKS URL must
not be bent to http or to another host).
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
    import urllib.error
    import urllib.request

    from shared.outbound import open_url

    request = urllib.request.Request(url, headers={"accept": "application/json"})  # noqa: S310 - scheme checked above
    try:
        with open_url(request, FETCH_TIMEOUT_SECONDS) as response:
            raw = response.read(MAX_JWKS_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise JwksError(f"the JWKS URL answered {err.code} (redirects are not followed)") from None
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
        *,
        min_refresh_seconds: float = 30.0,
        fetch: Callable[[str], dict[str, PublicKey]] = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
        max_backoff_seconds: float = 300.0,
    ) -> None:
        self._url, self._ttl, self._min_refresh = url, ttl_seconds, min_refresh_seconds
        self._fetch, self._clock, self._max_backoff = fetch, clock, max_backoff_seconds
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def keys_for(self, kid: str) -> dict[str, PublicKey]:
        """Return the current keys, refreshing when stale or when `kid` is unknown (rate-limited, backed off).

        Raises
        ------
        JwksError
            No key set was ever fetched and the issuer fails (or is backed off).
        """
        with self._lock:
            now = self._clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            stale = age is None or age > self._ttl
            unknown = kid not in self._keys and (age is None or age > self._min_refresh)
            if (stale or unknown) and now >= self._retry_at:
                try:
                    self._keys = self._fetch(self._url)
                    self._fetched_at, self._failures, self._retry_at = now, 0, 0.0
                except JwksError:
                    self._failures += 1
                    self._retry_at = now + min(self._max_backoff, 2.0 ** (self._failures - 1))
                    if not self._keys:
                        raise
                    # Keep serving the last good keys while the issuer is unreachable.
            elif not self._keys:
                raise JwksError("the issuer's keys are unavailable; the next fetch is backed off")
            return self._keys
