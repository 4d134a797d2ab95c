"""The local stage server: REST proxy events like API Gateway's, JSON errors for what it cannot serve."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.http import running
from tooling.background import free_port
from tooling.local_stage import Api, Authorizer, Method, allows, make_server, proxy_event, template_pattern


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
    )
    assert event["resource"] == "/v1/prompts/{name}"
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"name": "a"}
    assert event["queryStringParameters"] == {"x": "2"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["requestContext"]["path"] == "/local/v1/prompts/a"
    assert event["requestContext"]["requestId"]
    assert event["body"] == '{"a": 1}'


@pytest.fixture
def stage_url() -> Iterator[str]:
    def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}

    def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        key = event["headers"].get("authorization", "")
        if key == "Bearer denied":
            return {"principalId": "x", "policyDocument": {"Statement": [{"Effect": "Deny", "Resource": ["*"]}]}}
        if key != "Bearer good":
            raise Exception("Unauthorized")
        arn = "arn:aws:execute-api:us-east-1:123456789012:api/local/GET/v1/*"
        policy = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [arn]}]}
        return {
            "principalId": "acme",
            "policyDocument": policy,
            "context": {"tenant_id": "acme"},
            "usageIdentifierKey": "k",
        }

    guard = Authorizer(authorizer, "authorization")
    methods = [
        Method("GET", "/v1/models", template_pattern("/v1/models"), echo),
        Method("GET", "/v1/broken", template_pattern("/v1/broken"), broken),
        Method("GET", "/v1/private", template_pattern("/v1/private"), echo, guard, api_key_required=True),
    ]
    with running(make_server(free_port(), Api("us-east-1", "123456789012", "api", "local"), methods)) as url:
        yield url


def fetch(url: str, authorization: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"authorization": authorization} if authorization else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_a_request_reaches_the_handler_as_a_proxy_event(stage_url: str) -> None:
    status, event = fetch(f"{stage_url}/local/v1/models?limit=2")
    assert status == 200
    assert event["resource"] == "/v1/models"
    assert event["queryStringParameters"] == {"limit": "2"}


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/other/v1/models", 404, "stage_not_found"),
        ("/local/v1/nothing", 404, "route_not_found"),
        ("/local/v1/private", 401, "invalid_api_key"),
        ("/local/v1/broken", 502, "backend_failed"),
    ],
)
def test_what_the_stage_cannot_serve_is_a_json_error(stage_url: str, path: str, status: int, code: str) -> None:
    got_status, body = fetch(stage_url + path)
    assert got_status == status
    assert body["error"]["code"] == code
    assert body["error"]["request_id"]


def test_an_authorized_request_carries_the_authorizer_context(stage_url: str) -> None:
    status, event = fetch(f"{stage_url}/local/v1/private", "Bearer good")
    assert status == 200
    assert event["requestContext"]["authorizer"] == {"tenant_id": "acme", "principalId": "acme"}


@pytest.mark.parametrize(("authorization", "status"), [("Bearer bad", 401), ("Bearer denied", 403)])
def test_refusals_by_the_authorizer_keep_api_gateways_statuses(stage_url: str, authorization: str, status: int) -> None:
    got, body = fetch(f"{stage_url}/local/v1/private", authorization)
    assert got == status
    assert body["error"]["request_id"]


def test_policies_are_evaluated_with_wildcards_and_explicit_deny_wins() -> None:
    arn = "arn:aws:execute-api:r:1:api/s/GET/v1/models"
    assert allows({"Statement": [{"Effect": "Allow", "Resource": ["arn:aws:execute-api:r:1:api/s/GET/v1/*"]}]}, arn)
    assert not allows({"Statement": [{"Effect": "Allow", "Resource": ["arn:aws:execute-api:r:1:api/s/POST/*"]}]}, arn)
    both = [{"Effect": "Allow", "Resource": "*"}, {"Effect": "Deny", "Resource": [arn]}]
    assert not allows({"Statement": both}, arn)


def test_a_direct_service_route_is_refused_with_501_naming_the_service() -> None:
    from tooling.local_stage import Refusal, not_emulated

    handler = not_emulated("arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/{modelId}/converse")
    with pytest.raises(Refusal) as refused:
        handler({}, None)
    assert refused.value.status == 501
    assert "bedrock-runtime" in refused.value.message
