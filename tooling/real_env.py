"""`make plan ENV=<env>` / `make apply ENV=<env>`: a real environment root against an AWS account.

Credentials come from the usual AWS sources (profile, SSO, environment); the
backend from envs/<env>/backend.hcl. Apply asks for confirmation unless
AUTO_APPROVE=1; it never runs against envs/local (that is `make up`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tooling.paths import DIST_DIR, ENVS_DIR
from tooling.terraform import TerraformError, run, terraform_environ

REAL_ENVIRONMENTS = ("dev", "staging", "prod")
INIT_TIMEOUT = 600.0
RUN_TIMEOUT = 3600.0


class EnvironmentSetupError(Exception):
    """The environment name or its set-up is wrong."""


def check_environment(name: str) -> None:
    """Raise unless `name` is a real environment with a backend configuration."""
    if name == "local":
        raise EnvironmentSetupError("ENV=local is the embedded emulator; use `make up` and `make down`")
    if name not in REAL_ENVIRONMENTS:
        shown = name if name else "(empty)"
        raise EnvironmentSetupError(f"ENV '{shown}' is unknown; expected one of: {', '.join(REAL_ENVIRONMENTS)}")
    backend = ENVS_DIR / name / "backend.hcl"
    if not backend.exists():
        raise EnvironmentSetupError(
            f"envs/{name}/backend.hcl is missing; copy envs/{name}/backend.hcl.example and set your state bucket"
        )


def init(name: str, env: dict[str, str]) -> Path:
    """`terraform init` of a real environment's root with its backend; the root's folder."""
    env_dir = ENVS_DIR / name
    run(["init", "-input=false", "-no-color", "-backend-config=backend.hcl"], env_dir, timeout=INIT_TIMEOUT, env=env)
    return env_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("check", "plan", "apply"))
    parser.add_argument("--env", required=True)
    args = parser.parse_args(argv)
    try:
        check_environment(args.env)
        if args.action == "check":
            return 0
        if not (DIST_DIR / "router.zip").exists():
            raise EnvironmentSetupError("build/dist/router.zip is missing; run `make package`")
        env = terraform_environ()
        env_dir = init(args.env, env)
        if args.action == "plan":
            run(["plan", "-input=false"], env_dir, timeout=RUN_TIMEOUT, env=env, capture=False)
        else:
            approve = ["-auto-approve"] if os.environ.get("AUTO_APPROVE") == "1" else []
            env["TF_INPUT"] = "1"
            run(["apply", *approve], env_dir, timeout=RUN_TIMEOUT, env=env, capture=False, interactive=True)
    except (EnvironmentSetupError, TerraformError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
