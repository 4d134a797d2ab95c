"""The router's settings: the configuration document (models, routing, cache) and the environment's scalars."""

from __future__ import annotations

from typing import Any

import pytest

from router.settings import Settings, SettingsError

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf"
MODELS = {
    "haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
              "input_price_per_1k": 0.00025, "output_price_per_1k": 0.00125},
    "gpt": {"provider": "openai_compatible", "model_id": "gpt-4o-mini", "base_url": "https://api.example.com/v1",
            "secret_arn": SECRET},
    "llama": {"provider": "sagemaker", "model_id": "llama-endpoint", "format": "tgi"},
    "embed": {"provider": "sagemaker", "model_id": "embed-endpoint", "kind": "embedding"},
}  # fmt: skip


def document(**parts: Any) -> dict[str, Any]:
    return {"models": MODELS, "routing": {}, "response_cache": None, "schema": 1, **parts}


def settings(doc: dict[str, Any] | None = None, **env: str) -> Settings:
    return Settings.from_document(document() if doc is None else doc, env)


def test_models_carry_provider_fields_prices_and_default_formats() -> None:
    loaded = settings()
    assert loaded.by_alias["gpt"].base_url == "https://api.example.com/v1"
    assert loaded.by_alias["gpt"].secret_arn == SECRET
    assert loaded.by_alias["llama"].format == "tgi"
    assert loaded.by_alias["embed"].format == "tei", "embeddings on SageMaker default to TEI"
    assert loaded.routing.prices["haiku"].estimate(1000, 1000) == pytest.approx(0.0015)
    assert "gpt" not in loaded.routing.prices, "a model without prices has none"
    assert (loaded.kind_of("embed"), loaded.kind_of("haiku"), loaded.kind_of("nope")) == ("embedding", "chat", None)


@pytest.mark.parametrize(
    ("doc", "env", "message"),
    [
        (document(routing={"aliases": {"mix": {"targets": [{"model": "haiku"}], "fallbacks": ["embed"]}}}), {},
         "routed alias 'mix' mixes models of different kinds"),
        (document(response_cache={"ttl_seconds": -1}), {}, "response_cache.ttl_seconds must be a whole number"),
        (document(response_cache={"ttl_seconds": 60, "aliases": ["ghost"]}), {},
         "response_cache.aliases: 'ghost' is not a catalog model or routed alias"),
        (document(response_cache="nope"), {}, "response_cache must be null or an object"),
        (document(schema=2), {}, "the configuration document has schema 2"),
        (document(), {"GATEWAY_DEADLINE_SECONDS": "soon"}, "GATEWAY_DEADLINE_SECONDS"),
        (document(), {"GATEWAY_DEADLINE_SECONDS": "60"}, "from 1 to 29"),
        (document(routing={"aliases": {"r": {"targets": [{"model": "haiku"}], "rules": [
            {"name": "p", "when": {"prompts": ["ghost"]}, "target": "haiku"}]}}}), {},
         "routed alias 'r': rule 'p': prompt 'ghost' is not a published prompt"),
        *((document(), {"GATEWAY_LIVE_STATS_SHARE_SECONDS": bad}, "GATEWAY_LIVE_STATS_SHARE_SECONDS: "
           "live_stats_share_seconds must be 0 \\(not shared\\) or a whole number from 5 to 60")
          for bad in ("4", "61", "10.5", "-5", "often")),
    ],
)  # fmt: skip
def test_a_malformed_setting_names_what_is_wrong(doc: dict[str, Any], env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(doc, **env)


def test_problems_of_models_routing_cache_and_environment_are_reported_at_once() -> None:
    doc = document(
        models={**MODELS, "bad": {"provider": "azure", "model_id": "x"}},
        routing={"aliases": {"r": {"targets": [{"model": "ghost"}]}}},
        response_cache={"ttl_seconds": 0},
    )
    with pytest.raises(SettingsError) as caught:
        settings(doc, GATEWAY_DEADLINE_SECONDS="0")
    problems = str(caught.value).split(" | ")
    assert len(problems) == 4, problems
    assert problems[0].startswith("model 'bad': provider 'azure' is unknown")


def test_the_environment_fills_every_scalar_the_router_reads() -> None:
    loaded = settings(
        document(response_cache={"ttl_seconds": 600, "aliases": ["haiku"], "cache_sampled": False}),
        GATEWAY_BUDGET_TABLE="aigw-budgets",
        GATEWAY_CACHE_TABLE="aigw-response-cache",
        GATEWAY_LOG_PROMPTS="false",
        GATEWAY_DEADLINE_SECONDS="29",
        GATEWAY_CONFIG_VERSION="a" * 64,
        POWERTOOLS_METRICS_NAMESPACE="Gateway/Dev",
        GATEWAY_LIVE_STATS_SHARE_SECONDS="10",
    )
    assert loaded.live_stats_share_seconds == 10
    assert settings().live_stats_share_seconds == 0, "unset: each container keeps its own window"
    assert settings(GATEWAY_LIVE_STATS_SHARE_SECONDS="0").live_stats_share_seconds == 0
    assert loaded.cache.applies("haiku", 0.0, deterministic=False)
    assert not loaded.cache.applies("haiku", 0.7, deterministic=False)
    assert not loaded.cache.applies("gpt", 0.0, deterministic=False)
    assert (loaded.budget_table, loaded.cache_table, loaded.deadline_seconds) == (
        "aigw-budgets",
        "aigw-response-cache",
        29,
    )
    assert loaded.metrics_namespace == "Gateway/Dev" and not loaded.log_prompts
    assert loaded.config_version == "a" * 64


def test_a_missing_document_location_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="GATEWAY_CONFIG_TABLE and GATEWAY_CONFIG_VERSION"):
        Settings.load({})
