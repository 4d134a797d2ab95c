"""The router's IAM-authorized routes: a SigV4 caller's principal maps to a tenant, or the call is refused."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from contract.principals import CONFIGURED_PRINCIPAL_PATTERN, caller_key, configured_key
from tests.conftest import FakeLambdaContext, load_event
from tests.support.config_store import document_text, publish
from tests.support.tenant_table import TABLE, create_tenant_table, put_tenant

MODELS = {
    "claude-3-haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0", "created": 0},
    "llama3-8b": {"provider": "sagemaker", "model_id": "llama3-8b-instruct", "created": 0},
}
ACCOUNT = "123456789012"
ROLE_KEY = f"arn:aws:iam::{ACCOUNT}:role/ci-runner"
USER_KEY = f"arn:aws:iam::{ACCOUNT}:user/batch"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/build-42"


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch, aws_credentials: None) -> Iterator[ModuleType]:
    monkeypatch.setenv("GATEWAY_TENANT_TABLE", TABLE)
    with mock_aws():
        dynamodb = create_tenant_table()
        put_tenant(dynamodb, f"principal#{ROLE_KEY}", tenant_id="acme", allowed_models=["claude-3-haiku"])
        put_tenant(dynamodb, f"principal#{USER_KEY}", tenant_id="globex", allowed_models=["llama3-8b"], enabled=False)
        publish(monkeypatch, {}, text=document_text({}).replace('"models":{}', f'"models":{json.dumps(MODELS)}'))
        import router.handler

        yield importlib.reload(router.handler)


def signed_event(user_arn: Any, account: Any = ACCOUNT, path: str = "/iam/v1/models") -> dict[str, Any]:
    """A proxy event of an AWS_IAM method: no authorizer context, the caller in `identity`."""
    event = load_event("get_models")
    event["resource"] = event["requestContext"]["resourcePath"] = path
    event["requestContext"].pop("authorizer", None)
    event["requestContext"]["identity"].update({"userArn": user_arn, "accountId": account, "caller": "AROAEXAMPLE"})
    return event


def answer(router: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    response = router.handler(event, FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"])


def test_a_mapped_role_session_is_served_as_its_tenant(router: ModuleType) -> None:
    status, body = answer(router, signed_event(SESSION))
    assert status == 200
    assert [m["id"] for m in body["data"]] == ["claude-3-haiku"]


def test_every_router_route_has_its_signed_twin(router: ModuleType) -> None:
    status, body = answer(router, signed_event(SESSION, path="/iam/v1/models/{modelAlias}"))
    # Served as the tenant's (the event names no model alias, so no such model), not an unknown route.
    assert status == 404 and body["error"]["code"] != "route_not_found"
    unsigned = {path for path in router.ROUTES if not path.startswith("/iam/")}
    assert {path for path in router.ROUTES if path.startswith("/iam/")} == {f"/iam{path}" for path in unsigned}


def test_a_signed_route_ignores_an_authorizer_context(router: ModuleType) -> None:
    # Only the principal counts on /iam routes: a forged context of another tenant changes nothing.
    event = signed_event(f"arn:aws:sts::{ACCOUNT}:assumed-role/unmapped/s")
    event["requestContext"]["authorizer"] = {
        "tenant_id": "acme",
        "tier": "standard",
        "allowed_models": "claude-3-haiku",
    }
    status, body = answer(router, event)
    assert status == 403 and body["error"]["code"] == "principal_not_mapped"


def test_a_disabled_tenant_is_refused(router: ModuleType) -> None:
    status, body = answer(router, signed_event(f"arn:aws:iam::{ACCOUNT}:user/ops/batch"))
    assert status == 403
    assert body["error"]["code"] == "tenant_disabled"


HOSTILE = [
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner",  # no session
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/s/extra",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner*/s",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/CI-RUNNER/s",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/{'s' * 65}",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/build\n",
    f" {SESSION}",
    f"{SESSION} ",
    # Account ids in fullwidth and Arabic-Indic digits: digits to Unicode, not to IAM.
    "arn:aws:sts::" + "".join(chr(0xFF10 + int(d)) for d in ACCOUNT) + ":assumed-role/ci-runner/s",
    "arn:aws:sts::١٢٣٤٥٦٧٨٩٠١٢:assumed-role/ci-runner/s",
    f"arn:aws-iso:sts::{ACCOUNT}:assumed-role/ci-runner/s",
    f"arn:aws:sts::{ACCOUNT}:federated-user/ci-runner",
    f"arn:aws:iam::{ACCOUNT}:root",
    ROLE_KEY,  # API Gateway reports a role session, never the role itself
    f"arn:aws:iam::{ACCOUNT}:role/ci-runner/x",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/s".replace("sts", "STS"),
    "arn:aws:sts::999999999999:assumed-role/ci-runner/s",  # the same name in another account
    "",
    None,
    42,
    ["arn"],
    "a" * 5000,
]


@pytest.mark.parametrize("user_arn", HOSTILE)
def test_hostile_or_unmapped_principals_get_403_in_the_envelope(router: ModuleType, user_arn: Any) -> None:
    account = "999999999999" if isinstance(user_arn, str) and "999999999999" in user_arn else ACCOUNT
    status, body = answer(router, signed_event(user_arn, account))
    assert status == 403
    assert body["error"]["code"] == "principal_not_mapped"
    assert body["error"]["type"] == "permission_error"
    assert body["error"]["request_id"]


def test_an_arn_of_another_account_than_the_caller_maps_to_nothing(router: ModuleType) -> None:
    status, _ = answer(router, signed_event(SESSION, account="210987654321"))
    assert status == 403


def test_the_tenant_table_failing_is_a_503_not_an_open_door(
    router: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_TENANT_TABLE", "no-such-table")
    from router.iam_callers import IamCallers, default_store

    monkeypatch.setattr(router, "IAM_CALLERS", IamCallers(default_store))
    routes = router.with_signed_routes({"/v1/models": {"GET": router.list_models}}, router.IAM_CALLERS)
    monkeypatch.setattr(router, "ROUTES", routes)
    status, body = answer(router, signed_event(SESSION))
    assert status == 503
    assert body["error"]["code"] == "tenant_store_unavailable"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=30))
def test_any_text_maps_to_nothing_or_to_a_canonical_principal(user_arn: str, account: str) -> None:
    key = caller_key(user_arn, account)
    if key is not None:
        assert configured_key(key) == key
        assert key.split(":")[4] == account


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20))
def test_text_around_a_session_maps_only_when_it_lengthens_the_session_name(prefix: str, suffix: str) -> None:
    key = caller_key(f"{prefix}{SESSION}{suffix}", ACCOUNT)
    session_name = f"build-42{suffix}"
    if prefix or not re.fullmatch(r"[A-Za-z0-9+=,.@_-]{2,64}", session_name, re.ASCII):
        assert key is None
    else:
        assert key == ROLE_KEY


@pytest.mark.parametrize(
    ("arn", "key"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/ci-runner", ROLE_KEY),
        (f"arn:aws:iam::{ACCOUNT}:role/service/team/ci-runner", ROLE_KEY),
        (f"arn:aws:iam::{ACCOUNT}:user/batch", USER_KEY),
        (f"arn:aws:iam::{ACCOUNT}:role/*", None),
        (f"arn:aws:iam::{ACCOUNT}:role/ci-*", None),
        (f"arn:aws:iam::{ACCOUNT}:group/admins", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-runner/s", None),
        ("arn:aws:iam::12345678901:role/x", None),
    ],
)
def test_configured_principals_have_one_canonical_key(arn: str, key: str | None) -> None:
    assert configured_key(arn) == key
    assert CONFIGURED_PRINCIPAL_PATTERN.startswith("^") and CONFIGURED_PRINCIPAL_PATTERN.endswith("$")
