"""`make up` / `make down`: the embedded local environment (envs/local against a moto server).

up: start the emulator (or reuse the one this checkout started), forget Terraform
state a fresh emulator cannot know, init and apply envs/local, start a model server
per local SageMaker endpoint (tooling/model_server.py, the archive's own inference
script), serve the applied stage on loopback (tooling/local_stage/, with a SageMaker
runtime in front of those servers), print the outputs and curl lines that work.
down: stop every server by its pid and drop the state the emulator took with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tooling.background import BackgroundServer, ServerError
from tooling.emulator import Emulator, parse_port
from tooling.paths import BUILD_DIR, DIST_DIR, ENVS_DIR
from tooling.terraform import TerraformError, run, terraform_environ

LOCAL_ENV = ENVS_DIR / "local"
STATE_DIR = BUILD_DIR / "emulator"
STAGE_DIR = BUILD_DIR / "local-stage"
STAGE_START_TIMEOUT = 30.0
MODEL_START_TIMEOUT = 60.0
MODEL_DIR = BUILD_DIR / "model-server"
INIT_TIMEOUT = 300.0
# The emulator routes unsigned requests by the service named in the credential scope.
CONTROL_PLANE_AUTH = "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/apigateway/aws4_request"
APPLY_TIMEOUT = 900.0


def emulator_for(port: int) -> Emulator:
    return Emulator(port, STATE_DIR / "moto.pid", STATE_DIR / "moto.log")


def local_stage_for(port: int, state_dir: Path = STAGE_DIR) -> BackgroundServer:
    return BackgroundServer("local stage", port, state_dir / "stage.pid", state_dir / "stage.log", "LOCAL_STAGE_PORT")


def model_server_for(index: int, first_port: int, state_dir: Path = MODEL_DIR) -> BackgroundServer:
    return BackgroundServer(
        "model server", first_port + index, state_dir / f"model-{index}.pid", state_dir / f"model-{index}.log",
        "MODEL_PORT",
    )  # fmt: skip


def serve_models(
    local_models: dict[str, Any], first_port: int, state_dir: Path = MODEL_DIR
) -> dict[str, dict[str, dict[str, Any]]]:
    """(Re)start one model server per endpoint; return the SageMaker runtime's map (endpoint -> variants)."""
    endpoints: dict[str, dict[str, dict[str, Any]]] = {}
    for index, (endpoint, model) in enumerate(sorted(local_models.items())):
        server = model_server_for(index, first_port, state_dir)
        server.stop()
        command = [
            sys.executable, "-m", "tooling.model_server",
            "--archive", str(model["archive"]),
            "--port", str(server.port),
            "--model-dir", str(state_dir / f"model-{index}"),
        ]  # fmt: skip
        server.start(command, MODEL_START_TIMEOUT)
        # Every variant of a local endpoint runs the same archive (one container locally).
        endpoints[endpoint] = {name: {"url": server.url, "weight": w} for name, w in model["variants"].items()}
    return endpoints


def serve_stage(
    emulator: Emulator,
    outputs: dict[str, Any],
    port: int,
    *,
    state_dir: Path = STAGE_DIR,
    packages_dir: Path = DIST_DIR,
    sagemaker_endpoints: dict[str, Any] | None = None,
) -> BackgroundServer:
    """(Re)start the local stage server for the applied API, so it serves the current deployment."""
    stage = local_stage_for(port, state_dir)
    stage.stop()
    runtime_map = state_dir / "sagemaker-endpoints.json"
    state_dir.mkdir(parents=True, exist_ok=True)
    runtime_map.write_text(json.dumps(sagemaker_endpoints or {}, indent=1, sort_keys=True))
    command = [
        sys.executable, "-m", "tooling.local_stage",
        "--emulator-endpoint", emulator.endpoint,
        "--rest-api-id", outputs["rest_api_id"],
        "--stage", outputs["stage_name"],
        "--port", str(port),
        "--packages-dir", str(packages_dir),
        "--code-dir", str(state_dir / "code"),
        "--sagemaker-endpoints", str(runtime_map),
    ]  # fmt: skip
    if outputs.get("local_provider_url"):  # the Converse stand-in answers from the provider `local-echo` uses
        command += ["--bedrock-provider-url", str(outputs["local_provider_url"])]
    stage.start(command, STAGE_START_TIMEOUT)
    return stage


def forget_state(env_dir: Path) -> None:
    """Drop local state files: the emulator they described is gone."""
    for path in env_dir.glob("terraform.tfstate*"):
        path.unlink()


def up(port: int, env_dir: Path = LOCAL_ENV) -> dict[str, Any]:
    """Apply `env_dir` against the emulator on `port`; return its outputs (sensitive ones hidden)."""
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
        name: "<sensitive>" if item.get("sensitive") else item["value"]
        for name, item in json.loads(result.stdout).items()
    }


def describe(outputs: dict[str, Any], stage_url: str) -> str:
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
        "Score a flower with the local iris model (transform route: features checked and shaped, the",
        "archive's inference script answers, labels and a decision come back):",
        '  curl -s -H "Authorization: Bearer $KEY" -H "content-type: application/json" \\',
        f"    {stage_url}/{stage}/v1/transform/iris \\",
        """    -d '{"instances": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, """
        """"petal_width": 0.2}]}'""",
        "",
        "Ask the emulator's control plane for the deployed stage (the Authorization header only tells",
        "the emulator which AWS API is meant):",
        f"  curl -s -H '{CONTROL_PLANE_AUTH}' {endpoint}/restapis/{api}/stages/{stage}",
        "",
        "stage_invoke_url itself answers only in a real AWS account (make apply ENV=dev). The local",
        "stage serves what was applied as API Gateway would: usage-plan throttles and quotas, request",
        "validation, the authorizer and its cache, the Lambda integrations, the direct routes (SageMaker",
        "on the local model server, Bedrock on a Converse stand-in) and the deployed gateway responses;",
        'README "What runs locally" lists what it reproduces, approximates or does not.',
        "`make down` stops every server.",
    ]
    return "\n".join(lines)


def down(port: int, stage_port: int, model_port: int, env_dir: Path = LOCAL_ENV) -> bool:
    """Stop the local stage, model servers and emulator this checkout started, drop the local state; False if
    no emulator ran."""
    local_stage_for(stage_port).stop()
    for pid_file in sorted(MODEL_DIR.glob("model-*.pid")):
        model_server_for(int(pid_file.stem.removeprefix("model-")), model_port).stop()
    stopped = emulator_for(port).stop()
    forget_state(env_dir)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=parse_port, required=True)
    parser.add_argument("--stage-port", type=parse_port, required=True)
    parser.add_argument("--model-port", type=parse_port, required=True)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            outputs = up(args.port)
            endpoints = serve_models(outputs.get("local_models") or {}, args.model_port)
            stage = serve_stage(emulator_for(args.port), outputs, args.stage_port, sagemaker_endpoints=endpoints)
            print(describe(outputs, stage.url))
        else:
            stopped = down(args.port, args.stage_port, args.model_port)
            print(
                "down: emulator, model servers and local stage stopped" if stopped else "down: no emulator was running"
            )
    except (ServerError, TerraformError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
