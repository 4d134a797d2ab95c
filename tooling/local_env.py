"""`make up` / `make down`: the embedded local environment (envs/local against a moto server).

up: start the emulator (or reuse the one this checkout started), forget Terraform
state a fresh emulator cannot know, init and apply envs/local, print its outputs
and a curl line that works. down: stop the emulator by its pid and drop the state
it took with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tooling.emulator import Emulator, EmulatorError, parse_port
from tooling.paths import BUILD_DIR, DIST_DIR, ENVS_DIR
from tooling.terraform import TerraformError, run, terraform_environ

LOCAL_ENV = ENVS_DIR / "local"
STATE_DIR = BUILD_DIR / "emulator"
INIT_TIMEOUT = 300.0
APPLY_TIMEOUT = 900.0


def emulator_for(port: int) -> Emulator:
    return Emulator(port, STATE_DIR / "moto.pid", STATE_DIR / "moto.log")


def forget_state(env_dir: Path) -> None:
    """Drop local state files: the emulator they described is gone."""
    for path in env_dir.glob("terraform.tfstate*"):
        path.unlink()


def up(port: int, env_dir: Path = LOCAL_ENV) -> dict[str, str]:
    """Apply `env_dir` against the emulator on `port`; return its outputs."""
    package = DIST_DIR / "router.zip"
    if not package.exists():
        raise TerraformError(f"{package} is missing; run `make package`")
    emulator = emulator_for(port)
    already_running = emulator.recorded_pid() is not None and emulator.answers()
    emulator.start()
    if not already_running:
        forget_state(env_dir)
    env = terraform_environ(extra={"TF_VAR_emulator_endpoint": emulator.endpoint})
    run(["init", "-input=false", "-no-color"], env_dir, timeout=INIT_TIMEOUT, env=env)
    print(f"up: applying {env_dir.relative_to(ENVS_DIR.parent)} against {emulator.endpoint} ...", flush=True)
    run(["apply", "-auto-approve", "-input=false", "-no-color"], env_dir, timeout=APPLY_TIMEOUT, env=env, capture=False)
    result = run(["output", "-json"], env_dir, timeout=60, env=env)
    return {name: str(item["value"]) for name, item in json.loads(result.stdout).items()}


def describe(outputs: dict[str, str]) -> str:
    """Text `make up` prints: outputs, a working curl line, and what the emulator does not serve."""
    endpoint, api, stage = outputs["emulator_endpoint"], outputs["rest_api_id"], outputs["stage_name"]
    lines = ["", "The local gateway is applied:"]
    lines += [f"  {name} = {value}" for name, value in sorted(outputs.items())]
    lines += [
        "",
        "Ask the emulator's control plane for the deployed stage (this works locally):",
        f"  curl -s {endpoint}/restapis/{api}/stages/{stage}",
        "",
        "The emulator stores the API but does not serve it: stage_invoke_url answers only in a real",
        "AWS account (make apply ENV=dev). Locally the request path is exercised by `make test`.",
    ]
    return "\n".join(lines)


def down(port: int, env_dir: Path = LOCAL_ENV) -> bool:
    """Stop the emulator this checkout started and drop the local state; False if none ran."""
    stopped = emulator_for(port).stop()
    forget_state(env_dir)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=parse_port, required=True)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            print(describe(up(args.port)))
        else:
            print("down: emulator stopped" if down(args.port) else "down: no emulator was running")
    except (EmulatorError, TerraformError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
