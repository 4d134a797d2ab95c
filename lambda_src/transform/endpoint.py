"""SageMaker InvokeEndpoint through the standard library: signed, bounded by the attempt's time, classified.

boto3 would cost the transform's cold start several hundred milliseconds for one REST call.
`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME` (or `AWS_ENDPOINT_URL`) points the call elsewhere, as it
does boto3's (the local stage's SageMaker runtime).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from shared.aws_json import AwsCallError, Target, send, target_from_env
from shared.backend_errors import BackendError

# boto3's service id for the override variable, SageMaker's host and signing names.
SERVICE, HOST, SIGNING_NAME = "sagemaker_runtime", "runtime.sagemaker", "sagemaker"
TARGET_VARIANT_HEADER = "x-amzn-sagemaker-target-variant"
INVOKED_VARIANT_HEADER = "x-amzn-invoked-production-variant"
# SageMaker's synchronous answers are at most 6 MB.
MAX_ANSWER_BYTES = 6 * 1024 * 1024
THROTTLED = frozenset({"ThrottlingException"})
UNAVAILABLE = frozenset(
    {"ServiceUnavailable", "InternalFailure", "InternalDependencyException", "ModelNotReadyException"}
)


@dataclass(frozen=True)
class Invocation:
    body: bytes
    variant: str


class SageMakerRuntime:
    """InvokeEndpoint for one function: the target is read from the environment on first use."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self._target: Target | None = None

    def invoke(
        self, endpoint: str, body: bytes, content_type: str, variant: str | None, timeout_seconds: float
    ) -> Invocation:
        """The endpoint's answer and the variant that served it; BackendError otherwise."""
        try:
            if self._target is None:
                self._target = target_from_env(SERVICE, self._environ, host=HOST)
            headers = {"content-type": content_type, "accept": "application/json"}
            if variant:
                headers[TARGET_VARIANT_HEADER] = variant
            status, answer_headers, raw = send(
                self._target,
                signing_name=SIGNING_NAME,
                path=f"/endpoints/{quote(endpoint, safe='')}/invocations",
                body=body,
                headers=headers,
                timeout_seconds=max(0.05, timeout_seconds),
                max_answer_bytes=MAX_ANSWER_BYTES,
            )
        except AwsCallError as err:
            kind = "timeout" if err.code == "Timeout" else "oversize" if err.code == "TooLarge" else "unavailable"
            raise BackendError(kind if err.retryable or err.code else "client", str(err)) from None
        if status == 200:
            return Invocation(raw, answer_headers.get(INVOKED_VARIANT_HEADER, variant or ""))
        raise classify(status, answer_headers, raw)


def classify(status: int, headers: Mapping[str, str], raw: bytes) -> BackendError:
    """An error answer as a BackendError; a ModelError carries the container's own status."""
    code = headers.get("x-amzn-errortype", "").partition(":")[0]
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    code = code or str(answer.get("__type", "")).rpartition("#")[2]
    if code == "ModelError":
        original = answer.get("OriginalStatusCode")
        status = original if isinstance(original, int) else 424
    if status == 429 or code in THROTTLED:
        return BackendError("throttled", f"sagemaker answered {status} {code}", status=429)
    if status >= 500 or code in UNAVAILABLE or (code == "ModelError" and status == 424):
        return BackendError("unavailable", f"sagemaker answered {status} {code}", status=status)
    # The request's fault (a model refusing its input) or the deployment's (no such endpoint or variant).
    return BackendError("client", f"sagemaker answered {status} {code}", status=status)
