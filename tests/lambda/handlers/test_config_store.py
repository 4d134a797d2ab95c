"""The configuration document's store: a signed GetItem over HTTP, retried, verified, never redirected.

Against a moto server on 127.0.0.1 (the real HTTP and signing path), and small local
servers that fail, throttle or redirect on purpose.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3
import pytest
from moto.server import ThreadedMotoServer

from shared.config_document import ConfigInvalid, ConfigUnavailable, decode_item, read_document
from tests.support.config_store import TABLE, document_text, item_of
from tests.support.http import running, send_json
from tooling.config_document import create_table, put_document
from tooling.emulator import free_port

MODELS = {"haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0"}}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto's backends live in this process, shared with every other moto use: start from nothing.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    try:
        yield endpoint
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
        server.stop()


def environment(endpoint: str, version: str, table: str = TABLE) -> dict[str, str]:
    return {
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "GATEWAY_CONFIG_TABLE": table,
        "GATEWAY_CONFIG_VERSION": version,
    }


def publish(endpoint: str, text: str) -> str:
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    create_table(client, TABLE)
    return put_document(client, TABLE, text)


def test_the_document_is_read_from_dynamodb_over_signed_http(moto_endpoint: str) -> None:
    text = document_text(MODELS, {"aliases": {}, "tenant_pins": {}})
    version = publish(moto_endpoint, text)
    assert read_document(environment(moto_endpoint, version)) == json.loads(text)


def test_a_version_not_in_the_table_is_unavailable_not_invalid(moto_endpoint: str) -> None:
    publish(moto_endpoint, document_text(MODELS))
    with pytest.raises(ConfigUnavailable, match="is not in table"):
        read_document(environment(moto_endpoint, "0" * 64))


def test_a_missing_table_is_an_operator_error(moto_endpoint: str) -> None:
    with pytest.raises(ConfigInvalid, match="ResourceNotFoundException"):
        read_document(environment(moto_endpoint, "0" * 64, table="no-such-table"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GATEWAY_CONFIG_TABLE": TABLE}, "must name the configuration document"),
        ({"GATEWAY_CONFIG_TABLE": TABLE, "GATEWAY_CONFIG_VERSION": "latest"}, "SHA-256"),
        ({"GATEWAY_CONFIG_VERSION": "a" * 64}, "must name the configuration document"),
    ],
)
def test_an_environment_that_names_no_document_is_invalid(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigInvalid, match=message):
        read_document({**CREDENTIALS, **env}, fetch=lambda table, key: None)


def test_an_item_whose_content_does_not_match_its_version_is_refused() -> None:
    version, item = item_of(document_text(MODELS))
    _, other = item_of(document_text({"other": MODELS["haiku"]}))
    with pytest.raises(ConfigInvalid, match="does not match its version"):
        decode_item(other, version)
    assert decode_item(item, version)["models"] == MODELS


@pytest.mark.parametrize("blob", ["", "not base64!", "aGVsbG8=", None])
def test_an_item_that_holds_no_gzip_document_is_refused(blob: str | None) -> None:
    with pytest.raises(ConfigInvalid, match="does not hold a gzip document"):
        decode_item({"pk": {"S": "config#x"}, "document": {"B": blob}}, "0" * 64)


def test_a_document_that_is_not_a_json_object_is_refused() -> None:
    version, item = item_of("[1, 2]")
    with pytest.raises(ConfigInvalid, match="not a JSON object"):
        decode_item(item, version)


class Scripted(BaseHTTPRequestHandler):
    """Answers each POST with the next scripted (status, body, headers); records what it received."""

    script: ClassVar[list[tuple[int, Any, dict[str, str]]]] = []
    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).received.append({k.lower(): v for k, v in self.headers.items()})
        status, body, headers = type(self).script.pop(0)
        send_json(self, status, body, headers)

    def log_message(self, *args: object) -> None:
        return


def scripted(script: list[tuple[int, Any, dict[str, str]]]) -> ThreadingHTTPServer:
    Scripted.script, Scripted.received = list(script), []
    return ThreadingHTTPServer(("127.0.0.1", 0), Scripted)


def test_throttling_and_server_errors_are_retried_then_the_item_is_read() -> None:
    version, item = item_of(document_text(MODELS))
    throttled = {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}
    with running(scripted([(400, throttled, {}), (500, {}, {}), (200, {"Item": item}, {})])) as url:
        assert read_document(environment(url, version))["models"] == MODELS
    assert len(Scripted.received) == 3
    assert all(r["authorization"].startswith("AWS4-HMAC-SHA256 Credential=test/") for r in Scripted.received)


def test_a_store_that_keeps_failing_is_unavailable_after_three_tries() -> None:
    with running(scripted([(503, {}, {})] * 3)) as url, pytest.raises(ConfigUnavailable, match="503"):
        read_document(environment(url, "a" * 64))
    assert len(Scripted.received) == 3


def test_a_redirect_is_never_followed_with_the_credentials() -> None:
    with running(scripted([])) as elsewhere:
        with (
            running(scripted([(307, {}, {"location": f"{elsewhere}/steal"})])) as url,
            pytest.raises(ConfigInvalid, match="307"),
        ):
            read_document(environment(url, "a" * 64))
        assert len(Scripted.received) == 1, "one request, to the signed endpoint only"


def test_an_endpoint_override_that_is_neither_https_nor_loopback_is_refused() -> None:
    with pytest.raises(ConfigInvalid, match="https:// or loopback"):
        read_document(environment("http://169.254.169.254", "a" * 64))


def test_without_credentials_nothing_is_sent() -> None:
    with pytest.raises(ConfigInvalid, match="credentials"):
        read_document({"GATEWAY_CONFIG_TABLE": TABLE, "GATEWAY_CONFIG_VERSION": "a" * 64, "AWS_REGION": "us-east-1"})
