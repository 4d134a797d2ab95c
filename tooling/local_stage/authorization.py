"""A REQUEST authorizer run as API Gateway runs it: identity sources, the result cache, the policy check.

With identity sources and a TTL above 0, API Gateway refuses a request missing one of
them with 401 without calling the authorizer, and caches the authorizer's answer by
their values for the TTL. The cached answer (its policy) is then reused for every
method the same caller calls, so a policy that allows only the method it was first
asked for refuses the caller's next method with 403 until the entry expires: the trap
of caching a narrow policy, visible here as in AWS.
"""

from __future__ import annotations

import fnmatch
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tooling.local_stage.gateway_responses import Refusal

Handler = Any
Clock = Callable[[], float]


@dataclass(frozen=True)
class Authorizer:
    """A REQUEST authorizer: its handler, identity sources and result TTL."""

    handler: Handler
    # `method.request.header.Authorization`, `method.request.querystring.key`, ... (none: nothing cached)
    identity_sources: tuple[str, ...] = ()
    ttl_seconds: int = 0
    authorizer_id: str = "authorizer"

    @staticmethod
    def sources_of(identity_source: str) -> tuple[str, ...]:
        return tuple(s.strip() for s in identity_source.split(",") if s.strip())


class Context:
    """The LambdaContext attributes handlers read."""

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = "local-stage"
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local-stage"
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def allows(policy: dict[str, Any], method_arn: str) -> bool:
    """Evaluate the authorizer's policy for `method_arn` as API Gateway does: an explicit Deny wins."""
    allowed = False
    for statement in policy.get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(method_arn, pattern) for pattern in resources):
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def identity_values(authorizer: Authorizer, event: dict[str, Any]) -> tuple[str, ...] | None:
    """The request's value of each identity source, or None when one is missing or empty."""
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    values = []
    for source in authorizer.identity_sources:
        if source.startswith("method.request.header."):
            value = headers.get(source.removeprefix("method.request.header.").lower())
        elif source.startswith("method.request.querystring."):
            value = query.get(source.removeprefix("method.request.querystring."))
        else:  # stage and context variables as identity sources: not used by these modules
            value = None
        if not value:
            return None
        values.append(str(value))
    return tuple(values)


class AuthorizerCache:
    """The authorizers' cached answers, by authorizer and identity values, for their TTL."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._answers: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def answer(self, authorizer: Authorizer, event: dict[str, Any], method_arn: str) -> dict[str, Any]:
        values = identity_values(authorizer, event)
        if authorizer.identity_sources and values is None:
            raise Refusal("UNAUTHORIZED")
        cached = bool(authorizer.identity_sources) and authorizer.ttl_seconds > 0
        key = (authorizer.authorizer_id, values or ())
        if cached:
            with self._lock:
                found = self._answers.get(key)
            if found is not None and found[0] > self._clock():
                return found[1]
        answer = self._call(authorizer, {**event, "type": "REQUEST", "methodArn": method_arn})
        if cached:
            with self._lock:
                self._answers[key] = (self._clock() + authorizer.ttl_seconds, answer)
        return answer

    def _call(self, authorizer: Authorizer, request: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = authorizer.handler(request, Context())
        except Exception as err:
            if str(err) == "Unauthorized":  # the authorizer's way of answering 401
                raise Refusal("UNAUTHORIZED") from None
            raise Refusal("AUTHORIZER_FAILURE") from None
        if not isinstance(answer, dict) or "policyDocument" not in answer:
            raise Refusal("AUTHORIZER_CONFIGURATION_ERROR")
        return answer


def authorize(
    authorizer: Authorizer,
    cache: AuthorizerCache,
    event: dict[str, Any],
    method_arn: str,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The authorizer's answer for this request, its policy checked for `method_arn` (403 when it does not allow).

    Its context goes into `context` first: API Gateway's refusal templates read `$context.authorizer.*` too."""
    answer = cache.answer(authorizer, event, method_arn)
    if context is not None:
        context.update(answer.get("context") or {})
    if not allows(answer.get("policyDocument") or {}, method_arn):
        raise Refusal("ACCESS_DENIED", "User is not authorized to access this resource")
    return answer
