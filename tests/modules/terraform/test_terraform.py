"""`terraform validate` of every module and environment, and `terraform test` of every module.

Both run against the AWS provider on this machine (offline through the generated
CLI config); `terraform test` uses `mock_provider`, so nothing reaches AWS.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from modules_src.ai_gateway.variables.streaming import STREAMING_ONLY_ARGUMENTS
from modules_src.common.module_stack import AWS_PROVIDER_VERSION
from tooling.package_lambda import FUNCTIONS
from tooling.paths import ENVIRONMENTS, MODULES_DIR
from tooling.prompt_registry import PROMPTS_DIR
from tooling.terraform import run, terraform_environ
from tests.support.terraform_test import add_unit_test_support

pytestmark = pytest.mark.terraform

TESTS_DIR = Path(__file__).parent
MODULE_NAMES = sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir())
INIT_TIMEOUT = 300
TEST_TIMEOUT = 600


# Modules that need a newer provider than this machine's: checked here on a copy without the arguments
# only that provider knows (what the rest of the module declares is then validated and tested as usual).
NEWER_PROVIDER_MODULES = {"ai_gateway_streaming": STREAMING_ONLY_ARGUMENTS}


def for_this_machine(folder: Path) -> list[str]:
    """Strip the newer provider's arguments from a copied module and relax its provider constraint to this
    machine's; return what was stripped (`resource.argument`), so a test can say it checked something."""
    arguments = NEWER_PROVIDER_MODULES.get(folder.name)
    if arguments is None:
        return []
    path = folder / "main.tf.json"
    document = json.loads(path.read_text())
    document["terraform"]["required_providers"]["aws"]["version"] = AWS_PROVIDER_VERSION
    stripped = []
    for kind, resources in document["resource"].items():
        for name, resource in resources.items():
            for argument in arguments:
                if resource.pop(argument, None) is not None:
                    stripped.append(f"{kind}.{name}.{argument}")
    path.write_text(json.dumps(document, indent=2))
    assert stripped, f"{folder.name} declares none of {arguments}: drop it from NEWER_PROVIDER_MODULES"
    return stripped


@pytest.fixture(scope="session")
def tf_env() -> dict[str, str]:
    """Terraform's environment: the CLI config `make test` generated (mirror or registry)."""
    return terraform_environ()


@pytest.mark.parametrize("root", [f"modules/{m}" for m in MODULE_NAMES] + [f"envs/{e}" for e in ENVIRONMENTS])
def test_validates_against_the_provider_on_this_machine(
    root: str, terraform_tree: Path, tf_env: dict[str, str]
) -> None:
    folder = terraform_tree / root
    for_this_machine(folder)
    run(["init", "-backend=false", "-input=false", "-no-color"], folder, timeout=INIT_TIMEOUT, env=tf_env)
    result = run(["validate", "-json", "-no-color"], folder, timeout=INIT_TIMEOUT, env=tf_env, ok_codes=(0, 1))
    report = json.loads(result.stdout)
    problems = [f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in report["diagnostics"]]
    assert report["valid"], problems
    assert not [p for p in problems if p.startswith("warning")], problems


def write_fixture_zip(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{path.stem}/handler.py", "def handler(event, context):\n    return {}\n")


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_unit_tests_pass_with_a_mock_provider(module: str, tmp_path: Path, tf_env: dict[str, str]) -> None:
    test_files = sorted((TESTS_DIR / module).glob("*.tftest.hcl"))
    assert test_files, f"tests/terraform/{module}/ holds no .tftest.hcl"
    folder = tmp_path / module
    shutil.copytree(MODULES_DIR / module, folder)
    for_this_machine(folder)
    (folder / "tests").mkdir(exist_ok=True)
    for test_file in test_files:
        shutil.copy(test_file, folder / "tests" / test_file.name)
    add_unit_test_support(module, folder)
    for function in FUNCTIONS:
        write_fixture_zip(folder / "fixtures" / f"{function}.zip")
    # A model archive for the modules that upload one (any bytes: nothing unpacks it).
    (folder / "fixtures" / "model.tar.gz").write_bytes(b"\x1f\x8b fixture model archive")
    # The repository's prompt registry, for the modules that publish prompts.
    shutil.copytree(PROMPTS_DIR, folder / "fixtures" / "prompts")
    run(["init", "-backend=false", "-input=false", "-no-color"], folder, timeout=INIT_TIMEOUT, env=tf_env)
    result = run(["test", "-no-color"], folder, timeout=TEST_TIMEOUT, env=tf_env, ok_codes=(0, 1))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    summary = re.search(r"Success! (\d+) passed, (\d+) failed", output)
    assert summary, output
    runs = sum(f.read_text().count('\nrun "') + f.read_text().startswith('run "') for f in test_files)
    assert int(summary.group(1)) == runs and summary.group(2) == "0", output
