"""A bad catalog is refused with the same words at `terraform plan` and at the router's cold start.

Each case plans the module (mock provider, offline) with an invalid catalog, routing or
cache, and parses the same document with the router's own parser: every problem the
router names appears, word for word, in Terraform's refusal.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from contract.routing import RULE_TIER_UNKNOWN
from router.settings import Settings, SettingsError
from tests.support.hcl import literal
from tests.support.terraform_test import module_test, refusal_run, words
from tooling.package_lambda import FUNCTIONS
from tooling.paths import MODULES_DIR
from tooling.terraform import run, terraform_environ

pytestmark = pytest.mark.terraform

MOCKS = (Path(__file__).parent / "ai_gateway" / "gateway.tftest.hcl").read_text().split('\nrun "')[0]
VALID = {
    "haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0"},
    "titan": {"provider": "bedrock", "model_id": "amazon.titan-embed-text-v2:0", "kind": "embedding"},
}
CASES: dict[str, dict[str, Any]] = {
    "catalog": {
        "models": {
            **VALID,
            "bad alias!": {"provider": "bedrock", "model_id": "x"},
            "azure": {"provider": "azure", "model_id": "x"},
            "image": {"provider": "bedrock", "model_id": "x", "kind": "image"},
            "keyless": {"provider": "openai_compatible", "model_id": "gpt-4o"},
            "plain": {"provider": "openai_compatible", "model_id": "x", "base_url": "http://api.example.com",
                      "secret_arn": "not-an-arn"},  # fmt: skip
            "tei-chat": {"provider": "sagemaker", "model_id": "e", "format": "tei"},
            "onnx": {"provider": "sagemaker", "model_id": "e", "format": "onnx"},
            "tgi-on-bedrock": {"provider": "bedrock", "model_id": "x", "format": "tgi"},
            "priced": {"provider": "bedrock", "model_id": "x", "input_price_per_1k": -1},
            "blank": {"provider": "bedrock", "model_id": " ", "owned_by": ""},
            "old": {"provider": "bedrock", "model_id": "x", "created": -5},
            "sized-chat": {"provider": "bedrock", "model_id": "x", "dimensions": 1024},
            "huge": {"provider": "bedrock", "model_id": "x", "kind": "embedding", "dimensions": 99999},
        }
    },
    "routing": {
        "models": VALID,
        "routing": {
            "aliases": {
                "random": {"strategy": "random", "sticky": "ip", "targets": [{"model": "gpt-9", "weight": 0}]},
                "mixed": {"targets": [{"model": "haiku"}], "fallbacks": ["titan", "ghost"]},
                "empty": {"targets": []},
                "half": {"targets": [{"model": "haiku", "weight": 1.5}]},
                "ceiling": {"strategy": "complexity", "targets": [{"model": "haiku", "max_complexity": 1.5}]},
                "draining": {"targets": [{"model": "haiku"}], "drain_error_rate": 0},
            },
            "tenant_pins": {"acme": {"chat": "ghost"}},
        },
    },
    "rules": {
        "models": VALID,
        "routing": {
            "aliases": {
                "chat": {
                    "targets": [{"model": "haiku"}],
                    "rules": [
                        {"name": "Bad Name", "target": "haiku"},
                        {"name": "code", "when": {"code": True}, "target": "ghost"},
                        {"name": "code", "when": {"response_formats": ["xml"]}, "target": "titan"},
                        {"name": "long", "when": {"min_input_tokens": 500, "max_input_tokens": 10}, "target": "haiku"},
                        {"name": "half", "when": {"min_input_tokens": 2.5}, "target": "haiku"},
                        {"name": "team", "when": {"headers": {"x-aigw-team": "a", "Team": "b"}}, "target": "steered"},
                        {"name": "gold", "when": {"tiers": ["platinum"]}, "target": "haiku"},
                    ],
                },
                "steered": {"targets": [{"model": "haiku"}], "rules": [{"name": "itself", "target": "haiku"}]},
            },
        },
    },
    # Terraform skips a rule that refers to another invalid input: the prompts' and the cache's rules get a
    # valid routing.
    "rule_prompts": {
        "models": VALID,
        "routing": {"aliases": {"chat": {"targets": [{"model": "haiku"}], "rules": [
            {"name": "triage", "when": {"prompts": ["nowhere"]}, "target": "haiku"}]}}},
    },  # fmt: skip
    "cache": {
        "models": VALID,
        "routing": {"aliases": {"chat": {"targets": [{"model": "haiku"}]}}},
        "response_cache": {"ttl_seconds": 60, "aliases": ["chat", "nowhere", "elsewhere"]},
    },
}


def router_problems(case: dict[str, Any]) -> list[str]:
    document = {"models": case["models"], "routing": case.get("routing", {}),
                "response_cache": case.get("response_cache"), "schema": 1}  # fmt: skip
    with pytest.raises(SettingsError) as refused:
        Settings.from_document(document, {})
    return str(refused.value).split(" | ")


@pytest.mark.parametrize("name", sorted(CASES))
def test_terraform_and_the_router_refuse_a_bad_document_in_the_same_words(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    folder = tmp_path / "ai_gateway"
    shutil.copytree(MODULES_DIR / "ai_gateway", folder)
    (folder / "fixtures").mkdir()
    for function in FUNCTIONS:
        with zipfile.ZipFile(folder / "fixtures" / f"{function}.zip", "w") as archive:
            archive.writestr(f"{function}/handler.py", "x = 1\n")
    inputs = "\n".join(f"    {key} = {literal(value)}" for key, value in case.items())
    fixed = '\n    name = "aigw-test"\n    stage_name = "test"\n    lambda_packages_dir = "fixtures"\n'
    returncode, output = module_test("ai_gateway", folder, MOCKS + refusal_run(fixed + inputs), inputs=False)
    assert returncode == 1, output[-2000:]
    problems = router_problems(case)
    assert len(problems) >= {"cache": 2, "rule_prompts": 1}.get(name, 8), problems
    missing = [p for p in problems if words(p) not in output]
    assert missing == [], f"said by the router but not by terraform plan: {missing}"
    if name == "rule_prompts":
        assert problems == ["routed alias 'chat': rule 'triage': prompt 'nowhere' is not a published prompt"]
    if name == "rules":
        # The tiers are the module's alone (the router's document does not carry them).
        tier = RULE_TIER_UNKNOWN.format(alias="chat", name="gold", value="platinum")
        assert words(tier) in output
