"""The router's configuration document in tests: encoded as Terraform writes it, served from a fake store.

`publish` writes the document the way the module does (compact JSON with sorted keys,
gzip, keyed by its SHA-256) and points the environment at it; the router then reads
it through its real decoding and hash check, from an in-memory table instead of
DynamoDB (the store itself is tested against a moto server in tests/lambda).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from contract import config_document as layout
from contract import environment as env
from tooling.config_document import document_text, encoded

__all__ = ["TABLE", "FakeStore", "document_text", "item_of", "publish"]

TABLE = "aigw-test-config"


def item_of(text: str) -> tuple[str, dict[str, Any]]:
    """The document's version (content address) and its DynamoDB item, typed attribute values on the wire."""
    version, blob = encoded(text)
    return version, {
        layout.TABLE_HASH_KEY: {"S": layout.item_key(version)},
        layout.ITEM_DOCUMENT: {"B": base64.b64encode(blob).decode()},
    }


class FakeStore:
    """Items by (table, key); `fetch` has the signature of the router's DynamoDB fetcher."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.reads = 0

    def put(self, text: str, table: str = TABLE) -> str:
        version, item = item_of(text)
        self.items[(table, layout.item_key(version))] = item
        return version

    def fetch(self, table: str, key: str) -> dict[str, Any] | None:
        self.reads += 1
        return self.items.get((table, key))


def publish(
    monkeypatch: pytest.MonkeyPatch,
    models: dict[str, Any],
    routing: dict[str, Any] | None = None,
    response_cache: dict[str, Any] | None = None,
    *,
    transforms: dict[str, Any] | None = None,
    prompts: dict[str, Any] | None = None,
    guardrails: dict[str, Any] | None = None,
    image_url_hosts: list[str] | None = None,
    text: str | None = None,
) -> FakeStore:
    """Serve this document to the functions and name it in the environment; return the store."""
    store = FakeStore()
    document = (
        text
        if text is not None
        else document_text(
            models,
            routing,
            response_cache,
            transforms,
            prompts=prompts,
            guardrails=guardrails,
            image_url_hosts=image_url_hosts,
        )
    )
    version = store.put(document)
    monkeypatch.setattr("shared.config_document.dynamodb_fetcher", lambda environ: store.fetch)
    monkeypatch.setenv(env.CONFIG_TABLE, TABLE)
    monkeypatch.setenv(env.CONFIG_VERSION, version)
    return store
