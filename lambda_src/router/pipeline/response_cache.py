"""Exact-match response cache in DynamoDB: keyed by tenant + route + normalized request, expiring by TTL.

The key is a SHA-256 of the validated request (so key order, whitespace and ignored
parameters don't matter) with the tenant first: one tenant never reads another's
answers. Items carry `expires_at` (the table's TTL attribute); DynamoDB deletes
lazily, so reads check it too. A cache failure never fails a request.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from contract import response_cache as rules
from contract.tables import HASH_KEY, TTL_ATTRIBUTE
from shared.aws import LazyClient

logger = logging.getLogger(__name__)
# DynamoDB items stop at 400 KB; larger answers are simply not cached.
MAX_ITEM_BYTES = 350_000


@dataclass(frozen=True)
class CacheSettings:
    """`ttl_seconds` 0 turns the cache off; `aliases` empty means every alias."""

    ttl_seconds: int = 0
    aliases: frozenset[str] = frozenset()
    # Cache answers of sampled requests (temperature > 0 or unset) too; off by default.
    cache_sampled: bool = False

    def applies(self, alias: str, temperature: float | None, *, deterministic: bool) -> bool:
        if self.ttl_seconds <= 0 or (self.aliases and alias not in self.aliases):
            return False
        return deterministic or self.cache_sampled or temperature == 0


def parse_cache_settings(value: Any, aliases: frozenset[str], problems: list[str]) -> CacheSettings:
    """The document's `response_cache` (null: no cache); every problem is appended to `problems`."""
    if value is None:
        return CacheSettings()
    if not isinstance(value, dict):
        problems.append(rules.NOT_AN_OBJECT)
        return CacheSettings()
    before = len(problems)
    ttl: Any = value.get("ttl_seconds")
    listed: Any = value.get("aliases") or []
    sampled: Any = value.get("cache_sampled") or False
    if isinstance(ttl, float) and ttl.is_integer():
        ttl = int(ttl)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= rules.MAX_TTL_SECONDS:
        problems.append(rules.TTL_INVALID)
    if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
        problems.append(rules.ALIASES_INVALID)
        listed = []
    problems += [rules.ALIAS_UNKNOWN.format(alias=a) for a in listed if a not in aliases]
    if not isinstance(sampled, bool):
        problems.append(rules.SAMPLED_INVALID)
    if len(problems) > before:
        return CacheSettings()
    return CacheSettings(int(ttl), frozenset(listed), bool(sampled))


def _digest_bytes(value: Any) -> str:
    """Image bytes enter the key as their SHA-256 (json cannot hold bytes)."""
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    raise TypeError(type(value).__name__)


def cache_key(tenant: str, route: str, alias: str, request: Any) -> str:
    normalized = json.dumps(
        asdict(request), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_digest_bytes
    )
    digest = hashlib.sha256(f"{route}\x00{alias}\x00{normalized}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"cache#{tenant}#{digest}"


class DynamoResponseCache:
    """Items `{pk, answer (JSON text), expires_at}` in a table keyed by a string `pk`."""

    def __init__(self, table_name: str, client_factory: Callable[[], Any], clock: Callable[[], float]) -> None:
        self._table, self._clock = table_name, clock
        self._dynamodb = LazyClient(client_factory)

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            item = self._dynamodb.get_item(TableName=self._table, Key={HASH_KEY: {"S": key}}).get("Item")
            if not item or int(item[TTL_ATTRIBUTE]["N"]) <= self._clock():
                return None
            answer = json.loads(item["answer"]["S"])
        except Exception as err:
            logger.warning("response cache read failed: %s", type(err).__name__)
            return None
        return answer if isinstance(answer, dict) else None

    def put(self, key: str, answer: dict[str, Any], ttl_seconds: int) -> None:
        text = json.dumps(answer, separators=(",", ":"), ensure_ascii=False)
        if len(text.encode("utf-8", "surrogatepass")) > MAX_ITEM_BYTES:
            return
        item = {
            HASH_KEY: {"S": key},
            "answer": {"S": text},
            TTL_ATTRIBUTE: {"N": str(int(self._clock()) + ttl_seconds)},
        }
        try:
            self._dynamodb.put_item(TableName=self._table, Item=item)
        except Exception as err:
            logger.warning("response cache write failed: %s", type(err).__name__)
