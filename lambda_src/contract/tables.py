"""The layout every gateway table shares: a string hash key and, where items expire, DynamoDB's TTL attribute."""

from __future__ import annotations

HASH_KEY = "pk"
# Unix seconds after which DynamoDB's TTL removes the item (token counters, cache entries).
TTL_ATTRIBUTE = "expires_at"
