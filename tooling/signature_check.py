"""The emulator's SigV4 check for the local stage's AWS_IAM methods (`POST /_gateway/sigv4-check`).

API Gateway verifies a signed request against the caller's secret key and evaluates
its IAM policies before an AWS_IAM method runs. The local stage cannot: the secrets
live in the emulator. So the emulator answers for it: given the request as received
(method, URL, headers, body), it finds the access key among its IAM users' keys and
its STS sessions, recomputes the signature with that key (botocore's SigV4, as the
caller signed), refuses a date more than five minutes off, and evaluates the
principal's identity policies for `execute-api:Invoke` on the method's ARN with
moto's evaluator. It answers who the caller is, never a secret.

What it cannot do: evaluate the API's resource policy, SCPs, permission boundaries or
session policies, or conditions moto does not know; and it trusts any
`X-Amz-Security-Token` that matches a session moto issued.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import json
from typing import Any

SIGNATURE_CHECK_PATH = "/_gateway/sigv4-check"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
# moto's access-key lookup reads these by their canonical spelling.
CANONICAL_HEADERS = {"authorization": "Authorization", "x-amz-date": "X-Amz-Date",
                     "x-amz-security-token": "X-Amz-Security-Token"}  # fmt: skip


class SignatureRefused(Exception):
    """The request's signature does not hold; `code` says how (API Gateway's wording in the message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _authorization_parts(value: str) -> dict[str, str]:
    scheme, _, rest = value.partition(" ")
    if scheme != ALGORITHM:
        raise SignatureRefused("MissingAuthenticationToken", "Missing Authentication Token")
    parts = dict(p.strip().partition("=")[::2] for p in rest.split(","))
    if not {"Credential", "SignedHeaders", "Signature"} <= set(parts):
        raise SignatureRefused(
            "IncompleteSignature", "Authorization header requires Credential, SignedHeaders, Signature"
        )
    return parts


def check(request: dict[str, Any], now: datetime.datetime | None = None) -> dict[str, str]:
    """The signed caller of `request` (`principal_arn`, `account_id`, `access_key_id`), or SignatureRefused."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.access_control import CreateAccessKeyFailure, create_access_key

    received: dict[str, str] = dict(request["headers"])
    headers: dict[str, str] = {CANONICAL_HEADERS.get(k.lower(), k): v for k, v in received.items()}
    parts = _authorization_parts(headers.get("Authorization", ""))
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[3] != "execute-api" or scope[4] != "aws4_request":
        raise SignatureRefused("InvalidSignature", "Credential should be scoped to the execute-api service")
    access_key_id, _, region = scope[0], scope[1], scope[2]
    stamp = headers.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise SignatureRefused("IncompleteSignature", "the request has no valid X-Amz-Date") from None
    if abs((now or datetime.datetime.now(datetime.UTC)) - signed_at) > MAX_CLOCK_SKEW:
        raise SignatureRefused("InvalidSignatureException", f"Signature expired: {stamp} is now earlier or later")
    try:
        key = create_access_key(DEFAULT_ACCOUNT_ID, "aws", access_key_id, headers)
    except CreateAccessKeyFailure:
        raise SignatureRefused(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        ) from None
    signed = parts["SignedHeaders"].split(";")
    body = base64.b64decode(request.get("body_base64") or "")
    aws_request = AWSRequest(
        method=request["method"],
        url=request["url"],
        data=body,
        headers={k: v for k, v in headers.items() if k.lower() in signed},
    )
    aws_request.context["timestamp"] = stamp
    auth = SigV4Auth(key.create_credentials(), "execute-api", region)
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise SignatureRefused(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    _check_invoke(key, request.get("resource", "*"))
    return {"principal_arn": key.arn, "account_id": DEFAULT_ACCOUNT_ID, "access_key_id": access_key_id}


def _check_invoke(key: Any, resource: str) -> None:
    """The principal's identity policies must allow `execute-api:Invoke` on the method (moto's evaluator)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    results = [
        IAMPolicy(policy).is_action_permitted("execute-api:Invoke", resource) for policy in key.collect_policies()
    ]
    if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
        raise SignatureRefused(
            "AccessDeniedException",
            f"User: {key.arn} is not authorized to perform: execute-api:Invoke on resource: {resource}",
        )


def serve(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The WSGI answer: 200 with the caller, or 403 with the refusal's code and message."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        answer, status = check(json.loads(environ["wsgi.input"].read(length))), "200 OK"
    except SignatureRefused as refused:
        answer, status = {"code": refused.code, "message": str(refused)}, "403 Forbidden"
    except (KeyError, TypeError, ValueError) as err:
        answer, status = {"code": "BadRequest", "message": f"malformed check: {type(err).__name__}"}, "400 Bad Request"
    body = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def patch_server() -> None:
    """Route the check path to `serve` in moto's server, before its service dispatch."""
    from moto.moto_server import werkzeug_app

    dispatch = werkzeug_app.DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == SIGNATURE_CHECK_PATH and environ.get("REQUEST_METHOD") == "POST":
            return serve(environ, start_response)
        return dispatch(self, environ, start_response)

    werkzeug_app.DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
