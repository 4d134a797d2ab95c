"""The generated modules: fresh to the byte, no provider or backend, conventions enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contract import environment as env
from modules_src.ai_gateway.routes import IAM_ROUTES, ROUTES
from modules_src.ai_gateway.variables.streaming import STREAMING_PROVIDER_VERSION
from tests.support.hcl import jsonencoded
from tooling.package_lambda import FUNCTIONS
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
    version = STREAMING_PROVIDER_VERSION if name == "ai_gateway_streaming" else ">= 5.100, < 7.0"
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": version}


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """`+ a/b`, `- a/b` or `~ a/b` for every leaf where two JSON documents differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            here = f"{path}/{key}".lstrip("/")
            if key not in old:
                found.append(f"+ {here}")
            elif key not in new:
                found.append(f"- {here}")
            else:
                found += differences(old[key], new[key], here)
        return found
    return [] if old == new else [f"~ {path}"]


def test_the_streaming_module_is_ai_gateway_with_streaming_router_integrations_and_nothing_else() -> None:
    plain, streaming = module_json("ai_gateway"), module_json("ai_gateway_streaming")
    router_routes = sorted(
        name
        for name, integration in plain["resource"]["aws_api_gateway_integration"].items()
        if integration["uri"] == "${aws_lambda_alias.router.invoke_arn}"
    )
    assert router_routes == sorted(r.logical_id for r in ROUTES + IAM_ROUTES if r.target == "router")
    expected = sorted(
        [
            "~ resource/aws_api_gateway_deployment/this/triggers/redeployment",
            "+ resource/aws_lambda_function/router/environment/variables/AWS_LAMBDA_EXEC_WRAPPER",
            "+ resource/aws_lambda_function/router/environment/variables/GATEWAY_RESPONSE_STREAMING",
            "~ terraform/required_providers/aws/version",
            "+ variable/response_streaming",
            *(f"+ resource/aws_api_gateway_integration/{r}/response_transfer_mode" for r in router_routes),
            *(f"~ resource/aws_api_gateway_integration/{r}/uri" for r in router_routes),
        ]
    )
    assert sorted(differences(plain, streaming)) == expected
    integrations = streaming["resource"]["aws_api_gateway_integration"]
    for name in router_routes:
        assert integrations[name]["response_transfer_mode"] == '${var.response_streaming ? "STREAM" : "BUFFERED"}'
        assert integrations[name]["uri"] == (
            '${var.response_streaming ? "arn:${data.aws_partition.current.partition}:apigateway:'
            "${data.aws_region.current.name}:lambda:path/2021-11-15/functions/${aws_lambda_alias.router.arn}"
            '/response-streaming-invocations" : aws_lambda_alias.router.invoke_arn}'
        )
    variables = streaming["resource"]["aws_lambda_function"]["router"]["environment"]["variables"]
    assert variables[env.EXEC_WRAPPER] == env.STREAM_BOOTSTRAP_PATH
    assert variables[env.RESPONSE_STREAMING] == "${var.response_streaming}"
    # The stage follows a change of the input (an integration's mode changes in place, its id stays).
    assert "var.response_streaming" in streaming["resource"]["aws_api_gateway_deployment"]["this"]["triggers"][
        "redeployment"
    ]


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


def statements(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A policy resource's statements by Sid, read back from its jsonencode(...) structure."""
    return {statement["Sid"]: statement for statement in jsonencoded(resource["policy"])["Statement"]}


# The actions that take no resource-level permission (AWS requires Resource "*"), by the statement that holds them.
UNSCOPABLE = {
    "WriteTraces": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    "PullImagesAuthorization": {"ecr:GetAuthorizationToken"},
    "VpcNetworkInterfaces": {
        "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission", "ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    },
}  # fmt: skip


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_iam_names_every_action_and_uses_resource_star_only_where_aws_requires_it(name: str) -> None:
    for policy_name, resource in module_json(name)["resource"].get("aws_iam_role_policy", {}).items():
        for sid, statement in statements(resource).items():
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert actions and not [a for a in actions if "*" in a], f"{policy_name}/{sid}"
            if statement["Resource"] == "*":
                assert set(actions) <= UNSCOPABLE.get(sid, set()), f"{policy_name}/{sid}: Resource * for {actions}"


def test_each_function_may_write_only_its_own_logs_and_call_only_what_it_needs() -> None:
    policies = module_json("ai_gateway")["resource"]["aws_iam_role_policy"]
    for function in FUNCTIONS:
        own = statements(policies[function])
        assert own["WriteOwnLogs"]["Resource"] == f"${{aws_cloudwatch_log_group.{function}.arn}}:*"
        assert own["DecryptOwnConfiguration"] == {
            "Sid": "DecryptOwnConfiguration", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "local.kms_key_arn"
        }  # fmt: skip
        assert statements(policies[f"{function}_tracing"])["WriteTraces"]["Action"] == [
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]
    router = statements(policies["router"])
    assert router["ReadConfiguration"] == {
        "Sid": "ReadConfiguration", "Effect": "Allow", "Action": ["dynamodb:GetItem"],
        "Resource": "aws_dynamodb_table.config.arn",
    }  # fmt: skip
    assert router["ReadProviderKeys"]["Resource"] == "local.provider_secret_arns"
    assert router["EncryptStateThroughDynamoDb"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "dynamodb.${data.aws_region.current.name}.amazonaws.com"}
    }
    assert "apigateway" not in policies, "API Gateway's service role holds only the model access policies"
    authorizer = statements(policies["authorizer"])
    assert authorizer["ReadTenants"]["Action"] == ["dynamodb:GetItem"]
    assert authorizer["ReadTenantKeyValues"]["Resource"] == "local.tenant_key_arns"


def test_model_access_is_granted_by_managed_policies_both_callers_attach() -> None:
    resources = module_json("ai_gateway")["resource"]
    # The documents are computed per part (terraform test checks what they evaluate to).
    policy = resources["aws_iam_policy"]["model_access"]
    assert "bedrock:InvokeModel" in policy["policy"] and "sagemaker:InvokeEndpoint" in policy["policy"]
    assert policy["lifecycle"]["precondition"][0]["condition"] == "${length(local.model_access_chunks) <= 10}"
    attachments = resources["aws_iam_role_policy_attachment"]
    assert {a["role"] for a in attachments.values()} == {"${aws_iam_role.router.name}", "${aws_iam_role.apigateway.name}"}
    assert {a["for_each"] for a in attachments.values()} == {
        "${{for key, item in aws_iam_policy.model_access : key => item.arn}}"
    }


def test_only_the_key_policy_delegates_kms_star_to_the_account() -> None:
    policy = jsonencoded(module_json("ai_gateway")["resource"]["aws_kms_key"]["this"]["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["EnableIamPolicies"]["Action"] == "kms:*"
    logs = by_sid["AllowCloudWatchLogsForThisModule"]
    assert "*" not in "".join(logs["Action"])
    assert set(logs["Condition"]["ArnLike"]) == {"kms:EncryptionContext:aws:logs:arn"}


def test_data_at_rest_is_encrypted_and_logs_expire() -> None:
    resources = module_json("ai_gateway")["resource"]
    assert resources["aws_kms_key"]["this"]["enable_key_rotation"] is True
    for name, group in resources["aws_cloudwatch_log_group"].items():
        assert group["kms_key_id"] == "${local.kms_key_arn}", name
        assert group["retention_in_days"] == "${var.log_retention_in_days}", name
    for name, table in resources["aws_dynamodb_table"].items():
        assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": "${local.kms_key_arn}"}, name
    for name, function in resources["aws_lambda_function"].items():
        assert function["kms_key_arn"] == "${local.kms_key_arn}", name


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
    resources = module_json("ai_gateway")["resource"]
    deployment = resources["aws_api_gateway_deployment"]["this"]
    trigger = deployment["triggers"]["redeployment"]
    assert trigger.startswith("${sha1(") and trigger.endswith(")}")
    hashed = set(jsonencoded("${" + trigger[len("${sha1(") : -2] + "}"))
    shaping = ("aws_api_gateway_resource", "aws_api_gateway_method", "aws_api_gateway_integration",
               "aws_api_gateway_gateway_response", "aws_api_gateway_model", "aws_api_gateway_request_validator",
               "aws_api_gateway_method_response", "aws_api_gateway_integration_response")  # fmt: skip
    expected = {f"{kind}.{name}.id" for kind in shaping for name, r in resources.get(kind, {}).items() if "count" not in r}
    assert expected <= hashed, sorted(expected - hashed)
    # The counted /iam routes' resources, methods and integrations: their ids, joined, through one local.
    counted = {f"{kind}.{name}[*].id" for kind in shaping for name, r in resources.get(kind, {}).items() if "count" in r}
    assert counted and "local.iam_route_ids" in hashed
    assert counted <= set(resources_named(document_locals()["iam_route_ids"])), "every /iam resource is hashed"
    # The direct routes' templates embed the alias maps: a catalog change must redeploy the stage.
    assert {"local.bedrock_models", "local.sagemaker_endpoints"} <= hashed
    assert deployment["lifecycle"] == {"create_before_destroy": True}


def document_locals() -> dict[str, str]:
    found: dict[str, str] = module_json("ai_gateway")["locals"]
    return found


def resources_named(expression: str) -> list[str]:
    """`aws_x.y[*].id` references in an HCL expression."""
    import re

    return re.findall(r"aws_[a-z_]+\.[a-z0-9_]+\[\*\]\.id", expression)


def test_module_spec_refuses_duplicates_and_missing_descriptions() -> None:
    from modules_src.common.spec import ModuleSpec, OutputSpec, VariableSpec

    with pytest.raises(ValueError, match="duplicate variable names: x; x has no description"):
        ModuleSpec(
            "m", "p", (VariableSpec("x", "string", "d"), VariableSpec("x", "string", " ")), (OutputSpec("o", "d"),)
        )


def test_rest_api_props_refuse_routes_without_a_target_function() -> None:
    from modules_src.ai_gateway.rest_api import Network, RestApiProps
    from modules_src.ai_gateway.routes import ROUTES
    from modules_src.common.expressions import Expr

    with pytest.raises(ValueError, match="routes name targets with no function: router"):
        RestApiProps(
            name="n", stage_name="s", routes=ROUTES, targets={}, authorizer=None, account=None, tags={},  # type: ignore[arg-type]
            model_locals={}, model_access=Expr("{}"), authorizer_result_ttl_in_seconds=Expr("0"), jwt_issuer=Expr("null"),
            cache_keys_enabled=Expr("false"), network=Network(Expr('"REGIONAL"'), Expr("[]")),
        )  # fmt: skip


def test_every_function_gets_exactly_the_variables_its_lambda_reads() -> None:
    from contract import environment as env

    functions = module_json("ai_gateway")["resource"]["aws_lambda_function"]
    always = {env.SERVICE_NAME, env.LOG_LEVEL}
    assert set(functions["router"]["environment"]["variables"]) == set(env.ROUTER) | always
    assert set(functions["authorizer"]["environment"]["variables"]) == set(env.AUTHORIZER) | always


def test_the_router_starts_only_after_the_configuration_it_names_exists() -> None:
    router = module_json("ai_gateway")["resource"]["aws_lambda_function"]["router"]
    assert "aws_dynamodb_table_item.config" in router["depends_on"]
    item = module_json("ai_gateway")["resource"]["aws_dynamodb_table_item"]["config"]
    assert item["lifecycle"]["create_before_destroy"] is True
    assert item["lifecycle"]["replace_triggered_by"] == ["terraform_data.config_version"]


def test_every_method_requires_the_authorizer_and_a_key() -> None:
    resources = module_json("ai_gateway")["resource"]
    for name, method in resources["aws_api_gateway_method"].items():
        if "_iam_" in name:  # the SigV4 twins: only with enable_iam_routes, and signed instead
            assert method["authorization"] == "AWS_IAM" and method["api_key_required"] is False, name
            assert method["count"] == "${var.enable_iam_routes ? 1 : 0}", name
            continue
        assert method["authorization"] == "CUSTOM", name
        assert method["authorizer_id"] == "${aws_api_gateway_authorizer.this.id}", name
        assert method["api_key_required"] is True, name


@pytest.mark.parametrize("module", ["ai_gateway", "ai_gateway_streaming"])
def test_every_gateway_response_template_renders_to_the_error_envelope(module: str) -> None:
    # Rendered as API Gateway substitutes: the message string quoted, the validation error as raw text
    # (escaped). The validation responses once put the raw text unquoted: invalid JSON.
    from modules_src.ai_gateway.gateway_responses import RESPONSES
    from tests.support.local_stage import module_gateway_responses
    from tooling.local_stage.gateway_responses import GatewayResponses, Refusal, Request

    responses = module_gateway_responses(module)
    assert set(responses.responses) == {r.response_type for r in RESPONSES}
    problem = '[object has missing required properties (["model"])]'
    for response in RESPONSES:
        if response.response_type.startswith("DEFAULT_"):  # what a type nothing else customizes falls back to
            chosen = GatewayResponses({response.response_type: responses.responses[response.response_type]})
            kind = "RESOURCE_NOT_FOUND" if response.response_type == "DEFAULT_4XX" else "API_CONFIGURATION_ERROR"
        else:
            chosen, kind = responses, response.response_type
        refusal = Refusal(kind, 'say "no"', validation_error=problem)
        status, headers, body = chosen.render(refusal, Request("req-1", "test"))
        error = json.loads(body)["error"]
        validates = "validationErrorString" in response.message_variable
        assert error == {
            "message": problem if validates else 'say "no"',
            "type": response.error_type,
            "code": response.code,
            "param": None,
            "request_id": "req-1",
        }, response.response_type
        assert headers["x-request-id"] == "req-1"
        assert status == int(response.status or refusal.status)
