"""Run Terraform the project's way: its own CLI config, no prompts, bounded in time, one-line errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from tooling.paths import BUILD_DIR

CLI_CONFIG = BUILD_DIR / "terraformrc"
MINIMUM_VERSION = (1, 9)


class TerraformError(Exception):
    """Terraform is missing, too old, or a command failed; the message is one line."""


def terraform_binary() -> str:
    """Return the terraform executable on PATH, checking it is new enough.

    Raises
    ------
    TerraformError
        When terraform is not on PATH or older than 1.9.
    """
    binary = shutil.which("terraform")
    if binary is None:
        raise TerraformError("terraform is not on PATH; install Terraform 1.9 or newer")
    version = _version_of(binary)
    found = tuple(int(p) for p in version.split(".")[:2])
    if found < MINIMUM_VERSION:
        raise TerraformError(f"terraform {version} is too old; this project needs 1.9 or newer")
    return binary


@lru_cache(maxsize=8)
def _version_of(binary: str) -> str:
    """`terraform version -json` of `binary`, asked once per process (every run checks it)."""
    try:
        result = subprocess.run([binary, "version", "-json"], capture_output=True, text=True, timeout=30, check=True)
        version: str = json.loads(result.stdout)["terraform_version"]
        tuple(int(p) for p in version.split(".")[:2])  # unparsable versions fail here, in one line
    except (subprocess.SubprocessError, ValueError, KeyError, OSError) as err:
        raise TerraformError(f"could not read the version of {binary}: {err}") from None
    return version


def terraform_environ(cli_config: Path = CLI_CONFIG, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a Terraform run: the generated CLI config, no prompts, no update checks."""
    if not cli_config.exists():
        raise TerraformError(f"{cli_config} is missing; run `make tfconfig` (make up and make test do it)")
    env = dict(os.environ)
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
    )
    env.update(extra or {})
    return env


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    capture: bool = True,
    ok_codes: tuple[int, ...] = (0,),
    interactive: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `terraform <args>` in `cwd`; raise TerraformError with its last error line on failure."""
    command = [terraform_binary(), *args]
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env or terraform_environ(),
            capture_output=capture,
            text=True,
            timeout=timeout,
            check=False,
            stdin=None if interactive else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise TerraformError(f"terraform {args[0]} in {cwd.name} did not finish within {timeout:.0f} s") from None
    if result.returncode not in ok_codes:
        detail = summary(result.stderr or result.stdout) if capture else "see its output above"
        raise TerraformError(f"terraform {args[0]} failed in {cwd.name}: {detail}")
    return result


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def summary(output: str | None) -> str:
    """The most useful line of Terraform's output: the first `Error:` line, else the last line."""
    lines = [ANSI_ESCAPE.sub("", line).strip(" │╷╵") for line in (output or "").splitlines()]
    lines = [line for line in lines if line]
    for index, line in enumerate(lines):
        if line.startswith("Error:"):
            detail = lines[index + 1] if index + 1 < len(lines) else ""
            return f"{line} {detail}".strip()
    return lines[-1] if lines else "no output"
