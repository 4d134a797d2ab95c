"""A provisioned router environment prepares its first request during init (router.warm_up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from router import warm_up
from tests.support.router_harness import MODELS, body_of, build_router

REPO = Path(__file__).resolve().parents[3]
CHAT = {"model": "haiku", "messages": [{"role": "user", "content": "Hi"}]}


def first_request_imports(initialization_type: str) -> dict[str, list[str]]:
    """Gateway modules a fresh interpreter imports during the handler's init, and during its first chat."""
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'lambda_src'}{os.pathsep}{REPO}"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.first_request_imports", initialization_type],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    parsed: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def test_an_on_demand_start_leaves_the_model_pipeline_to_the_first_request() -> None:
    imports = first_request_imports("on-demand")
    # The cold-start budget: neither the pipeline nor boto3 is loaded before a model request needs them.
    assert "router.pipeline.serving" in imports["first_request"]
    assert "boto3" not in imports["init"]


def test_a_provisioned_environment_leaves_nothing_for_its_first_request_to_import() -> None:
    imports = first_request_imports(warm_up.PROVISIONED)
    assert imports["first_request"] == []
    assert {"router.pipeline.serving", "boto3"} <= set(imports["init"])


def test_warm_up_makes_each_models_adapter_and_a_client_of_each_service_it_calls(
    monkeypatch: pytest.MonkeyPatch, aws_credentials: None
) -> None:
    router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": "aigw-test-budgets"})
    made: list[str] = []
    services = warm_up.warm_up(router.module.SETTINGS.get(), router.service, made.append)
    # MODELS holds Bedrock, SageMaker and an OpenAI-compatible provider; budgets are in DynamoDB.
    assert services == tuple(made) == ("bedrock-runtime", "dynamodb", "sagemaker-runtime", "secretsmanager")
    assert len(router.service.backends._adapters) == len(MODELS)


def test_a_failed_warm_up_leaves_the_router_serving(
    monkeypatch: pytest.MonkeyPatch, aws_credentials: None, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any) -> tuple[str, ...]:
        raise RuntimeError("no capacity for clients")

    monkeypatch.setenv(warm_up.INITIALIZATION_TYPE, warm_up.PROVISIONED)
    monkeypatch.setattr(warm_up, "warm_up", broken)
    router = build_router(monkeypatch)  # the handler's init runs the (broken) warm-up
    assert "provisioned warm-up failed" in caplog.text
    response = router.call("/v1/chat/completions", CHAT)
    assert response["statusCode"] == 200, body_of(response)


def test_only_a_provisioned_init_warms_up() -> None:
    assert warm_up.provisioned({warm_up.INITIALIZATION_TYPE: "provisioned-concurrency"})
    assert not warm_up.provisioned({warm_up.INITIALIZATION_TYPE: "on-demand"})
    assert not warm_up.provisioned({})
