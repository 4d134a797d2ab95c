"""Which URLs the gateway calls out to: https anywhere, plain http only to this machine (local providers)."""

from __future__ import annotations

LOOPBACK_HTTP_PREFIXES = ("http://127.0.0.1:", "http://localhost:")
# The same rule as an RE2/Python regular expression, for Terraform validations.
OUTBOUND_URL_PATTERN = "^(https://|http://127[.]0[.]0[.]1:|http://localhost:)"


def is_allowed_outbound_url(url: str) -> bool:
    """True for an https:// URL, or an http:// URL on loopback with a port."""
    return url.startswith("https://") or url.startswith(LOOPBACK_HTTP_PREFIXES)
