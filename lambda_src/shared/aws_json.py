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


def target_from_env(service: str, environ: Mapping[str, str], *, host: str | None = None) -> Target:
    """The endpoint, region and credentials Lambda puts in a function's environment.

    `service` names the override variable (`AWS_ENDPOINT_URL_<SERVICE>`, as boto3 spells it); `host`
    the service's host name before the region when it is not `service` (`runtime.sagemaker`).

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
        endpoint = f"https://{host or service}.{region}.{suffix}/"
    return Target(endpoint, region, Credentials(access_key, secret_key, environ.get("AWS_SESSION_TOKEN") or None))


def send(
    target: Target,
    *,
    signing_name: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    timeout_seconds: float,
    max_answer_bytes: int = MAX_ANSWER_BYTES,
    now: datetime | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """POST `body` to `path` below the target's endpoint, signed; (status, lower-cased headers, body).

    Never follows a redirect (http.client does not). Raises AwsCallError (retryable) when the
    connection fails or times out, and (not retryable) when the answer is larger than `max_answer_bytes`.
    """
    import http.client  # kept off the import path of functions that never call

    url = target.endpoint.rstrip("/") + path
    signed = sign(
        method="POST",
        url=url,
        headers=headers,
        body=body,
        service=signing_name,
        region=target.region,
        credentials=target.credentials,
        now=now or datetime.now(UTC),
    )
    parts = urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.netloc, timeout=timeout_seconds)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=timeout_seconds)
    try:
        connection.request("POST", parts.path or "/", body=body, headers=signed)
        response = connection.getresponse()
        raw = response.read(max_answer_bytes + 1)
        status, answer_headers = response.status, {k.lower(): v for k, v in response.getheaders()}
    except TimeoutError:
        raise AwsCallError(f"{signing_name} call timed out", retryable=True, code="Timeout") from None
    except (OSError, http.client.HTTPException) as err:
        raise AwsCallError(f"{signing_name} call failed: {type(err).__name__}", retryable=True) from None
    finally:
        connection.close()
    if len(raw) > max_answer_bytes:
        raise AwsCallError(f"{signing_name} answered more than {max_answer_bytes} bytes", code="TooLarge")
    return status, answer_headers, raw


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
    body = json.dumps(payload, separators=(",", ":")).encode()
    status, _, raw = send(
        target,
        signing_name=service,
        path="/",
        body=body,
        headers={"content-type": "application/x-amz-json-1.0", "x-amz-target": f"{api_version}.{operation}"},
        timeout_seconds=timeout_seconds,
        now=now,
    )
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
