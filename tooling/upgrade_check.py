"""Upgrade check: apply envs/local with an earlier commit's modules, then plan with this checkout's.

A module's stateful resources (tables, keys, API keys, usage plans, log groups) are
public: a change may update them in place or move them with a `moved` block, never
destroy or replace them. This applies the earlier commit's `modules/` and `envs/` to a
fresh emulator, swaps in the current ones, plans, and lists every planned action on a
stateful resource. Exit status 1 when one would be destroyed or replaced.

Usage: python -m tooling.upgrade_check --from <git ref> [--keep]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from tooling.emulator import Emulator, free_port
from tooling.paths import DIST_DIR, ENVS_DIR, MODULES_DIR, REPO_ROOT
from tooling.terraform import TerraformError, run, terraform_environ

# Resources whose loss loses data or breaks callers (keys they hold, names they use).
STATEFUL_TYPES = (
    "aws_dynamodb_table",
    "aws_kms_key",
    "aws_api_gateway_api_key",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_stage",
    "aws_cloudwatch_log_group",
    "aws_secretsmanager_secret",
)
TIMEOUT = 900


def export(ref: str, target: Path) -> None:
    """Write `modules/` and `envs/` as they are at `ref` into `target`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "modules", "envs"],
        cwd=REPO_ROOT, capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    if archive.returncode != 0:
        raise TerraformError(f"git archive {ref} failed: {archive.stderr.decode(errors='replace').strip()[:200]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


def _generated(item: Path) -> bool:
    """Terraform's own files in a root: its working folder, lock file and state stay across the swap."""
    return item.name in (".terraform", ".terraform.lock.hcl") or item.name.startswith("terraform.tfstate")


def replace_sources(root: Path) -> None:
    """Swap this checkout's modules/, envs/ and the prompt registry they publish in, keeping each root's state
    and providers."""
    shutil.rmtree(root / "modules")
    shutil.copytree(MODULES_DIR, root / "modules")
    shutil.rmtree(root / "prompts", ignore_errors=True)
    shutil.copytree(REPO_ROOT / "prompts", root / "prompts")
    for env in ENVS_DIR.iterdir():
        target = root / "envs" / env.name
        target.mkdir(parents=True, exist_ok=True)
        for item in [i for i in target.iterdir() if not _generated(i)]:
            shutil.rmtree(item) if item.is_dir() else item.unlink()
        for item in [i for i in env.iterdir() if not _generated(i)]:
            shutil.copytree(item, target / item.name) if item.is_dir() else shutil.copy(item, target / item.name)


def stateful_changes(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(address, actions) of every planned change to a stateful resource."""
    changes = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if change["type"] in STATEFUL_TYPES and actions != ["no-op"]:
            changes.append((change["address"], actions))
    return changes


def check(ref: str, keep: bool) -> int:
    work = Path(tempfile.mkdtemp(prefix="upgrade-check-"))
    emulator = Emulator(free_port(), work / "moto.pid", work / "moto.log")
    try:
        export(ref, work)
        (work / "build" / "dist").mkdir(parents=True)
        for package in DIST_DIR.glob("*.zip"):
            shutil.copy(package, work / "build" / "dist" / package.name)
        emulator.start()
        env = terraform_environ(extra={"TF_VAR_emulator_endpoint": emulator.endpoint})
        env_dir = work / "envs" / "local"
        print(f"upgrade-check: applying envs/local at {ref} ...", flush=True)
        run(["init", "-input=false", "-no-color"], env_dir, timeout=TIMEOUT, env=env)
        run(["apply", "-auto-approve", "-input=false", "-no-color"], env_dir, timeout=TIMEOUT, env=env)
        replace_sources(work)
        print("upgrade-check: planning with this checkout's modules ...", flush=True)
        run(["init", "-input=false", "-no-color", "-upgrade"], env_dir, timeout=TIMEOUT, env=env)
        run(["plan", "-input=false", "-no-color", "-out=upgrade.tfplan"], env_dir, timeout=TIMEOUT, env=env)
        shown = run(["show", "-json", "upgrade.tfplan"], env_dir, timeout=TIMEOUT, env=env).stdout
        plan = json.loads(shown)
        summary: dict[str, int] = {}
        for change in plan.get("resource_changes", []):
            key = "/".join(change["change"]["actions"])
            summary[key] = summary.get(key, 0) + 1
        print(f"upgrade-check: planned actions {json.dumps(summary, sort_keys=True)}")
        unsafe = []
        for address, actions in stateful_changes(plan):
            print(f"  {'/'.join(actions):<16} {address}")
            if "delete" in actions:
                unsafe.append(address)
        if unsafe:
            print(f"error: {len(unsafe)} stateful resources would be destroyed or replaced", file=sys.stderr)
            return 1
        print("upgrade-check: no stateful resource is destroyed or replaced")
        return 0
    finally:
        emulator.stop()
        if keep:
            print(f"upgrade-check: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="ref", required=True, help="the git ref whose modules are applied first")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (state, plan) for inspection")
    args = parser.parse_args(argv)
    try:
        return check(args.ref, args.keep)
    except TerraformError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
