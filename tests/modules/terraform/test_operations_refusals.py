"""Inputs of the operations module that AWS would refuse, or that could never fire, are refused at plan.

Each refusal names the input and what it accepts, in words the operator can act on.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tooling.paths import MODULES_DIR
from tooling.terraform import run, terraform_environ

pytestmark = pytest.mark.terraform

UNIT_TESTS = Path(__file__).parent / "operations" / "operations.tftest.hcl"
MOCKS = UNIT_TESTS.read_text().split('\nrun "')[0]
BAD = """
run "refuses" {
  command = plan
  variables {
    alarm_thresholds        = { api_5xx_rate = 2, api_p99_latency_ms = 60000, lambda_errors = 0.5 }
    tenant_daily_spend_usd  = { initech = 10, acme = 0 }
    alarm_models            = ["gpt-9"]
    monthly_cost_budget_usd = -5
  }
}
"""
EXPECTED = (
    "alarm_thresholds.api_5xx_rate must be a number from 0.001 to 1, got 2",
    "alarm_thresholds.api_p99_latency_ms must be a whole number from 1 to 29000, got 60000",
    "alarm_thresholds.lambda_errors must be a whole number from 1 to 1000000000, got 0.5",
    "tenant_daily_spend_usd: 'initech' is not a tenant of the gateway",
    "tenant_daily_spend_usd.acme must be more than 0 USD",
    "alarm_models: 'gpt-9' is not a model of the gateway",
    "monthly_cost_budget_usd must be null or more than 0.",
)


def test_every_bad_input_is_named_with_what_it_accepts(tmp_path: Path) -> None:
    folder = tmp_path / "operations"
    shutil.copytree(MODULES_DIR / "operations", folder)
    (folder / "tests").mkdir()
    (folder / "tests" / "refusals.tftest.hcl").write_text(MOCKS + BAD)
    env = terraform_environ()
    run(["init", "-backend=false", "-input=false", "-no-color"], folder, timeout=300, env=env)
    result = run(["test", "-no-color"], folder, timeout=300, env=env, ok_codes=(0, 1))
    output = re.sub(r"\s+", " ", result.stdout + result.stderr)
    assert result.returncode == 1
    missing = [message for message in EXPECTED if message not in output]
    assert missing == [], output[-3000:]
