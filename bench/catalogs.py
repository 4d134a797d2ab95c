"""The catalogs the benchmarks and scale tests use: today's 10-model one and a large one.

The large catalog is what a platform team with a real estate runs: 500 models over
every provider and format (200 Bedrock chat, 50 Bedrock embedding, 100 SageMaker,
150 behind 10 OpenAI-compatible providers), 200 routed aliases with weighted targets
and fallbacks (every fourth one cheapest-first), and 100 tenant pins. Deterministic:
the same catalog every run.
"""

from __future__ import annotations

from typing import Any

SMALL_MODELS: dict[str, dict[str, Any]] = {
    f"model-{i}": {
        "provider": "bedrock",
        "model_id": f"vendor.model-{i}-v1:0",
        "owned_by": "vendor",
        "input_price_per_1k": 0.001 * (i + 1),
        "output_price_per_1k": 0.002 * (i + 1),
    }
    for i in range(9)
}
SMALL_MODELS["model-9"] = {"provider": "bedrock", "model_id": "amazon.titan-embed-text-v2:0", "kind": "embedding"}
# A weighted A/B alias with a fallback and an embeddings alias: the router's full choice path.
SMALL_ROUTING: dict[str, Any] = {
    "aliases": {
        "chat": {
            "sticky": "user",
            "targets": [{"model": "model-0", "weight": 90, "arm": "A"}, {"model": "model-1", "weight": 10, "arm": "B"}],
            "fallbacks": ["model-2"],
        },
        "embed": {"targets": [{"model": "model-9"}]},
    },
    "tenant_pins": {},
}

ACCOUNT = "123456789012"
SAGEMAKER_FORMATS = (("openai", "chat"), ("tgi", "chat"), ("tei", "embedding"), ("jumpstart_embedding", "embedding"))


def _price(i: int) -> dict[str, float]:
    return {
        "input_price_per_1k": round(0.0001 * (i % 37 + 1), 6),
        "output_price_per_1k": round(0.0003 * (i % 23 + 1), 6),
    }


def large_models() -> dict[str, dict[str, Any]]:
    """500 models: every provider, kind and SageMaker format."""
    models: dict[str, dict[str, Any]] = {}
    for i in range(200):
        models[f"bedrock-chat-{i:03d}"] = {
            "provider": "bedrock",
            "model_id": f"vendor{i % 12}.chat-model-{i:03d}-v1:0",
            "owned_by": f"vendor{i % 12}",
            **_price(i),
        }
    for i in range(50):
        models[f"bedrock-embed-{i:03d}"] = {
            "provider": "bedrock",
            "model_id": f"amazon.titan-embed-{i:03d}-v2:0",
            "kind": "embedding",
            **_price(i),
        }
    for i in range(100):
        fmt, kind = SAGEMAKER_FORMATS[i % 4]
        models[f"sagemaker-{kind}-{i:03d}"] = {
            "provider": "sagemaker",
            "model_id": f"endpoint-{i:03d}",
            "kind": kind,
            "format": fmt,
        }
    for i in range(150):
        provider = i % 10
        models[f"hosted-{i:03d}"] = {
            "provider": "openai_compatible",
            "model_id": f"org/model-{i:03d}",
            "owned_by": f"provider{provider}",
            "base_url": f"https://api.provider{provider}.example.com/v1",
            "secret_arn": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:aigw/provider-{provider}-AbCdEf",
            **_price(i),
        }
    return models


def _chat_and_embedding_aliases(models: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    chat = sorted(a for a, m in models.items() if m.get("kind", "chat") == "chat")
    embedding = sorted(a for a, m in models.items() if m.get("kind", "chat") == "embedding")
    return chat, embedding


def large_routing(models: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """200 routed aliases (160 chat, 40 embedding) with 1-3 targets and 1-2 fallbacks; 100 tenant pins."""
    chat, embedding = _chat_and_embedding_aliases(models)
    aliases: dict[str, Any] = {}
    for i in range(200):
        pool, kind = (chat, "chat") if i < 160 else (embedding, "embedding")
        start = (i * 7) % len(pool)
        picked = [pool[(start + k * 13) % len(pool)] for k in range(5)]
        count = 1 + i % 3
        route: dict[str, Any] = {
            "targets": [
                {"model": m, "weight": w, "arm": chr(ord("A") + n)}
                for n, (m, w) in enumerate(
                    zip(picked[:count], (70, 20, 10)[:count] if count > 1 else (1,), strict=True)
                )
            ],
            "fallbacks": picked[count : count + 1 + i % 2],
        }
        if i % 4 == 3:
            route["strategy"] = "cheapest"
        if i % 2:
            route["sticky"] = "user"
        aliases[f"route-{kind}-{i:03d}"] = route
    pins = {
        f"tenant-{t:03d}": {
            f"route-chat-{t:03d}": aliases[f"route-chat-{t:03d}"]["targets"][-1]["model"],
        }
        for t in range(100)
    }
    return {"aliases": aliases, "tenant_pins": pins}


def large_catalog() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    models = large_models()
    return models, large_routing(models)
