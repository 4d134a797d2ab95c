"""Run inside a fresh interpreter by bench/run.py: time the authorizer's import and its decisions.

Import time is taken first, before anything else is loaded. Per-call figures use
an in-memory tenant store (zero latency) so they measure the authorizer's own
work: "uncached" re-reads the store on every call, "cached" hits the TTL cache.
Prints one JSON object on the last line of stderr.
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
import authorizer.handler as handler_module  # noqa: E402

import_seconds = time.perf_counter() - started

from authorizer.decision import Authority  # noqa: E402
from authorizer.jwks import JwksCache  # noqa: E402
from authorizer.jwt import PublicKey  # noqa: E402
from shared.tenant_store import CachedTenantStore, Tenant, key_item, tenant_item  # noqa: E402

KEY = "benchKEY0123456789abcdefghijklmnopqrstu"
TENANT = Tenant("acme", "premium", ("claude-3-haiku", "llama3-8b"), True, 1_000_000, "key-id")


class MemoryStore:
    def tenant_at(self, item_key: str) -> Tenant | None:
        return TENANT if item_key in (key_item(KEY), tenant_item("acme")) else None


class KeyValues:
    def value_of(self, api_key_id: str) -> str:
        return KEY


class Context:
    aws_request_id = "bench"
    function_name = "bench-authorizer"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-authorizer"
    memory_limit_in_mb = 256


def quantiles(samples: list[float]) -> dict[str, float]:
    samples.sort()
    return {
        "p50_seconds": samples[len(samples) // 2],
        "p99_seconds": samples[min(len(samples) - 1, int(0.99 * len(samples)))],
    }


def measure(authority: Authority, headers: dict[str, str], calls: int) -> dict[str, float]:
    handler_module.authority = authority
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/models",
        "headers": headers,
        "requestContext": {"requestId": "bench"},
    }
    samples = []
    for _ in range(calls):
        begin = time.perf_counter()
        answer = handler_module.handler(event, Context())  # type: ignore[arg-type]
        samples.append(time.perf_counter() - begin)
        assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    return quantiles(samples)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    result: dict[str, object] = {"import_seconds": import_seconds}
    if calls:
        sys.path.append(sys.argv[2])  # the bench's own tests/ for the token signer
        from tests.support.tokens import Signer

        signer = Signer()
        keys = {k.kid: k for k in (PublicKey.from_jwk(j) for j in signer.jwks()["keys"]) if k}
        jwks = JwksCache("unused", 3600, fetch=lambda _: keys)
        settings = handler_module.settings
        uncached = Authority(settings, MemoryStore(), jwks, KeyValues())
        cached = Authority(settings, CachedTenantStore(MemoryStore(), 3600), jwks, KeyValues())
        result["api_key_uncached"] = measure(uncached, {"authorization": f"Bearer {KEY}"}, calls)
        result["api_key_cached"] = measure(cached, {"authorization": f"Bearer {KEY}"}, calls)
        result["jwt_rs256"] = measure(cached, {"authorization": f"Bearer {signer.token('RS256')}"}, calls // 10)
        result["jwt_es256"] = measure(cached, {"authorization": f"Bearer {signer.token('ES256')}"}, calls // 10)
    print(json.dumps(result), file=sys.stderr)


main()
