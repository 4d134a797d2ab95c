"""The emulator's SigV4 check: who signed a request, with moto's keys and identity policies."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto import mock_aws

from tooling.signature_check import SignatureRefused, check

URL = "http://127.0.0.1:8080/local/iam/v1/chat/completions?x=1"
RESOURCE = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/POST/iam/v1/chat/completions"
INVOKE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": RESOURCE}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture
def iam(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iam")


def user_credentials(iam: Any, name: str = "batch", policy: dict[str, Any] | None = INVOKE) -> Credentials:
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="invoke", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def role_credentials(iam: Any) -> Credentials:
    iam.create_role(RoleName="ci-runner", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="ci-runner", PolicyName="invoke", PolicyDocument=json.dumps(INVOKE))
    session = boto3.client("sts").assume_role(
        RoleArn="arn:aws:iam::123456789012:role/ci-runner", RoleSessionName="build-42"
    )["Credentials"]
    return Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])


def signed(credentials: Credentials, body: bytes = b'{"model": "m"}', service: str = "execute-api") -> dict[str, Any]:
    request = AWSRequest(method="POST", url=URL, data=body, headers={"content-type": "application/json"})
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    # What the local stage forwards: the headers as received (lower case) and the body.
    return {
        "method": "POST",
        "url": URL,
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body_base64": base64.b64encode(body).decode(),
        "resource": RESOURCE,
    }


def test_a_users_signature_names_the_user(iam: Any) -> None:
    caller = check(signed(user_credentials(iam)))
    assert caller["principal_arn"] == "arn:aws:iam::123456789012:user/batch"
    assert caller["account_id"] == "123456789012"


def test_a_role_sessions_signature_names_the_assumed_role(iam: Any) -> None:
    caller = check(signed(role_credentials(iam)))
    assert caller["principal_arn"] == "arn:aws:sts::123456789012:assumed-role/ci-runner/build-42"


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (lambda r: r.update(body_base64=base64.b64encode(b'{"model": "other"}').decode()), "InvalidSignatureException"),
        (lambda r: r.update(url=URL.replace("x=1", "x=2")), "InvalidSignatureException"),
        (lambda r: r.update(method="PUT"), "InvalidSignatureException"),
        (lambda r: r["headers"].update({"content-type": "text/plain"}), "InvalidSignatureException"),
        (lambda r: r["headers"].pop("authorization"), "MissingAuthenticationToken"),
        (lambda r: r["headers"].update(authorization="Bearer abc"), "MissingAuthenticationToken"),
        (
            lambda r: r["headers"].update(authorization=r["headers"]["authorization"].replace("AKIA", "AKIB", 1)),
            "UnrecognizedClientException",
        ),
        (lambda r: r["headers"].update({"x-amz-date": "20200101T000000Z"}), "InvalidSignatureException"),
    ],
    ids=["body", "query", "method", "signed-header", "unsigned", "bearer", "unknown-key", "old-date"],
)
def test_a_tampered_or_unsigned_request_is_refused(iam: Any, tamper: Any, code: str) -> None:
    request = signed(user_credentials(iam))
    tamper(request)
    with pytest.raises(SignatureRefused) as refused:
        check(request)
    assert refused.value.code == code


def test_a_wrong_secret_is_refused(iam: Any) -> None:
    real = user_credentials(iam)
    with pytest.raises(SignatureRefused, match="does not match"):
        check(signed(Credentials(real.access_key, "not-the-secret-key-0123456789abcdefghij")))


def test_a_signature_for_another_service_is_refused(iam: Any) -> None:
    with pytest.raises(SignatureRefused, match="execute-api"):
        check(signed(user_credentials(iam), service="lambda"))


def test_a_stale_signature_is_refused_by_the_clock(iam: Any) -> None:
    request = signed(user_credentials(iam))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=6)
    with pytest.raises(SignatureRefused, match="Signature expired"):
        check(request, now=later)


def test_a_principal_without_an_invoke_policy_is_denied(iam: Any) -> None:
    with pytest.raises(SignatureRefused) as refused:
        check(signed(user_credentials(iam, policy=None)))
    assert refused.value.code == "AccessDeniedException"


def test_an_explicit_deny_wins(iam: Any) -> None:
    deny = {"Version": "2012-10-17", "Statement": [*INVOKE["Statement"], {**INVOKE["Statement"][0], "Effect": "Deny"}]}
    with pytest.raises(SignatureRefused) as refused:
        check(signed(user_credentials(iam, policy=deny)))
    assert refused.value.code == "AccessDeniedException"


def test_a_session_token_of_another_session_is_refused(iam: Any) -> None:
    real = role_credentials(iam)
    request = signed(Credentials(real.access_key, real.secret_key, "forged-session-token"))
    with pytest.raises(SignatureRefused) as refused:
        check(request)
    assert refused.value.code == "UnrecognizedClientException"
