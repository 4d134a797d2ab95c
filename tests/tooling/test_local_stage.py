"""The local stage server: API Gateway's request path (throttles, authorizer and its cache, usage plans,
validation) in front of the integrations, every refusal rendered from the module's gateway responses."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.http import running
from tests.support.local_stage import ManualClock as Clock
from tests.support.local_stage import module_gateway_responses
from tooling.background import free_port
from tooling.local_stage.authorization import Authorizer, AuthorizerCache, allows
from tooling.local_stage.deployed import Api, Method, Stage, not_emulated, template_pattern
from tooling.local_stage.gateway_responses import NotEmulated
from tooling.local_stage.server import make_server, proxy_event
from tooling.local_stage.usage_plans import Plan, Quota, StageThrottles, Throttle, UsagePlans

API = Api("us-east-1", "123456789012", "api", "local")
SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["model"],
    "properties": {"model": {"type": "string", "maxLength": 8}, "n": {"type": "integer", "minimum": 1}},
}


@dataclass
class Calls:
    authorizer: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)


def test_templates_match_path_parameters() -> None:
    assert template_pattern("/v1/prompts/{name}").match("/v1/prompts/summarise")["name"] == "summarise"  # type: ignore[index]
    assert template_pattern("/v1/models").match("/v1/models/x") is None
    assert template_pattern("/files/{proxy+}").match("/files/a/b")["proxy"] == "a/b"  # type: ignore[index]


def test_proxy_event_has_the_fields_api_gateway_sends() -> None:
    method = Method("POST", "/v1/prompts/{name}", template_pattern("/v1/prompts/{name}"), None)
    event = proxy_event(
        method,
        stage="local",
        path="/v1/prompts/a",
        query="x=1&x=2",
        headers={"content-type": "application/json"},
        body=b'{"a": 1}',
        params={"name": "a"},
        request_id="req-1",
    )
    assert event["resource"] == "/v1/prompts/{name}"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"name": "a"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["requestContext"]["path"] == "/local/v1/prompts/a"
    assert event["requestContext"]["requestId"] == "req-1"
    assert event["body"] == '{"a": 1}'


def build_stage(calls: Calls, clock: Clock, *, ttl: int = 0, plans: dict[str, Plan] | None = None,
                throttles: dict[str, Throttle] | None = None) -> Stage:  # fmt: skip
    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.seen.append(event)
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}

    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.authorizer += 1
        key = event["headers"].get("authorization", "")
        if key == "Bearer denied":
            return {"principalId": "x", "policyDocument": {"Statement": [{"Effect": "Deny", "Resource": ["*"]}]}}
        if key not in ("Bearer good", "Bearer narrow"):
            raise Exception("Unauthorized")
        # "narrow" is allowed only the method it was asked for: the policy a cache must not reuse.
        arn = event["methodArn"] if key == "Bearer narrow" else "arn:aws:execute-api:us-east-1:123456789012:api/local/*"
        policy = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [arn]}]}
        return {"principalId": "acme", "policyDocument": policy, "context": {"tenant_id": "acme"},
                "usageIdentifierKey": key.removeprefix("Bearer ")}  # fmt: skip

    sources = ("method.request.header.Authorization",) if ttl else ()
    guard = Authorizer(authorizer, sources, ttl)

    def method(verb: str, path: str, handler: Any, **options: Any) -> Method:
        return Method(verb, path, template_pattern(path), handler, guard, api_key_required=True, **options)

    methods = [
        Method("GET", "/v1/open", template_pattern("/v1/open"), echo),
        method("GET", "/v1/broken", broken),
        method("GET", "/v1/private", echo),
        method("GET", "/v1/other", echo),
        method("POST", "/v1/checked", echo, request_schema=SCHEMA),
        method("POST", "/v1/direct", not_emulated("arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/x")),
    ]
    unlimited = Plan("p1", "premium", Throttle(1000, 1000), None)
    return Stage(
        API,
        methods,
        module_gateway_responses(),
        UsagePlans(plans if plans is not None else {"good": unlimited, "narrow": unlimited}, clock=clock, wall=clock),
        StageThrottles(throttles or {}, clock=clock),
        AuthorizerCache(clock=clock),
    )


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def stage_url(calls: Calls, clock: Clock) -> Iterator[str]:
    with running(make_server(free_port(), build_stage(calls, clock))) as url:
        yield url


def fetch(url: str, authorization: str | None = None, body: bytes | None = None) -> tuple[int, dict[str, Any], Any]:
    headers = {"authorization": authorization} if authorization else {}
    if body is not None:
        headers["content-type"] = "application/json"
    request = urllib.request.Request(url, headers=headers, data=body)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def test_a_request_reaches_the_handler_as_a_proxy_event(stage_url: str) -> None:
    status, _, event = fetch(f"{stage_url}/local/v1/open?limit=2")
    assert status == 200
    assert event["resource"] == "/v1/open"
    assert event["queryStringParameters"] == {"limit": "2"}


@pytest.mark.parametrize(
    ("path", "authorization", "status", "code"),
    [
        ("/other/v1/open", None, 404, "route_not_found"),  # MISSING_AUTHENTICATION_TOKEN, as deployed
        ("/local/v1/nothing", None, 404, "route_not_found"),
        ("/local/v1/private", None, 401, "invalid_api_key"),  # UNAUTHORIZED
        ("/local/v1/private", "Bearer bad", 401, "invalid_api_key"),
        ("/local/v1/private", "Bearer denied", 403, "access_denied"),
        ("/local/v1/broken", "Bearer good", 502, "backend_failed"),  # INTEGRATION_FAILURE
    ],
)
def test_refusals_are_the_deployed_gateway_responses(
    stage_url: str, path: str, authorization: str | None, status: int, code: str
) -> None:
    got, headers, body = fetch(stage_url + path, authorization)
    assert (got, body["error"]["code"]) == (status, code)
    assert body["error"]["request_id"] == headers["x-request-id"]


def test_an_authorized_request_carries_the_authorizer_context(stage_url: str) -> None:
    status, _, event = fetch(f"{stage_url}/local/v1/private", "Bearer good")
    assert status == 200
    assert event["requestContext"]["authorizer"] == {"tenant_id": "acme", "principalId": "acme"}


def test_a_route_the_stage_cannot_run_is_a_501_naming_the_feature(stage_url: str) -> None:
    status, _, body = fetch(f"{stage_url}/local/v1/direct", "Bearer good", b"{}")
    assert status == 501
    assert body["error"]["code"] == "not_emulated"
    assert "bedrock-runtime" in body["error"]["message"]
    with pytest.raises(NotEmulated):
        not_emulated("arn:aws:apigateway:us-east-1:bedrock-runtime:path/x")({}, None)


def test_policies_are_evaluated_with_wildcards_and_explicit_deny_wins() -> None:
    arn = "arn:aws:execute-api:r:1:api/s/GET/v1/models"
    assert allows({"Statement": [{"Effect": "Allow", "Resource": ["arn:aws:execute-api:r:1:api/s/GET/v1/*"]}]}, arn)
    assert not allows({"Statement": [{"Effect": "Allow", "Resource": ["arn:aws:execute-api:r:1:api/s/POST/*"]}]}, arn)
    both = [{"Effect": "Allow", "Resource": "*"}, {"Effect": "Deny", "Resource": [arn]}]
    assert not allows({"Statement": both}, arn)


# Request validation: the deployed model, API Gateway's words, the deployed BAD_REQUEST_BODY response.


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"n": 1}', '[object has missing required properties (["model"])]'),
        (
            b'{"model": "much-too-long", "n": 0}',
            '[string "much-too-long" is too long (length: 13, maximum allowed: 8), '
            "numeric instance is lower than the required minimum (minimum: 1, found: 0)]",
        ),
        (b'{"model": 7}', '[instance type (integer) does not match any allowed primitive type (allowed: ["string"])]'),
        (b"not json", "Invalid request body"),
    ],
)  # fmt: skip
def test_a_bad_body_never_reaches_the_integration(stage_url: str, calls: Calls, body: bytes, message: str) -> None:
    status, _, answer = fetch(f"{stage_url}/local/v1/checked", "Bearer good", body)
    assert (status, answer["error"]["code"], answer["error"]["message"]) == (400, "invalid_body", message)
    assert calls.seen == []
    status, _, _ = fetch(f"{stage_url}/local/v1/checked", "Bearer good", b'{"model": "m"}')
    assert status == 200 and len(calls.seen) == 1


# Usage plans: the token bucket per key, quotas per period, the key's plan.


def test_a_key_over_its_burst_is_throttled_until_the_bucket_refills(calls: Calls, clock: Clock) -> None:
    plans = {"good": Plan("p", "free", Throttle(rate_limit=2, burst_limit=4), None)}
    stage = build_stage(calls, clock, plans=plans)
    with running(make_server(free_port(), stage)) as url:
        statuses = [fetch(f"{url}/local/v1/private", "Bearer good")[0] for _ in range(6)]
        assert statuses == [200] * 4 + [429] * 2
        status, headers, body = fetch(f"{url}/local/v1/private", "Bearer good")
        assert (status, body["error"]["code"], headers["retry-after"]) == (429, "rate_limit_exceeded", "1")
        clock.now += 1.0  # two tokens at 2 per second
        assert [fetch(f"{url}/local/v1/private", "Bearer good")[0] for _ in range(3)] == [200, 200, 429]
    assert stage.plans.refused == {"THROTTLED": 4, "QUOTA_EXCEEDED": 0}


def test_a_key_over_its_quota_is_refused_until_the_next_period(calls: Calls, clock: Clock) -> None:
    clock.now = 1_800_000_000.0  # 2027-01-15 08:00 UTC
    plans = {"good": Plan("p", "free", None, Quota(limit=3, period="DAY"))}
    with running(make_server(free_port(), build_stage(calls, clock, plans=plans))) as url:
        assert [fetch(f"{url}/local/v1/private", "Bearer good")[0] for _ in range(4)] == [200, 200, 200, 429]
        _, _, body = fetch(f"{url}/local/v1/private", "Bearer good")
        assert body["error"]["code"] == "quota_exceeded"
        clock.now += 16 * 3600  # the next UTC day
        assert fetch(f"{url}/local/v1/private", "Bearer good")[0] == 200


def test_a_key_in_no_plan_of_the_stage_is_refused(calls: Calls, clock: Clock) -> None:
    with running(make_server(free_port(), build_stage(calls, clock, plans={}))) as url:
        status, _, body = fetch(f"{url}/local/v1/private", "Bearer good")
    assert (status, body["error"]["code"]) == (401, "invalid_api_key")  # INVALID_API_KEY, as deployed
    assert calls.seen == []


def test_a_method_throttle_of_the_stage_applies_to_every_caller_before_the_authorizer(
    calls: Calls, clock: Clock
) -> None:
    stage = build_stage(calls, clock, throttles={"v1/private/GET": Throttle(rate_limit=0, burst_limit=2)})
    with running(make_server(free_port(), stage)) as url:
        assert [fetch(f"{url}/local/v1/private", "Bearer good")[0] for _ in range(3)] == [200, 200, 429]
        assert fetch(f"{url}/local/v1/other", "Bearer good")[0] == 200
    assert calls.authorizer == 3  # the throttled request never reached the authorizer


# The authorizer's result cache.


def test_a_cached_answer_is_reused_for_the_ttl_and_its_narrow_policy_refuses_the_next_route(
    calls: Calls, clock: Clock
) -> None:
    with running(make_server(free_port(), build_stage(calls, clock, ttl=300))) as url:
        assert [fetch(f"{url}/local/v1/private", "Bearer narrow")[0] for _ in range(3)] == [200, 200, 200]
        assert calls.authorizer == 1
        # The trap: the policy cached for /v1/private is reused for /v1/other, and allows only the first.
        status, _, body = fetch(f"{url}/local/v1/other", "Bearer narrow")
        assert (status, body["error"]["code"]) == (403, "access_denied")
        assert calls.authorizer == 1
        clock.now += 301  # expired: the authorizer is asked again, for this method
        assert fetch(f"{url}/local/v1/other", "Bearer narrow")[0] == 200
        assert calls.authorizer == 2
        # Without the identity source the request is refused before the authorizer runs.
        assert fetch(f"{url}/local/v1/private")[0] == 401
        assert calls.authorizer == 2


def test_without_a_ttl_the_authorizer_runs_for_every_request(calls: Calls, clock: Clock) -> None:
    with running(make_server(free_port(), build_stage(calls, clock, ttl=0))) as url:
        assert fetch(f"{url}/local/v1/private", "Bearer narrow")[0] == 200
        assert fetch(f"{url}/local/v1/other", "Bearer narrow")[0] == 200
    assert calls.authorizer == 2
