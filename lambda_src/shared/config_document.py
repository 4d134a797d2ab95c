"""Read the gateway's configuration document: one DynamoDB item, named by its content address.

The function's environment names the table and the document's version (the SHA-256
of its JSON text). The item is read once per container with a strongly consistent
GetItem, decompressed and checked against that hash before any of it is parsed, so a
container never runs on a document other than the one its environment names.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import json
import random
import re
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from contract import config_document as layout
from contract import environment as env
from shared.aws_json import AwsCallError, call, target_from_env

# Bounds a hostile or corrupt item: far above any real catalog, far below a Lambda's memory.
MAX_DOCUMENT_TEXT_BYTES = 64 * 1024 * 1024
ATTEMPTS = 3
ATTEMPT_TIMEOUT_SECONDS = 2.0
VERSION = re.compile(layout.VERSION_PATTERN)

ItemFetcher = Callable[[str, str], dict[str, Any] | None]


class ConfigUnavailable(Exception):
    """The document could not be read now (network, throttling, item not there yet): try again later."""


class ConfigInvalid(Exception):
    """The environment or the stored document is wrong: an operator must fix the deployment."""


def dynamodb_fetcher(environ: Mapping[str, str]) -> ItemFetcher:
    """GetItem (strongly consistent) through the standard library, retried with jitter on transient failures."""

    def fetch(table: str, key: str) -> dict[str, Any] | None:
        target = target_from_env("dynamodb", environ)
        payload = {"TableName": table, "Key": {layout.TABLE_HASH_KEY: {"S": key}}, "ConsistentRead": True}
        for attempt in range(ATTEMPTS):
            try:
                item = call("dynamodb", "GetItem", payload, target, timeout_seconds=ATTEMPT_TIMEOUT_SECONDS).get("Item")
            except AwsCallError as err:
                if not err.retryable or attempt + 1 == ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.1 * 2**attempt))  # noqa: S311 - jitter, not a secret
                continue
            return item if isinstance(item, dict) else None
        return None  # unreachable: the loop returns or raises

    return fetch


def read_document(environ: Mapping[str, str], fetch: ItemFetcher | None = None) -> dict[str, Any]:
    """The configuration document the environment names, verified against its content address.

    Raises
    ------
    ConfigInvalid
        The environment names no valid table or version, or the item is not the document it should be.
    ConfigUnavailable
        The store did not answer, or the item is not there (yet).
    """
    table, version = environ.get(env.CONFIG_TABLE, ""), environ.get(env.CONFIG_VERSION, "")
    if not table or not VERSION.match(version):
        raise ConfigInvalid(
            f"{env.CONFIG_TABLE} and {env.CONFIG_VERSION} (a SHA-256, hex) must name the configuration document"
        )
    try:
        item = (fetch or dynamodb_fetcher(environ))(table, layout.item_key(version))
    except AwsCallError as err:
        if err.retryable:
            raise ConfigUnavailable(f"configuration read failed: {err}") from None
        raise ConfigInvalid(f"configuration read refused: {err}") from None
    if item is None:
        raise ConfigUnavailable(f"configuration item {layout.item_key(version)[:20]}... is not in table {table}")
    return decode_item(item, version)


def decode_item(item: dict[str, Any], version: str) -> dict[str, Any]:
    """The document held by a DynamoDB item (typed attribute values), checked against `version`."""
    attribute = item.get(layout.ITEM_DOCUMENT)
    blob = attribute.get("B") if isinstance(attribute, dict) else None
    try:
        compressed = base64.b64decode(blob, validate=True) if isinstance(blob, str) else b""
        text = _gunzip(compressed)
    except (binascii.Error, OSError, EOFError, zlib.error, ValueError) as err:
        raise ConfigInvalid(f"the configuration item does not hold a gzip document: {err}") from None
    if hashlib.sha256(text).hexdigest() != version:
        raise ConfigInvalid("the configuration item's content does not match its version (SHA-256)")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ConfigInvalid(layout.NOT_JSON)
    return document


def _gunzip(data: bytes) -> bytes:
    if not data:
        raise ValueError("the document attribute is empty")
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
        text = stream.read(MAX_DOCUMENT_TEXT_BYTES + 1)
    if len(text) > MAX_DOCUMENT_TEXT_BYTES:
        raise ValueError(f"the document is larger than {MAX_DOCUMENT_TEXT_BYTES} bytes uncompressed")
    return text


def document_problems(document: Any) -> list[str]:
    """What makes `document` unreadable by this version of the functions: not an object, another schema."""
    if not isinstance(document, dict):
        return [layout.NOT_JSON]
    if document.get(layout.SCHEMA, layout.SCHEMA_VERSION) != layout.SCHEMA_VERSION:
        return [layout.SCHEMA_UNSUPPORTED.format(value=document.get(layout.SCHEMA))]
    return []
