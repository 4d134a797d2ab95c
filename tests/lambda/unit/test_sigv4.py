"""SigV4 with the standard library signs exactly as botocore does, so AWS accepts what the router sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.sigv4 import Credentials, sign

NOW = datetime(2026, 12, 1, 12, 30, 45, tzinfo=UTC)


@pytest.fixture(autouse=True)
def botocore_at_the_same_instant(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """botocore reads the clock itself: both sign for NOW."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    yield


def botocore_authorization(
    method: str, url: str, headers: dict[str, str], body: bytes, *, service: str, region: str, token: str | None
) -> str:
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    auth = SigV4Auth(BotoCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), service, region)
    # botocore signs the content hash header only for S3; add it so both sign the same header set.
    request.headers["X-Amz-Content-SHA256"] = auth.payload(request)
    auth.add_auth(request)
    return str(request.headers["Authorization"])


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEBYaDEXAMPLE//token=="])
@pytest.mark.parametrize(
    ("method", "url", "service", "body"),
    [
        ("POST", "https://dynamodb.us-east-1.amazonaws.com/", "dynamodb", b'{"TableName":"t"}'),
        ("POST", "http://127.0.0.1:4566/", "dynamodb", b"{}"),
        ("GET", "https://bucket.s3.eu-west-1.amazonaws.com/config/abc.json.gz", "s3", b""),
        ("GET", "https://example.execute-api.us-east-1.amazonaws.com/v1/models?b=2&a=1", "execute-api", b""),
    ],
)
def test_the_signature_equals_botocores(method: str, url: str, service: str, body: bytes, token: str | None) -> None:
    region = "eu-west-1" if ".eu-west-1." in url else "us-east-1"
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"}
    ours = sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        service=service,
        region=region,
        credentials=Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
        now=NOW,
    )
    assert ours["authorization"] == botocore_authorization(
        method, url, headers, body, service=service, region=region, token=token
    )
    assert ("x-amz-security-token" in ours) == (token is not None)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200), target=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ._0123456789", max_size=40))
def test_any_body_and_header_value_sign_as_botocore_does(body: bytes, target: str) -> None:
    url, headers = "https://dynamodb.us-east-1.amazonaws.com/", {"X-Amz-Target": target}
    ours = sign(method="POST", url=url, headers=headers, body=body, service="dynamodb", region="us-east-1",
                credentials=Credentials("AKIDEXAMPLE", "secret"), now=NOW)  # fmt: skip
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    auth = SigV4Auth(BotoCredentials("AKIDEXAMPLE", "secret"), "dynamodb", "us-east-1")
    request.headers["X-Amz-Content-SHA256"] = auth.payload(request)
    auth.add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]


def test_credentials_never_print_their_secret() -> None:
    text = repr(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token-value"))
    assert "wJalr" not in text and "token-value" not in text
