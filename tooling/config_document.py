"""The router's configuration document as the module writes it, for the benchmarks, tests and local tools.

Terraform builds it with `jsonencode` (object keys sorted, no spaces), names it by the
SHA-256 of that text and stores it gzip-compressed in one DynamoDB item; these helpers
do the same so that what the router reads here is what it reads in AWS. (The Lambdas
only read documents: `lambda_src/shared/config_document.py`.)
"""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any

from contract import config_document as layout
from contract.tables import HASH_KEY


def document_text(
    models: dict[str, Any],
    routing: dict[str, Any] | None = None,
    response_cache: dict[str, Any] | None = None,
    transforms: dict[str, Any] | None = None,
    *,
    prompts: dict[str, Any] | None = None,
    guardrails: dict[str, Any] | None = None,
    image_url_hosts: list[str] | None = None,
) -> str:
    """The document's JSON text, as Terraform's jsonencode writes it."""
    document = {
        layout.GUARDRAILS: guardrails,
        layout.IMAGE_URL_HOSTS: image_url_hosts or [],
        layout.MODELS: models,
        layout.PROMPTS: prompts or {},
        layout.RESPONSE_CACHE: response_cache,
        layout.ROUTING: routing or {},
        layout.SCHEMA: layout.SCHEMA_VERSION,
        layout.TRANSFORMS: transforms or {},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def encoded(text: str) -> tuple[str, bytes]:
    """The document's version (content address) and its gzip bytes (no timestamp, like Terraform's)."""
    raw = text.encode("utf-8")
    return hashlib.sha256(raw).hexdigest(), gzip.compress(raw, mtime=0)


def create_table(dynamodb: Any, table: str, kms_key_arn: str | None = None) -> None:
    """A configuration table as the module declares it (on demand, string hash key, optionally KMS)."""
    extra = {"SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key_arn}}
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": HASH_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": HASH_KEY, "KeyType": "HASH"}],
        **(extra if kms_key_arn else {}),
    )


def put_document(dynamodb: Any, table: str, text: str) -> str:
    """Store the document as its item (a boto3 client takes the binary attribute as bytes); return its version."""
    version, blob = encoded(text)
    item = {HASH_KEY: {"S": layout.item_key(version)}, layout.ITEM_DOCUMENT: {"B": blob}}
    dynamodb.put_item(TableName=table, Item=item)
    return version
