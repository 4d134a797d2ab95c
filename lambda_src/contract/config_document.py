"""The configuration document: one JSON object per gateway version, stored as one DynamoDB item.

Terraform writes the document (`{"models", "routing", "response_cache", "transforms", "prompts", "guardrails",
"image_url_hosts", "schema"}`) as gzip in a binary attribute of an item keyed by the SHA-256 of its JSON text (its
content address), and names that address in the function's environment; the Lambda
reads the item once per container and checks the hash before it parses a byte.
See README "Configuration document" for why DynamoDB (measured against S3, SSM and
AppConfig).
"""

from __future__ import annotations

from contract.tables import HASH_KEY

SCHEMA_VERSION = 1
# Top-level keys.
SCHEMA = "schema"
MODELS = "models"
ROUTING = "routing"
RESPONSE_CACHE = "response_cache"
# The transform Lambda's specs, by SageMaker model alias (contract.transforms).
TRANSFORMS = "transforms"
# The published prompts, by name (contract.prompts).
PROMPTS = "prompts"
# Guardrail policies and where they apply (contract.guardrails).
GUARDRAILS = "guardrails"
# Hosts whose https image URLs chat messages may name (contract.media).
IMAGE_URL_HOSTS = "image_url_hosts"

# The item: `{pk: {S: "config#<sha256>"}, document: {B: <gzip of the JSON text>}}`.
TABLE_HASH_KEY = HASH_KEY
ITEM_PREFIX = "config#"
ITEM_DOCUMENT = "document"
VERSION_PATTERN = "^[0-9a-f]{64}$"
# DynamoDB items hold 400 KB, names included; the key and attribute names take under 100 bytes.
MAX_ITEM_BYTES = 400 * 1024
MAX_DOCUMENT_BYTES = MAX_ITEM_BYTES - 1024
# The same limit on the base64 text Terraform's base64gzip() returns (4 characters per 3 bytes).
MAX_DOCUMENT_BASE64_CHARS = MAX_DOCUMENT_BYTES // 3 * 4

TOO_LARGE = (
    "the configuration document (models, routing, response cache) compresses to {size} bytes; "
    f"one DynamoDB item holds at most {MAX_DOCUMENT_BYTES} bytes of it"
)
NOT_JSON = "the configuration document is not a JSON object"
SCHEMA_UNSUPPORTED = "the configuration document has schema {value}; this router reads schema " + str(SCHEMA_VERSION)


def item_key(version: str) -> str:
    """The item's hash key for the document whose content address is `version`."""
    return ITEM_PREFIX + version
