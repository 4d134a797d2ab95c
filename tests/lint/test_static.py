"""ruff (lint and format) and mypy over the Python source: the CDK package, Lambdas, tooling and tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tooling.paths import REPO_ROOT

CHECKS = {
    "ruff-lint": [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
    "ruff-format": [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy", "--cache-dir", "build/mypy-cache"],
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_source_is_clean(name: str) -> None:
    result = subprocess.run(CHECKS[name], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{name} found problems:\n{result.stdout}\n{result.stderr}"
