"""AWS_IAM methods on the local stage: who signed the request, asked of the emulator, which holds the keys.

API Gateway answers a request without a SigV4 signature `MISSING_AUTHENTICATION_TOKEN`, a
bad or stale signature or an unknown key `INVALID_SIGNATURE` (403), and a principal whose
policies do not allow `execute-api:Invoke` on the method `ACCESS_DENIED`; the signed caller
then reaches the integration as `requestContext.identity` (`userArn`, `accountId`, `caller`,
`accessKey`, `user`). The emulator's check (`tooling.signature_check`) says what it evaluates
and what not (no resource policy, no SCPs).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from tooling.local_stage.gateway_responses import Refusal
from tooling.signature_check import SIGNATURE_CHECK_PATH

CHECK_TIMEOUT_SECONDS = 5.0
REFUSALS = {
    "MissingAuthenticationToken": "MISSING_AUTHENTICATION_TOKEN",
    "IncompleteSignature": "INVALID_SIGNATURE",
    "InvalidSignature": "INVALID_SIGNATURE",
    "InvalidSignatureException": "INVALID_SIGNATURE",
    "UnrecognizedClientException": "INVALID_SIGNATURE",
    "AccessDeniedException": "ACCESS_DENIED",
}
Check = Callable[[dict[str, Any]], dict[str, Any]]


def emulator_check(endpoint: str) -> Check:
    """Ask the emulator at `endpoint`; its 403 answers become the refusals above."""

    def check(request: dict[str, Any]) -> dict[str, Any]:
        call = urllib.request.Request(  # noqa: S310 - the emulator, over http
            endpoint.rstrip("/") + SIGNATURE_CHECK_PATH,
            data=json.dumps(request).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(call, timeout=CHECK_TIMEOUT_SECONDS) as answer:  # noqa: S310 - the emulator
                found: dict[str, Any] = json.loads(answer.read())
                return found
        except urllib.error.HTTPError as err:
            refused = json.loads(err.read() or b"{}")
            raise Refusal(REFUSALS.get(refused.get("code", ""), "INVALID_SIGNATURE"), refused.get("message")) from None
        except (OSError, ValueError):
            raise Refusal("AUTHORIZER_FAILURE", "the emulator did not answer the signature check") from None

    return check


def identify(
    check: Check, *, method: str, url: str, headers: dict[str, str], body: bytes, method_arn: str
) -> dict[str, Any]:
    """The `requestContext.identity` fields of the request's signed caller (or the refusal API Gateway sends)."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise Refusal("MISSING_AUTHENTICATION_TOKEN")
    caller = check(
        {
            "method": method,
            "url": url,
            "headers": headers,
            "body_base64": base64.b64encode(body).decode(),
            "resource": method_arn,
        }
    )
    arn = caller["principal_arn"]
    return {
        "userArn": arn,
        "accountId": caller["account_id"],
        "accessKey": caller["access_key_id"],
        "caller": arn.rpartition(":")[2],
        "user": arn.rpartition(":")[2],
    }
