"""The Makefile's and tools' refusals: one clear line and a non-zero exit, never a stack trace."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tooling.paths import REPO_ROOT
from tooling.real_env import main as real_env_main
from tooling.terraform import TerraformError, summary, terraform_binary


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def error_lines(stderr: str) -> list[str]:
    """Our lines, without make's own `*** [target] Error 1` trailer."""
    return [line for line in stderr.splitlines() if line and not re.match(r"^make(\[\d+\])?: \*\*\*", line)]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("bogus", "error: ENV 'bogus' is unknown; expected one of: dev, staging, prod"),
        ("", "error: ENV '(empty)' is unknown; expected one of: dev, staging, prod"),
        ("local", "error: ENV=local is the embedded emulator; use `make up` and `make down`"),
    ],
)
def test_make_plan_refuses_a_wrong_env_in_one_line(env: str, expected: str) -> None:
    result = make("plan", f"ENV={env}")
    assert result.returncode != 0
    assert error_lines(result.stderr) == [expected]
    assert "Traceback" not in result.stderr + result.stdout


def test_a_real_env_without_backend_config_says_how_to_make_one(capsys: pytest.CaptureFixture[str]) -> None:
    if (REPO_ROOT / "envs" / "staging" / "backend.hcl").exists():
        pytest.skip("this checkout has a real backend.hcl for staging")
    assert real_env_main(["check", "--env", "staging"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: envs/staging/backend.hcl is missing; copy envs/staging/backend.hcl.example and set your state bucket"
    )


def test_make_up_with_a_taken_port_says_so(tmp_path: Path) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = make("emulator-start", f"EMULATOR_PORT={port}")
    assert result.returncode != 0
    assert error_lines(result.stderr) == [
        f"error: port {port} on 127.0.0.1 is in use by another program; choose a free one with EMULATOR_PORT=<port>"
    ]


def test_a_missing_terraform_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TerraformError, match=r"^terraform is not on PATH; install Terraform 1.9 or newer$"):
        terraform_binary()


def test_make_reports_a_missing_terraform_before_doing_anything(tmp_path: Path) -> None:
    # Keep make, python and the shell on PATH; hide terraform.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("make", "bash", "sh", "cat", "cksum", "cut", "grep", "awk", "python3", "rm", "touch"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True, check=False)
        if found.stdout.strip():
            (bin_dir / tool).symlink_to(found.stdout.strip())
    env = dict(os.environ, PATH=str(bin_dir))
    result = make("tfconfig", env=env)
    assert result.returncode != 0
    assert error_lines(result.stderr) == ["error: terraform is not on PATH; install Terraform 1.9 or newer"]


def test_terraform_errors_are_summarised_by_their_first_error_line() -> None:
    output = "\n╷\n│ Error: Failed to query available provider packages\n│\n│ Could not retrieve the list\n╵\n"
    assert summary(output) == "Error: Failed to query available provider packages Could not retrieve the list"
    assert summary("") == "no output"
