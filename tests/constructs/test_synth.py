"""The generated modules: fresh to the byte, no provider or backend, conventions enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tooling.paths import MODULES_DIR, REPO_ROOT

SYNTH_TIMEOUT = 300


@pytest.fixture(scope="module")
def fresh_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "modules"
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    subprocess.run(
        [sys.executable, "-m", "modules_src.synth", "--out", str(out)],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        timeout=SYNTH_TIMEOUT,
        capture_output=True,
    )
    return out


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def module_json(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((MODULES_DIR / name / "main.tf.json").read_text())
    return document


MODULE_NAMES = sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir())


def test_committed_modules_match_a_fresh_synth_byte_for_byte(fresh_modules: Path) -> None:
    committed, fresh = tree(MODULES_DIR), tree(fresh_modules)
    assert sorted(committed) == sorted(fresh), "run `make synth` and commit modules/"
    stale = [name for name in committed if committed[name] != fresh[name]]
    assert not stale, f"modules/ differs from a fresh synth in {stale}; run `make synth` and commit"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_modules_declare_no_provider_or_backend_and_pin_requirements(name: str) -> None:
    document = module_json(name)
    assert "provider" not in document
    terraform = document["terraform"]
    assert "backend" not in terraform
    assert terraform["required_version"] == ">= 1.9"
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": ">= 5.100, < 7.0"}


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_every_variable_is_typed_and_described_and_every_output_described(name: str) -> None:
    document = module_json(name)
    for variable_name, variable in document["variable"].items():
        assert variable.get("type"), variable_name
        assert variable.get("description", "").strip(), variable_name
    for output_name, output in document["output"].items():
        assert output.get("description", "").strip(), output_name


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_generated_files_name_no_machine_path(name: str) -> None:
    for path in (MODULES_DIR / name).iterdir():
        text = path.read_text()
        for fragment in (str(REPO_ROOT), "/root/", "/home/", "/tmp/", "/opt/"):
            assert fragment not in text, f"{path.name} names {fragment}"


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_readme_lists_every_input_and_output(name: str) -> None:
    readme = (MODULES_DIR / name / "README.md").read_text()
    document = module_json(name)
    for item in [*document["variable"], *document["output"]]:
        assert f"| `{item}` |" in readme, item


def test_enumerated_and_ranged_inputs_are_validated() -> None:
    variables = module_json("ai_gateway")["variable"]
    unvalidated = sorted(
        n for n, v in variables.items() if v["type"] in {"string", "number"} and not v.get("validation")
    )
    assert unvalidated == []


def policies(document: dict[str, Any]) -> list[str]:
    resources = document["resource"]
    found = [r["policy"] for r in resources.get("aws_iam_role_policy", {}).values()]
    return found + [r["policy"] for r in resources.get("aws_kms_key", {}).values()]


def test_iam_wildcards_appear_only_where_aws_requires_them() -> None:
    resources = module_json("ai_gateway")["resource"]
    for function in ("router", "authorizer"):
        policy = resources["aws_iam_role_policy"][function]["policy"]
        assert '"*"' not in policy, function
        assert f'"Resource" = "${{aws_cloudwatch_log_group.{function}.arn}}:*"' in policy
        tracing = resources["aws_iam_role_policy"][f"{function}_tracing"]["policy"]
        assert '"Action" = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]' in tracing
    service = resources["aws_iam_role_policy"]["apigateway"]["policy"]
    assert '"Action" = ["bedrock:InvokeModel"]' in service
    assert '"Resource" = local.bedrock_resources' in service
    assert '"Action" = ["sagemaker:InvokeEndpoint"]' in service
    assert '"Resource" = local.sagemaker_resources' in service
    authorizer = resources["aws_iam_role_policy"]["authorizer"]["policy"]
    assert '"Action" = ["dynamodb:GetItem"]' in authorizer
    assert '"Resource" = local.tenant_key_arns' in authorizer
    key_policy = resources["aws_kms_key"]["this"]["policy"]
    assert key_policy.count('"kms:*"') == 1, "only the account-root delegation statement may use kms:*"
    assert "kms:EncryptionContext:aws:logs:arn" in key_policy


def test_data_at_rest_is_encrypted_and_logs_expire() -> None:
    resources = module_json("ai_gateway")["resource"]
    assert resources["aws_kms_key"]["this"]["enable_key_rotation"] is True
    for name, group in resources["aws_cloudwatch_log_group"].items():
        assert group["kms_key_id"] == "${local.kms_key_arn}", name
        assert group["retention_in_days"] == "${var.log_retention_in_days}", name
    assert resources["aws_lambda_function"]["router"]["kms_key_arn"] == "${local.kms_key_arn}"


def test_access_log_format_is_json_with_request_tenant_status_and_latencies() -> None:
    stage = module_json("ai_gateway")["resource"]["aws_api_gateway_stage"]["this"]
    fields = json.loads(stage["access_log_settings"]["format"])
    for key in ("requestId", "tenantId", "status", "responseLatency", "integrationLatency"):
        assert key in fields
    assert "${" not in stage["access_log_settings"]["format"]


def test_lambda_permission_is_scoped_to_this_api_stage_and_route() -> None:
    permission = module_json("ai_gateway")["resource"]["aws_lambda_permission"]["get_v1_models"]
    assert permission["source_arn"] == "${aws_api_gateway_rest_api.this.execution_arn}/${var.stage_name}/GET/v1/models"


def test_deployment_trigger_hashes_the_route_model_and_every_api_resource() -> None:
    deployment = module_json("ai_gateway")["resource"]["aws_api_gateway_deployment"]["this"]
    trigger = deployment["triggers"]["redeployment"]
    for reference in (
        "aws_api_gateway_resource.v1_models.id",
        "aws_api_gateway_method.get_v1_models.id",
        "aws_api_gateway_integration.get_v1_models.id",
    ):
        assert reference in trigger
    assert deployment["lifecycle"] == {"create_before_destroy": True}


def test_module_spec_refuses_duplicates_and_missing_descriptions() -> None:
    from modules_src.common.spec import ModuleSpec, OutputSpec, VariableSpec

    with pytest.raises(ValueError, match="duplicate variable names: x; x has no description"):
        ModuleSpec(
            "m", "p", (VariableSpec("x", "string", "d"), VariableSpec("x", "string", " ")), (OutputSpec("o", "d"),)
        )


def test_rest_api_props_refuse_routes_without_a_target_function() -> None:
    from modules_src.ai_gateway.rest_api import RestApiProps
    from modules_src.ai_gateway.routes import ROUTES

    with pytest.raises(ValueError, match="routes name targets with no function: router"):
        RestApiProps(
            name="n", stage_name="s", routes=ROUTES, targets={}, authorizer=None, account=None, tags={}, model_locals={}
        )  # type: ignore[arg-type]


def test_module_and_authorizer_agree_on_environment_variable_names() -> None:
    from authorizer import settings
    from modules_src.ai_gateway.stack import AUTHORIZER_SETTINGS_ENV

    written = set(
        module_json("ai_gateway")["resource"]["aws_lambda_function"]["authorizer"]["environment"]["variables"]
    )
    read = {value for name, value in vars(settings).items() if name.endswith("_ENV")}
    assert read <= written
    assert set(AUTHORIZER_SETTINGS_ENV) <= read


def test_every_method_requires_the_authorizer_and_a_key() -> None:
    resources = module_json("ai_gateway")["resource"]
    for name, method in resources["aws_api_gateway_method"].items():
        assert method["authorization"] == "CUSTOM", name
        assert method["authorizer_id"] == "${aws_api_gateway_authorizer.this.id}", name
        assert method["api_key_required"] is True, name


def test_every_gateway_response_template_renders_to_the_error_envelope() -> None:
    from modules_src.ai_gateway.gateway_responses import RESPONSES, template

    responses = module_json("ai_gateway")["resource"]["aws_api_gateway_gateway_response"]
    assert {r["response_type"] for r in responses.values()} == {r.response_type for r in RESPONSES}
    for response in RESPONSES:
        # What API Gateway substitutes: a quoted message that itself holds quotes.
        rendered = (
            template(response)
            .replace(response.message_variable, json.dumps('say "no"'))
            .replace("$context.requestId", "req-1")
        )
        error = json.loads(rendered)["error"]
        assert error == {
            "message": 'say "no"',
            "type": response.error_type,
            "code": response.code,
            "param": None,
            "request_id": "req-1",
        }
