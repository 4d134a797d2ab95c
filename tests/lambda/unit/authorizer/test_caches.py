"""The authorizer's caches: JWKS refresh rules and tenant lookups, with a fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from authorizer.jwks import JwksCache, JwksError, fetch_jwks
from authorizer.jwt import PublicKey
from authorizer.tenants import CachedTenantStore, Tenant
from tests.support.http import running
from tests.support.tokens import Signer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_jwks_is_refetched_after_its_ttl_and_early_only_once_per_interval_for_unknown_kids() -> None:
    clock, calls = Clock(), []
    key = PublicKey("k1", "EC", x=1, y=2)

    def fetch(url: str) -> dict[str, PublicKey]:
        calls.append(url)
        return {"k1": key}

    cache = JwksCache("u", ttl_seconds=3600, min_refresh_seconds=30, fetch=fetch, clock=clock)
    assert cache.keys_for("k1") == {"k1": key}
    assert cache.keys_for("k1") and len(calls) == 1
    for _ in range(50):
        cache.keys_for("forged-kid")
    assert len(calls) == 1, "unknown kids must not trigger a fetch inside the refresh interval"
    clock.now += 31
    cache.keys_for("forged-kid")
    assert len(calls) == 2
    clock.now += 3601
    cache.keys_for("k1")
    assert len(calls) == 3


def test_jwks_keeps_the_last_good_keys_when_the_issuer_is_down() -> None:
    clock, state = Clock(), {"up": True}
    key = PublicKey("k1", "EC", x=1, y=2)

    def fetch(url: str) -> dict[str, PublicKey]:
        if not state["up"]:
            raise JwksError("down")
        return {"k1": key}

    cache = JwksCache("u", ttl_seconds=10, fetch=fetch, clock=clock)
    cache.keys_for("k1")
    state["up"], clock.now = False, clock.now + 100
    assert cache.keys_for("k1") == {"k1": key}


def test_jwks_failure_without_any_keys_is_an_error() -> None:
    def fetch(url: str) -> dict[str, PublicKey]:
        raise JwksError("down")

    with pytest.raises(JwksError):
        JwksCache("u", ttl_seconds=10, fetch=fetch).keys_for("k1")


@pytest.fixture
def jwks_url() -> Iterator[str]:
    document = json.dumps(Signer().jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    with running(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield f"{url}/jwks.json"


def test_fetch_jwks_reads_rsa_and_ec_keys(jwks_url: str) -> None:
    assert sorted(fetch_jwks(jwks_url)) == ["ec-1", "rsa-1"]


@pytest.mark.parametrize("url", ["http://idp.example/jwks", "file:///etc/passwd", "ftp://x"])
def test_fetch_jwks_refuses_anything_but_https(url: str) -> None:
    with pytest.raises(JwksError, match="must use https"):
        fetch_jwks(url)


def test_fetch_jwks_reports_an_unreachable_issuer_without_raising_oserror() -> None:
    from tooling.background import free_port

    with pytest.raises(JwksError, match="could not fetch"):
        fetch_jwks(f"http://127.0.0.1:{free_port()}/jwks.json")


class CountingStore:
    def __init__(self) -> None:
        self.calls = 0

    def by_key_hash(self, digest: str) -> Tenant | None:
        self.calls += 1
        return Tenant("acme", "standard", (), True) if digest == "known" else None

    def by_tenant_id(self, tenant_id: str) -> Tenant | None:
        self.calls += 1
        return None


def test_tenant_lookups_are_cached_and_misses_expire_sooner() -> None:
    clock, store = Clock(), CountingStore()
    cache = CachedTenantStore(store, ttl_seconds=60, negative_ttl_seconds=5, clock=clock)
    assert cache.by_key_hash("known") and cache.by_key_hash("known") and store.calls == 1
    assert cache.by_key_hash("unknown") is None and cache.by_key_hash("unknown") is None and store.calls == 2
    clock.now += 6
    cache.by_key_hash("unknown")
    cache.by_key_hash("known")
    assert store.calls == 3
    clock.now += 60
    cache.by_key_hash("known")
    assert store.calls == 4


def test_tenant_items_parse_strictly() -> None:
    assert Tenant.from_item({"tenant_id": "a", "tier": "t", "allowed_models": "m1,m2", "enabled": True}) == Tenant(
        "a", "t", ("m1", "m2"), True
    )
    assert Tenant.from_item({"tenant_id": "a", "tier": "t", "enabled": "yes"}) == Tenant("a", "t", (), False)
    assert Tenant.from_item({"tier": "t"}) is None
    budgets = Tenant.from_item(
        {"tenant_id": "a", "tier": "t", "enabled": True, "daily_token_budget": 1000, "monthly_token_budget": True}
    )
    assert budgets is not None
    assert (budgets.daily_token_budget, budgets.monthly_token_budget) == (1000, None), "booleans are not budgets"


def _tenant(**direct: tuple[str, ...]) -> Tenant:
    return Tenant("acme", "t", ("haiku", "llama", "we*ird"), True, direct_models=tuple(direct.items()))


def test_model_routes_expand_to_the_aliases_of_that_routes_provider_only() -> None:
    from authorizer.credentials import MethodArn
    from authorizer.policy import route_resources

    stage = MethodArn("aws", "us-east-1", "123456789012", "api", "dev")
    routes = (
        "GET /v1/models",
        "POST /v1/bedrock/{modelId}/converse",
        "POST /v1/predict/{model}",
        "POST /v1/prompts/{name}",
    )
    base = "arn:aws:execute-api:us-east-1:123456789012:api/dev"
    # Before: every allowed alias was a resource of every direct route (a SageMaker alias on Bedrock's).
    assert route_resources(stage, routes, _tenant(modelId=("haiku", "we*ird"), model=("llama",))) == [
        f"{base}/GET/v1/models",
        f"{base}/POST/v1/bedrock/haiku/converse",
        f"{base}/POST/v1/predict/llama",
        f"{base}/POST/v1/prompts/*",
    ]
    # A budgeted tenant's item names no direct models: those routes are not in its policy at all.
    assert route_resources(stage, routes, _tenant()) == [f"{base}/GET/v1/models", f"{base}/POST/v1/prompts/*"]


def test_a_tenant_item_carries_each_direct_routes_models() -> None:
    tenant = Tenant.from_item(
        {"tenant_id": "a", "tier": "t", "allowed_models": "haiku,llama", "enabled": True,
         "direct_models_modelId": "haiku", "direct_models_model": "llama"}
    )  # fmt: skip
    assert tenant is not None
    assert (tenant.direct_models_of("modelId"), tenant.direct_models_of("model")) == (("haiku",), ("llama",))
    old = Tenant.from_item({"tenant_id": "a", "tier": "t", "allowed_models": "haiku", "enabled": True})
    assert old is not None and old.direct_models_of("modelId") == (), "an item without the attribute opens nothing"


def test_jwks_fetches_back_off_while_the_issuer_fails_and_the_last_keys_keep_serving() -> None:
    # Before: every request after the TTL (and every forged kid) fetched again, with a 2 s timeout each.
    clock, calls, state = Clock(), [], {"up": True}
    key = PublicKey("k1", "EC", x=1, y=2)

    def fetch(url: str) -> dict[str, PublicKey]:
        calls.append(clock.now)
        if not state["up"]:
            raise JwksError("down")
        return {"k1": key}

    cache = JwksCache("u", ttl_seconds=10, fetch=fetch, clock=clock, max_backoff_seconds=60)
    cache.keys_for("k1")
    state["up"] = False
    clock.now += 11
    for _ in range(120):  # two minutes of requests, one a second, half with forged kids
        assert cache.keys_for("k1" if len(calls) % 2 else "forged") == {"k1": key}
        clock.now += 1
    # Retries at 0, 1, 2, 4, 8, 16, 32, 60, 60 s intervals: nine fetches, not 120.
    assert len(calls) - 1 <= 9
    state["up"] = True
    clock.now += 61
    cache.keys_for("k1")
    assert calls[-1] == clock.now, "once the issuer answers again the keys are refreshed"


def test_a_jwks_redirect_is_never_followed() -> None:
    hits: list[str] = []

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(json.dumps({"keys": []}).encode())

        def log_message(self, *args: object) -> None:
            pass

    with running(ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)) as elsewhere:

        class Redirect(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("location", f"{elsewhere}/jwks.json")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        with running(ThreadingHTTPServer(("127.0.0.1", 0), Redirect)) as url, pytest.raises(JwksError, match="302"):
            fetch_jwks(f"{url}/.well-known/jwks.json")
    assert hits == []
