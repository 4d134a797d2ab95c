"""Take the caller's credential from a REQUEST authorizer event: a bearer token or an x-api-key.

Pure: no I/O. Anything ambiguous or malformed is refused, never guessed at. A
credential has one spelling (`Bearer <value>` with one space, no surrounding
whitespace): API Gateway caches the authorizer's answer per header value, so padding
variants would each be a fresh authorizer call.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from authorizer.jwt import looks_like_jwt

MAX_HEADER_LENGTH = 8192
API_KEY_PATTERN = re.compile(r"[A-Za-z0-9_\-]{20,128}")
# A credential's characters: printable ASCII without whitespace.
SPACELESS = re.compile(r"[\x21-\x7e]+")
METHOD_ARN = re.compile(
    r"^arn:(aws[a-z-]*):execute-api:([a-z0-9-]+):(\d{12}):([a-z0-9]+)/([A-Za-z0-9_-]+)/([A-Z]+|\*)/(.*)$"
)


class CredentialError(Exception):
    """No usable credential; the message says why (for logs, never for the client)."""


class Credential(NamedTuple):
    """What the caller presented: an API key or a JWT."""

    kind: str  # "api_key" or "jwt"
    value: str

    def __repr__(self) -> str:  # never print the secret itself
        return f"Credential(kind={self.kind!r}, value=<{len(self.value)} chars>)"


class MethodArn(NamedTuple):
    """The parts of `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`."""

    partition: str
    region: str
    account: str
    api_id: str
    stage: str

    @property
    def stage_arn(self) -> str:
        return f"arn:{self.partition}:execute-api:{self.region}:{self.account}:{self.api_id}/{self.stage}"


def parse_method_arn(value: Any) -> MethodArn:
    if not isinstance(value, str) or not (match := METHOD_ARN.match(value)):
        raise CredentialError("methodArn is missing or malformed")
    partition, region, account, api_id, stage, _, _ = match.groups()
    return MethodArn(partition, region, account, api_id, stage)


def _single_header(event: dict[str, Any], name: str) -> str | None:
    """The header's value, or None; refuses repeated or oversized values."""
    found: list[str] = []
    for source in ("multiValueHeaders", "headers"):
        headers = event.get(source)
        if not isinstance(headers, dict):
            continue
        for key, value in headers.items():
            if isinstance(key, str) and key.lower() == name:
                values = value if isinstance(value, list) else [value]
                found.extend(v for v in values if isinstance(v, str))
        if found:
            break
    distinct = set(found)
    if len(distinct) > 1:
        raise CredentialError(f"header {name} is repeated")
    if not distinct:
        return None
    value = distinct.pop()
    if len(value) > MAX_HEADER_LENGTH:
        raise CredentialError(f"header {name} is longer than {MAX_HEADER_LENGTH} characters")
    return value


def credential_of(event: Any) -> Credential:
    """Return the caller's credential from `Authorization: Bearer <x>` or `x-api-key: <x>`.

    Raises
    ------
    CredentialError
        Missing, malformed, repeated, oversized, or two different credentials.
    """
    if not isinstance(event, dict):
        raise CredentialError("event is not a REQUEST authorizer event")
    authorization = _single_header(event, "authorization")
    api_key_header = _single_header(event, "x-api-key")
    bearer = None
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token or not SPACELESS.fullmatch(token):
            raise CredentialError("Authorization header is not exactly 'Bearer <credential>'")
        bearer = token
    api_key = api_key_header
    if api_key is not None and not SPACELESS.fullmatch(api_key):
        raise CredentialError("x-api-key holds whitespace")
    if bearer is not None and api_key is not None and bearer != api_key:
        raise CredentialError("Authorization and x-api-key carry different credentials")
    value = bearer if bearer is not None else api_key
    if not value:
        raise CredentialError("no credential: expected Authorization: Bearer <key> or x-api-key")
    if looks_like_jwt(value):
        return Credential("jwt", value)
    if not API_KEY_PATTERN.fullmatch(value):
        raise CredentialError("credential is neither an API key nor a JWT")
    return Credential("api_key", value)
