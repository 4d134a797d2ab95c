"""Inputs AWS would refuse, or that could never work, are refused at plan with a message naming them.

Each case plans one module (mock provider, offline) with bad inputs and finds every
expected message in Terraform's refusal: the input, and what it accepts or why not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import guardrails as g
from contract import media
from contract import prompts as p
from contract import transforms as t
from tests.support.terraform_test import module_test, refusal_run

pytestmark = pytest.mark.terraform

TESTS = Path(__file__).parent
CASES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "operations": (
        "operations/operations.tftest.hcl",
        """
    alarm_thresholds        = { api_5xx_rate = 2, api_p99_latency_ms = 60000, lambda_errors = 0.5 }
    tenant_daily_spend_usd  = { initech = 10, acme = 0 }
    alarm_models            = ["gpt-9"]
    monthly_cost_budget_usd = -5""",
        (
            "alarm_thresholds.api_5xx_rate must be a number from 0.001 to 1, got 2",
            "alarm_thresholds.api_p99_latency_ms must be a whole number from 1 to 29000, got 60000",
            "alarm_thresholds.lambda_errors must be a whole number from 1 to 1000000000, got 0.5",
            "tenant_daily_spend_usd: 'initech' is not a tenant of the gateway",
            "tenant_daily_spend_usd.acme must be more than 0 USD",
            "alarm_models: 'gpt-9' is not a model of the gateway",
            "monthly_cost_budget_usd must be null or more than 0.",
        ),
    ),
    "sagemaker_rollouts": (
        "sagemaker_endpoint/endpoint.tftest.hcl",
        """
    variants = {
      a = { model = "v1", instance_type = "ml.m5.large" }
      b = { model = "v2", serverless = { memory_size_in_mb = 1500, max_concurrency = 500 } }
    }
    deployment      = { strategy = "rolling" }
    async_inference = {}""",
        (
            "variants.b: serverless memory_size_in_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144",
            "variants.b: serverless max_concurrency must be from 1 to 200",
            "deployment: AWS refuses a rolling update on a multi-variant endpoint",
            "deployment: AWS refuses a rolling update on a serverless endpoint",
            "async_inference: AWS refuses asynchronous inference on serverless variants",
        ),
    ),
    "sagemaker_models": (
        "sagemaker_endpoint/endpoint.tftest.hcl",
        """
    models = {
      v1 = { containers = [{ image = "docker.io/library/python:3.12" }] }
      v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1", model_package_name = "p",
                             mode = "MultiModel" }] }
      v3 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1", model_archive = "m.tar.gz",
                             model_data_url = "s3://models-123456789012/m.tar.gz" }] }
    }""",
        (
            "models.v1.containers[0]: image must be an ECR image URI",
            "models.v2.containers[0]: set exactly one of image and model_package_name",
            "models.v2.containers[0]: a MultiModel container loads its models from the model_data_url prefix",
            "models.v3.containers[0]: set at most one of model_data_url and model_archive",
            "models.v3.containers[0]: model_archive must name an existing .tar.gz file",
        ),
    ),
    # The transform's own words (contract.transforms), as the transform says them at cold start.
    "transforms": (
        "ai_gateway/gateway.tftest.hcl",
        """
    models = {
      iris = { provider = "sagemaker", model_id = "iris-endpoint", kind = "prediction" }
      chat = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
    }
    tenants = { acme = { tier = "premium", allowed_models = ["iris"] } }
    transforms = {
      chat = { features = [{ name = "x" }], output = {} }
      iris = {
        input_format = "xml"
        features     = [{ name = "x", type = "float" }, { name = "x", mean = 1 }, { name = "c", type = "category" }]
        output       = { labels = ["a", "b"], top_k = 3, decision_label = "z", masked_fields = ["secret"],
                         decisions = [{ at_least = 0.5, decision = "deny" }] }
        variants     = { weights = { blue = 0 }, sticky = "session", targetable = { acme = ["red"] } }
      }
    }""",
        (
            t.NOT_SAGEMAKER.format(alias="chat"),
            t.FORMAT_UNKNOWN.format(alias="iris", value="xml"),
            t.FEATURE_DUPLICATE.format(alias="iris", value="x"),
            t.FEATURE_TYPE_UNKNOWN.format(alias="iris", feature="x", value="float"),
            t.SCALING_INVALID.format(alias="iris", feature="x"),
            t.CATEGORIES_MISPLACED.format(alias="iris", feature="c"),
            t.TOP_K_INVALID.format(alias="iris"),
            t.DECISION_LABEL_INVALID.format(alias="iris", value="z"),
            t.DECISIONS_INVALID.format(alias="iris"),
            t.MASK_UNKNOWN.format(alias="iris", value="secret"),
            t.WEIGHTS_INVALID.format(alias="iris"),
            t.STICKY_UNKNOWN.format(alias="iris", value="session"),
            t.TARGETABLE_UNKNOWN.format(alias="iris", value="red"),
        ),
    ),
    # The router's own words (contract.guardrails), as it says them at cold start.
    "guardrails": (
        "ai_gateway/gateway.tftest.hcl",
        """
    image_url_hosts = ["*.example.com"]
    guardrails = {
      default_policy = "lenient"
      tiers          = { free = "strict" }
      policies = {
        strict = {
          pii       = { entities = { NAME = "mask", EMAIL = "shred" }, custom = { "emp id" = { pattern = "EMP-[0-9]+" } } }
          injection = { flag_at = 0.9, block_at = 0.5 }
          bedrock   = { guardrail_id = "Not An Id", guardrail_version = "latest" }
          on_error  = "ignore"
          max_prompt_tokens = 0
        }
        "Bad Name" = {}
      }
    }""",
        (
            g.POLICY_UNKNOWN.format(where="default_policy", value="lenient"),
            g.POLICY_NAME_INVALID.format(value="Bad Name"),
            g.ENTITY_UNKNOWN.format(policy="strict", value="NAME"),
            g.ACTION_UNKNOWN.format(policy="strict", value="shred"),
            g.CUSTOM_INVALID.format(policy="strict", value="emp id"),
            g.THRESHOLDS_INVALID.format(policy="strict"),
            g.BEDROCK_INVALID.format(policy="strict"),
            g.ON_ERROR_UNKNOWN.format(policy="strict"),
            g.MAX_TOKENS_INVALID.format(policy="strict"),
            media.HOSTS_INVALID,
        ),
    ),
    # The router's own words (contract.prompts), as it says them at cold start.
    "prompts": (
        "ai_gateway/gateway.tftest.hcl",
        """
    prompt_registry_path = "fixtures/prompts"
    prompts = {
      summarize         = { labels = ["production", "canary"] }
      "classify-ticket" = { labels = ["production"], model = "gpt-9" }
      missing           = { labels = [] }
      "Bad Name"        = { labels = [] }
    }""",
        (
            p.LABEL_UNKNOWN.format(prompt="summarize", value="canary"),
            p.MODEL_UNKNOWN.format(prompt="summarize", value="chat"),
            p.MODEL_UNKNOWN.format(prompt="classify-ticket", value="gpt-9"),
            p.NO_VERSIONS.format(prompt="missing"),
            p.NAME_INVALID.format(prompt="Bad Name"),
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_bad_input_is_named_with_what_it_accepts(case: str, tmp_path: Path) -> None:
    unit_tests, variables, expected = CASES[case]
    module = unit_tests.split("/")[0]
    mocks_and_defaults = (TESTS / unit_tests).read_text().split('\nrun "')[0]
    returncode, output = module_test(module, tmp_path / module, mocks_and_defaults + refusal_run(variables))
    assert returncode == 1
    missing = [message for message in expected if message not in output]
    assert missing == [], output[-3000:]
