"""Run one generated module's `terraform test` with a test file written for the case (mock provider, offline)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tooling.paths import MODULES_DIR
from tooling.prompt_registry import PROMPTS_DIR
from tooling.terraform import run, terraform_environ


def refusal_run(variables: str) -> str:
    """A `run` block that plans with `variables` (HCL assignments), expected to be refused."""
    return f'\nrun "refuses" {{\n  command = plan\n  variables {{{variables}\n  }}\n}}\n'


UNIT_TESTS_DIR = Path(__file__).parents[1] / "modules" / "terraform"
# Modules whose unit tests start from another module's inputs (the same spec).
TEST_INPUTS_OF = {"ai_gateway_streaming": "ai_gateway"}


def add_unit_test_support(module: str, folder: Path, *, inputs: bool = True) -> None:
    """The AWS mocks the unit tests share (`mock_provider "aws" { source = "./tests/mocks" }`) and, with
    `inputs`, the inputs every run of `module` starts from (Terraform reads terraform.tfvars beside the module)."""
    shutil.copytree(UNIT_TESTS_DIR / "mocks", folder / "tests" / "mocks", dirs_exist_ok=True)
    tfvars = UNIT_TESTS_DIR / TEST_INPUTS_OF.get(module, module) / "terraform.tfvars"
    if inputs and tfvars.exists():
        shutil.copy(tfvars, folder / "terraform.tfvars")


def module_test(module: str, folder: Path, test_text: str, *, inputs: bool = True) -> tuple[int, str]:
    """Copy `module` into `folder`, run `terraform test` with `test_text`; its exit code and output, one line.
    Without `inputs`, the runs start from the module's own defaults rather than its unit tests' inputs."""
    if not folder.exists():
        shutil.copytree(MODULES_DIR / module, folder)
        shutil.copytree(PROMPTS_DIR, folder / "fixtures" / "prompts")
    add_unit_test_support(module, folder, inputs=inputs)
    (folder / "tests" / "case.tftest.hcl").write_text(test_text)
    env = terraform_environ()
    run(["init", "-backend=false", "-input=false", "-no-color"], folder, timeout=300, env=env)
    result = run(["test", "-no-color"], folder, timeout=300, env=env, ok_codes=(0, 1))
    return result.returncode, words(result.stdout + result.stderr)


def words(text: str) -> str:
    """`text` with every run of whitespace as one space (Terraform wraps its messages)."""
    return re.sub(r"\s+", " ", text)
