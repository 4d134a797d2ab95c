"""envs/local end to end against a moto server this test starts: apply, clean re-plan, destroy.

After the apply, the deployed router's own configuration is read back from the
emulator and served by the handler, and the local stage serves the applied API to
the official OpenAI SDK with each tenant's key: the authorizer reads the tenant
table Terraform wrote, and each tenant lists exactly the models it may use. A stub
OpenAI-compatible provider on 127.0.0.1 stands behind the `local-echo` model, so a
chat completion goes all the way through: authorizer, router, the provider key from
the emulator's Secrets Manager, and the token counters in the budget table.
"""

from __future__ import annotations

import importlib
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from openai import AuthenticationError, NotFoundError, OpenAI

from tests.conftest import FakeLambdaContext, load_event
from tests.support.http import running, send_json
from tooling.emulator import Emulator, emulator_client, free_port
from tooling.local_env import serve_stage
from tooling.terraform import run, terraform_environ

pytestmark = [pytest.mark.emulator, pytest.mark.terraform]

INIT_TIMEOUT = 300
APPLY_TIMEOUT = 900


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    server = Emulator(free_port(), tmp_path / "emulator" / "moto.pid", tmp_path / "emulator" / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


PROVIDER_CALLS: list[dict[str, Any]] = []


class EchoProvider(BaseHTTPRequestHandler):
    """An OpenAI-compatible provider that repeats the last message and reports 7 + 3 tokens."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        PROVIDER_CALLS.append({"authorization": self.headers.get("authorization"), "model": body.get("model")})
        answer = {
            "choices": [
                {"message": {"role": "assistant", "content": f"echo: {body['messages'][-1]['content']}"},
                 "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3},
        }  # fmt: skip
        send_json(self, 200, answer)

    def log_message(self, *args: object) -> None:
        return


def client(emulator: Emulator, service: str) -> Any:
    return emulator_client(emulator.endpoint, service)


def test_local_environment_applies_replans_clean_and_destroys(
    terraform_tree: Path,
    router_zip: Path,
    emulator: Emulator,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dist = terraform_tree / "build" / "dist"
    dist.mkdir(parents=True)
    for package in router_zip.parent.glob("*.zip"):
        shutil.copy(package, dist / package.name)
    env_dir = terraform_tree / "envs" / "local"
    PROVIDER_CALLS.clear()
    with running(ThreadingHTTPServer(("127.0.0.1", 0), EchoProvider)) as provider_url:
        env = terraform_environ(
            extra={"TF_VAR_emulator_endpoint": emulator.endpoint, "TF_VAR_local_provider_url": provider_url}
        )
        apply_check_and_destroy(
            env_dir=env_dir,
            env=env,
            emulator=emulator,
            dist=dist,
            terraform_tree=terraform_tree,
            lambda_context=lambda_context,
            monkeypatch=monkeypatch,
        )


def apply_check_and_destroy(
    *,
    env_dir: Path,
    env: dict[str, str],
    emulator: Emulator,
    dist: Path,
    terraform_tree: Path,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(["init", "-input=false", "-no-color"], env_dir, timeout=INIT_TIMEOUT, env=env)
    applied = False
    try:
        run(["apply", "-auto-approve", "-input=false", "-no-color"], env_dir, timeout=APPLY_TIMEOUT, env=env)
        applied = True
        replan = run(
            ["plan", "-detailed-exitcode", "-input=false", "-no-color"],
            env_dir,
            timeout=APPLY_TIMEOUT,
            env=env,
            ok_codes=(0, 2),
        )
        assert replan.returncode == 0, f"a re-plan right after apply must be empty:\n{replan.stdout}"

        outputs = {
            k: v["value"] for k, v in json.loads(run(["output", "-json"], env_dir, timeout=60, env=env).stdout).items()
        }
        assert outputs["stage_name"] == "local"
        assert outputs["stage_invoke_url"].endswith("/local")

        apigateway = client(emulator, "apigateway")
        stage = apigateway.get_stage(restApiId=outputs["rest_api_id"], stageName="local")
        assert stage["tracingEnabled"] is True
        assert json.loads(stage["accessLogSettings"]["format"])["tenantId"] == "$context.authorizer.tenant_id"
        resources = apigateway.get_resources(restApiId=outputs["rest_api_id"])["items"]
        assert "/v1/models" in {r["path"] for r in resources}

        logs = client(emulator, "logs")
        groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/aigw-local-router")["logGroups"]
        assert groups and groups[0]["retentionInDays"] == 7 and groups[0]["kmsKeyId"].startswith("arn:aws:kms:")

        configuration = client(emulator, "lambda").get_function_configuration(
            FunctionName=outputs["router_function_name"]
        )
        models_json = configuration["Environment"]["Variables"]["GATEWAY_MODELS"]
        monkeypatch.setenv("GATEWAY_MODELS", models_json)
        import router.handler

        response = importlib.reload(router.handler).handler(load_event("get_models"), lambda_context)
        assert response["statusCode"] == 200
        assert [m["id"] for m in json.loads(response["body"])["data"]] == ["claude-3-haiku", "llama3-8b", "local-echo"]

        keys = json.loads(run(["output", "-json", "tenant_api_keys"], env_dir, timeout=60, env=env).stdout)
        assert sorted(keys) == ["acme", "initech"]
        table = client(emulator, "dynamodb").scan(TableName="aigw-local-tenants")["Items"]
        assert not [item for item in table if any(key in json.dumps(item) for key in keys.values())], (
            "the tenant table must never hold a key's plaintext"
        )

        stage = serve_stage(emulator, outputs, free_port(), terraform_tree / "stage", dist)
        try:

            def sdk(key: str) -> OpenAI:
                return OpenAI(base_url=f"{stage.url}/local/v1", api_key=key, max_retries=0, timeout=10)

            assert [m.id for m in sdk(keys["acme"]).models.list()] == [
                "chat",
                "claude-3-haiku",
                "llama3-8b",
                "local-echo",
            ]
            assert [m.id for m in sdk(keys["initech"]).models.list()] == ["chat", "llama3-8b", "local-echo"]

            # A chat completion end to end, answered by the stub provider with the emulator's secret.
            raw = sdk(keys["acme"]).chat.completions.with_raw_response.create(
                model="local-echo", messages=[{"role": "user", "content": "ping"}], max_tokens=16
            )
            completion = raw.parse()
            assert completion.choices[0].message.content == "echo: ping"
            assert completion.usage is not None and completion.usage.total_tokens == 10
            assert (raw.headers["x-aigw-model"], raw.headers["x-aigw-backend"]) == ("local-echo", "openai_compatible")
            assert PROVIDER_CALLS == [{"authorization": "Bearer local-provider-placeholder-key", "model": "echo"}]
            counters = client(emulator, "dynamodb").scan(TableName="aigw-local-budgets")["Items"]
            assert sorted(int(c["used"]["N"]) for c in counters) == [10, 10], "daily and monthly counters, exact"
            # initech has no budget: nothing is counted for it, and it may not use claude-3-haiku.
            with pytest.raises(NotFoundError):
                sdk(keys["initech"]).chat.completions.create(
                    model="claude-3-haiku", messages=[{"role": "user", "content": "hi"}]
                )
            with pytest.raises(AuthenticationError) as refused:
                sdk("unknownKEY0123456789abcdefghijklmnopq").models.list()
            assert refused.value.body["code"] == "invalid_api_key"  # type: ignore[index]
            with pytest.raises(NotFoundError):
                sdk(keys["acme"]).models.retrieve("claude-3-haiku")
            # Direct Bedrock routes: a model outside the tenant's allow-list is refused at the edge
            # (the authorizer's policy lists only its aliases); an allowed one is authorized, and
            # then the emulator has no model to run.
            for tenant, status, code in (("initech", 403, "access_denied"), ("acme", 501, "not_emulated")):
                request = urllib.request.Request(
                    f"{stage.url}/local/v1/bedrock/claude-3-haiku/converse",
                    data=b'{"messages": [{"role": "user", "content": "hi"}]}',
                    headers={"authorization": f"Bearer {keys[tenant]}", "content-type": "application/json"},
                    method="POST",
                )
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=10)
                assert refused.value.code == status, tenant
                assert json.loads(refused.value.read())["error"]["code"] == code
        finally:
            assert stage.stop()
    finally:
        if applied or (env_dir / "terraform.tfstate").exists():
            run(["destroy", "-auto-approve", "-input=false", "-no-color"], env_dir, timeout=APPLY_TIMEOUT, env=env)
    state = json.loads((env_dir / "terraform.tfstate").read_text())
    assert state["resources"] == [], "destroy must leave nothing behind"
