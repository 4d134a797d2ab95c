"""The router's configuration: provider fields per model, formats, prices, routing kinds, cache and deadline."""

from __future__ import annotations

import json

import pytest

from router.catalog import SAGEMAKER_FORMATS, CatalogError, parse_models
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


def settings(**env: str) -> Settings:
    return Settings.from_env({"GATEWAY_MODELS": json.dumps(MODELS), **env})


def test_models_carry_provider_fields_prices_and_default_formats() -> None:
    loaded = settings()
    assert loaded.by_alias["gpt"].base_url == "https://api.example.com/v1"
    assert loaded.by_alias["gpt"].secret_arn == SECRET
    assert loaded.by_alias["llama"].format == "tgi"
    assert loaded.by_alias["embed"].format == "tei", "embeddings on SageMaker default to TEI"
    assert loaded.routing.prices["haiku"].estimate(1000, 1000) == pytest.approx(0.0015)
    assert "gpt" not in loaded.routing.prices, "a model without prices has none"
    assert (loaded.kind_of("embed"), loaded.kind_of("haiku"), loaded.kind_of("nope")) == ("embedding", "chat", None)


def test_terraform_nulls_for_unset_fields_are_accepted() -> None:
    (entry,) = parse_models(json.dumps({"m": {"provider": "bedrock", "model_id": "x", "base_url": None,
                                              "secret_arn": None, "format": None, "kind": None}}))  # fmt: skip
    assert (entry.kind, entry.base_url, entry.format) == ("chat", None, None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"provider": "openai_compatible", "model_id": "x"}, "needs an https:// base_url"),
        ({"provider": "openai_compatible", "model_id": "x", "base_url": "http://api.example.com",
          "secret_arn": SECRET}, "needs an https:// base_url"),
        ({"provider": "openai_compatible", "model_id": "x", "base_url": "https://a.example", "secret_arn": "key"},
         "secret_arn"),
        ({"provider": "bedrock", "model_id": "x", "base_url": "https://a.example"}, "openai_compatible models only"),
        ({"provider": "sagemaker", "model_id": "x", "format": "onnx"}, "format 'onnx' is unknown"),
        ({"provider": "sagemaker", "model_id": "x", "format": "tei"}, "serves kind embedding models only"),
        ({"provider": "bedrock", "model_id": "x", "format": "tgi"}, "sagemaker models only"),
        ({"provider": "bedrock", "model_id": "x", "kind": "image"}, "kind 'image' is unknown"),
        ({"provider": "bedrock", "model_id": "x", "input_price_per_1k": -1}, "input_price_per_1k"),
    ],
)  # fmt: skip
def test_a_model_missing_what_its_provider_needs_is_refused(spec: dict[str, object], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_models(json.dumps({"m": spec}))


def test_the_catalog_and_the_module_agree_on_sagemaker_formats() -> None:
    from modules_src.ai_gateway.variables import SAGEMAKER_FORMATS as MODULE_FORMATS

    assert MODULE_FORMATS == SAGEMAKER_FORMATS


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GATEWAY_ROUTING": json.dumps({"aliases": {"mix": {"targets": [{"model": "haiku"}],
                                                             "fallbacks": ["embed"]}}})}, "mixes chat and embedding"),
        ({"GATEWAY_ROUTING": "{"}, "GATEWAY_ROUTING"),
        ({"GATEWAY_RESPONSE_CACHE": json.dumps({"ttl_seconds": -1})}, "GATEWAY_RESPONSE_CACHE"),
        ({"GATEWAY_RESPONSE_CACHE": "nope"}, "not JSON"),
        ({"GATEWAY_DEADLINE_SECONDS": "soon"}, "GATEWAY_DEADLINE_SECONDS"),
        ({"GATEWAY_DEADLINE_SECONDS": "0"}, "from 1 to 900"),
    ],
)  # fmt: skip
def test_a_malformed_router_setting_names_its_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(**env)


def test_the_module_fills_every_router_setting_it_reads() -> None:
    loaded = settings(
        GATEWAY_ROUTING=json.dumps({"aliases": {}, "tenant_pins": {}}),
        GATEWAY_RESPONSE_CACHE=json.dumps({"ttl_seconds": 600, "aliases": ["haiku"], "cache_sampled": False}),
        GATEWAY_BUDGET_TABLE="aigw-budgets",
        GATEWAY_CACHE_TABLE="aigw-response-cache",
        GATEWAY_LOG_PROMPTS="false",
        GATEWAY_DEADLINE_SECONDS="29",
        POWERTOOLS_METRICS_NAMESPACE="Gateway/Dev",
    )
    assert loaded.cache.applies("haiku", 0.0, deterministic=False)
    assert not loaded.cache.applies("haiku", 0.7, deterministic=False)
    assert not loaded.cache.applies("gpt", 0.0, deterministic=False)
    assert (loaded.budget_table, loaded.cache_table, loaded.deadline_seconds) == (
        "aigw-budgets",
        "aigw-response-cache",
        29,
    )
    assert loaded.metrics_namespace == "Gateway/Dev" and not loaded.log_prompts


def test_the_module_writes_the_variables_the_router_reads() -> None:
    import router.settings as router_settings
    from modules_src.ai_gateway.stack import MODELS_ENV, ROUTER_SETTINGS_ENV

    read = {v for k, v in vars(router_settings).items() if k.endswith("_ENV") and k != "ENVIRONMENT_ENV"}
    written = {MODELS_ENV, *ROUTER_SETTINGS_ENV, "GATEWAY_BUDGET_TABLE", "GATEWAY_CACHE_TABLE"}
    assert read == written
