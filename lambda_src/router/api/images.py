"""`image_url` content parts in: data URLs decoded, remote URLs fetched only from allowed hosts, bytes checked.

A part is refused with a 400 naming it (`messages[2].content[1].image_url`) when its
URL is neither a data URL nor an https URL of an allowed host, when its media type is
not one the backends take, when its bytes are not of the format it claims, or when it
is larger than the limit. The format is read from the bytes' signature, never trusted
from the URL alone.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from contract import media
from router.chat import ImagePart
from shared.errors import GatewayError
from shared.outbound import open_url

DATA_URL = re.compile(r"data:(?P<type>[a-z]+/[a-z0-9.+-]+);base64,(?P<data>[A-Za-z0-9+/=\s]*)", re.DOTALL)
# The bytes each format starts with (webp: RIFF....WEBP).
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "gif": lambda b: b.startswith((b"GIF87a", b"GIF89a")),
    "webp": lambda b: len(b) >= 12 and b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
DETAILS = ("auto", "low", "high")
ACCEPTED = ", ".join(media.IMAGE_FORMATS)


def _bad(message: str, param: str) -> GatewayError:
    return GatewayError(400, "invalid_image", message, param=param)


def sniff(data: bytes) -> str | None:
    """The format the bytes are in, by their signature; None when none of the accepted ones."""
    return next((fmt for fmt, test in SIGNATURES.items() if test(data)), None)


def checked(data: bytes, declared: str | None, where: str) -> ImagePart:
    """`data` as an image part, or a 400: too large, not an accepted format, or not the format declared."""
    if len(data) > media.MAX_IMAGE_BYTES:
        raise _bad(f"{where} is {len(data):,} bytes; images may be at most {media.MAX_IMAGE_BYTES:,} bytes", where)
    fmt = sniff(data)
    if fmt is None:
        raise _bad(f"{where} is not an image in an accepted format ({ACCEPTED})", where)
    if declared is not None and media.IMAGE_FORMATS.get(declared) != fmt:
        raise _bad(f"{where} says {declared[:64]} but its bytes are {fmt}", where)
    return ImagePart(fmt, data)


def fetch(url: str, where: str) -> ImagePart:
    """GET an image from an allowed host (https, no redirects, bounded in time and size)."""
    request = urllib.request.Request(url, headers={"accept": ", ".join(media.IMAGE_FORMATS)})  # noqa: S310
    try:
        with open_url(request, media.FETCH_TIMEOUT_SECONDS) as response:
            data = response.read(media.MAX_IMAGE_BYTES + 1)
            declared = (response.headers.get("content-type") or "").split(";")[0].strip().lower() or None
    except urllib.error.HTTPError as err:
        raise _bad(f"{where} could not be fetched: its host answered {err.code}", where) from None
    except (urllib.error.URLError, OSError, ValueError):
        raise _bad(f"{where} could not be fetched from its host", where) from None
    return checked(data, declared if declared in media.IMAGE_FORMATS else None, where)


@dataclass(frozen=True)
class ImagePolicy:
    """Which remote hosts the gateway may fetch images from, and how (a test gives its own fetch)."""

    hosts: frozenset[str] = frozenset()
    fetch: Callable[[str, str], ImagePart] = fetch

    def image(self, part: object, where: str) -> ImagePart:
        """An `image_url` part's image (`{"url": ..., "detail": ...}`), or a 400 naming `where`."""
        if not isinstance(part, dict) or not isinstance(part.get("url"), str):
            raise _bad(f"{where} must be an object with a 'url' string", where)
        unknown = [k for k in part if k not in ("url", "detail")]
        if unknown or part.get("detail", "auto") not in DETAILS:
            raise _bad(f"{where} takes 'url' and 'detail' ({', '.join(DETAILS)}) only", where)
        url: str = part["url"]
        if url.startswith("data:"):
            found = DATA_URL.fullmatch(url)
            if found is None:
                raise _bad(f"{where} must be a base64 data URL (data:image/png;base64,...)", where)
            declared = found["type"]
            if declared not in media.IMAGE_FORMATS:
                raise _bad(f"{where} has media type {declared[:64]}; accepted: {ACCEPTED}", where)
            if len(found["data"]) > media.MAX_IMAGE_BYTES * 4 // 3 + 1024:
                raise _bad(f"{where} is larger than {media.MAX_IMAGE_BYTES:,} bytes", where)
            try:
                data = base64.b64decode("".join(found["data"].split()), validate=True)
            except (binascii.Error, ValueError):
                raise _bad(f"{where} holds invalid base64", where) from None
            return checked(data, declared, where)
        parsed = urllib.parse.urlsplit(url)
        host = (parsed.hostname or "").lower()
        try:
            port = parsed.port
        except ValueError:
            port = -1
        if parsed.scheme != "https" or host not in self.hosts or parsed.username or port not in (None, 443):
            raise _bad(
                f"{where} must be a data URL; remote images are fetched only over https from the hosts the "
                "operator allowed (image_url_hosts)",
                where,
            )
        return self.fetch(url, where)
