"""Outbound HTTPS from the Lambdas through the standard library, never following a redirect.

A redirect would carry the request, and its `Authorization` header, to wherever the
answer points (urllib re-sends headers to the new host, and follows https to http).
The gateway's outbound calls go to configured URLs only: a 3xx is answered to the
caller as the HTTPError it is, and the caller decides what it means.
"""

from __future__ import annotations

import urllib.request
from typing import Any


class RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an HTTPError with the 3xx status (urllib's answer to a refused redirect)."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(RefuseRedirects)


def open_url(request: urllib.request.Request, timeout: float) -> Any:
    """`urlopen` without redirects: the response, or HTTPError (3xx included), URLError, OSError."""
    return OPENER.open(request, timeout=timeout)
