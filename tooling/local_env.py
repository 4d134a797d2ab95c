"""`make up` / `make down`: the embedded local environment (envs/local against a moto server).

up: start the emulator (or reuse the one this checkout started), forget Terraform
state a fresh emulator cannot know, init and apply envs/local, serve the applied
stage on loopback (tooling/local_stage.py), print the outputs and curl lines that
work. down: stop both servers by their pids and drop the state the emulator took
with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tooling.background import BackgroundServer, ServerError
from tooling.emulator import Emulator, parse_port
from tooling.paths import BUILD_DIR, DIST_DIR, ENVS_DIR
from tooling.terraform import TerraformError, run, terraform_environ

LOCAL_ENV = ENVS_DIR / "local"
STATE_DIR = BUILD_DIR / "emulator"
STAGE_DIR = BUILD_DIR / "local-stage"
STAGE_START_TIMEOUT = 30.0
INIT_TIMEOUT = 300.0
# The emulator routes unsigned requests by the service named in the credential scope.
CONTROL_PLANE_AUTH = "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/apigateway/aws4_request"
APPLY_TIMEOUT = 900.0


def emulator_for(port: int) -> Emulator:
    return Emulator(port, STATE_DIR / "moto.pid", STATE_DIR / "moto.log")


def local_stage_for(port: int, state_dir: Path = STAGE_DIR) -> BackgroundServer:
    return BackgroundServer("local stage", port, state_dir / "stage.pid", state_dir / "stage.log", "LOCAL_STAGE_PORT")


def serve_stage(
    emulator: Emulator,
    outputs: dict[str, str],
    port: int,
    state_dir: Path = STAGE_DIR,
    packages_dir: Path = DIST_DIR,
) -> BackgroundServer:
    """(Re)start the local stage server for the applied API, so it serves the current deployment."""
    stage = local_stage_for(port, state_dir)
    stage.stop()
    command = [
        sys.executable, "-m", "tooling.local_stage",
        "--emulator-endpoint", emulator.endpoint,
        "--rest-api-id", outputs["rest_api_id"],
        "--stage", outputs["stage_name"],
        "--port", str(port),
        "--packages-dir", str(packages_dir),
        "--code-dir", str(state_dir / "code"),
    ]  # fmt: skip
    stage.start(command, STAGE_START_TIMEOUT)
    return stage


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
    # Sensitive outputs (tenant keys) are never printed: `terraform output` shows them on request.
    return {
        name: "<sensitive>" if item.get("sensitive") else str(item["value"])
        for name, item in json.loads(result.stdout).items()
    }


def describe(outputs: dict[str, str], stage_url: str) -> str:
    """Text `make up` prints: outputs, working curl lines, and what is not emulated."""
    endpoint, api, stage = outputs["emulator_endpoint"], outputs["rest_api_id"], outputs["stage_name"]
    lines = ["", "The local gateway is applied:"]
    lines += [f"  {name} = {value}" for name, value in sorted(outputs.items())]
    lines += [
        "",
        "Call the local stage (the deployed authorizer and router, their code and configuration,",
        "served on loopback) with a tenant's key:",
        "  KEY=$(terraform -chdir=envs/local output -json tenant_api_keys | python3 -c "
        "'import json,sys; print(json.load(sys.stdin)[\"acme\"])')",
        f'  curl -s -H "Authorization: Bearer $KEY" {stage_url}/{stage}/v1/models',
        "",
        "Ask the emulator's control plane for the deployed stage (the Authorization header only tells",
        "the emulator which AWS API is meant):",
        f"  curl -s -H '{CONTROL_PLANE_AUTH}' {endpoint}/restapis/{api}/stages/{stage}",
        "",
        "stage_invoke_url itself answers only in a real AWS account (make apply ENV=dev). The local",
        "stage runs the authorizer and the Lambda integrations, not usage-plan throttles, quotas or",
        "request validation. `make down` stops both servers.",
    ]
    return "\n".join(lines)


def down(port: int, stage_port: int, env_dir: Path = LOCAL_ENV) -> bool:
    """Stop the local stage and the emulator this checkout started, drop the local state; False if none ran."""
    local_stage_for(stage_port).stop()
    stopped = emulator_for(port).stop()
    forget_state(env_dir)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=parse_port, required=True)
    parser.add_argument("--stage-port", type=parse_port, required=True)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            outputs = up(args.port)
            stage = serve_stage(emulator_for(args.port), outputs, args.stage_port)
            print(describe(outputs, stage.url))
        else:
            stopped = down(args.port, args.stage_port)
            print("down: emulator and local stage stopped" if stopped else "down: no emulator was running")
    except (ServerError, TerraformError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
