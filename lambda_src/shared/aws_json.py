"""One call to an AWS JSON-protocol API (DynamoDB) with the standard library: signed, bounded, no redirects.

For the few calls a Lambda makes before boto3 is worth importing (its configuration
read at cold start). Credentials and region come from the function's environment,
as Lambda provides them; `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` point
the call elsewhere (the local emulator), https or loopback only. A redirect is never
followed: credentials go only to the endpoint that was signed for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from contract.urls import is_allowed_outbound_url
from shared.sigv4 import Credentials, sign

MAX_ANSWER_BYTES = 2 * 1024 * 1024
THROTTLING_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "LimitExceededException"}
)


class AwsCallError(Exception):
    """The call failed; `retryable` says whether trying again may help (network, throttling, 5xx)."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.retryable = status, code, retryable


@dataclass(frozen=True)
class Target:
    """Where and as whom to call: endpoint URL, region and credentials."""

    endpoint: str
    region: str
    credentials: Credentials


def target_from_env(service: str, environ: Mapping[str, str]) -> Target:
    """The endpoint, region and credentials Lambda puts in a function's environment.

    Raises
    ------
    AwsCallError
        When credentials or the region are missing, or an endpoint override is neither https nor loopback.
    """
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or ""
    access_key, secret_key = environ.get("AWS_ACCESS_KEY_ID", ""), environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not region or not access_key or not secret_key:
        raise AwsCallError("AWS_REGION and the function's credentials must be in the environment")
    override = environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or environ.get("AWS_ENDPOINT_URL")
    if override:
        if not is_allowed_outbound_url(override):
            raise AwsCallError(f"endpoint override for {service} must be https:// or loopback http://")
        endpoint = override.rstrip("/") + "/"
    else:
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        endpoint = f"https://{service}.{region}.{suffix}/"
    return Target(endpoint, region, Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None))


def call(
    service: str,
    operation: str,
    payload: dict[str, Any],
    target: Target,
    *,
    timeout_seconds: float,
    api_version: str = "DynamoDB_20120810",
    now: datetime | None = None,
) -> dict[str, Any]:
    """POST `payload` to `operation` and return the decoded answer.

    Raises
    ------
    AwsCallError
        On any failure; the message never holds credentials or the request body.
    """
    import http.client  # kept off the import path of functions that never call

    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = sign(
        method="POST",
        url=target.endpoint,
        headers={"content-type": "application/x-amz-json-1.0", "x-amz-target": f"{api_version}.{operation}"},
        body=body,
        service=service,
        region=target.region,
        credentials=target.credentials,
        now=now or datetime.now(UTC),
    )
    parts = urlsplit(target.endpoint)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.netloc, timeout=timeout_seconds)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout_seconds)
    try:
        connection.request("POST", parts.path or "/", body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(MAX_ANSWER_BYTES + 1)
        status = response.status
    except (OSError, http.client.HTTPException) as err:
        raise AwsCallError(f"{service} {operation} failed: {type(err).__name__}", retryable=True) from None
    finally:
        connection.close()
    if len(raw) > MAX_ANSWER_BYTES:
        raise AwsCallError(f"{service} {operation} answered more than {MAX_ANSWER_BYTES} bytes")
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict):
        code = str(answer.get("__type", "")).rpartition("#")[2] if isinstance(answer, dict) else ""
        retryable = status >= 500 or code in THROTTLING_CODES
        raise AwsCallError(
            f"{service} {operation} answered {status} {code}".rstrip(), status=status, code=code, retryable=retryable
        )
    return answer
