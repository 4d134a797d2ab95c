"""The router Lambda: its role (least privilege), its encrypted log group and the function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Fn, Token
from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from cdktn_provider_aws.lambda_function import LambdaFunction
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.naming import named

HANDLER = "router.handler.handler"
# Must match lambda_src/router/settings.py (a test keeps them equal).
MODELS_ENV = "GATEWAY_MODELS"


@dataclass(frozen=True)
class RouterFunctionProps:
    """Inputs of `RouterFunction` (Terraform tokens unless noted)."""

    account: AccountContext
    name: str
    package_path: str
    runtime: str
    architecture: str
    memory_size_mb: float
    timeout_seconds: float
    log_level: str
    models: Any
    kms_key_arn: str
    log_retention_in_days: float
    tags: Any


class RouterFunction(Construct):
    """Attributes: `function`, `role`, `log_group`."""

    def __init__(self, scope: Construct, id_: str, props: RouterFunctionProps) -> None:
        super().__init__(scope, id_)
        function_name = f"{props.name}-router"
        self.log_group = named(
            CloudwatchLogGroup(
                self,
                "log_group",
                name=f"/aws/lambda/{function_name}",
                retention_in_days=props.log_retention_in_days,
                kms_key_id=props.kms_key_arn,
                tags=props.tags,
            ),
            "router",
        )
        assume = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": props.account.account_id}},
                }
            ],
        }
        self.role = named(
            IamRole(self, "role", name=function_name, assume_role_policy=Fn.jsonencode(assume), tags=props.tags),
            "router",
        )
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteOwnLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{self.log_group.arn}:*",
                },
                {
                    "Sid": "DecryptOwnConfiguration",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": props.kms_key_arn,
                },
            ],
        }
        self.policy = named(
            IamRolePolicy(self, "policy", name="router", role=self.role.id, policy=Fn.jsonencode(policy)),
            "router",
        )
        tracing = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteTraces",
                    "Effect": "Allow",
                    "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                    # X-Ray's write actions support no resource-level permissions: "*" is required.
                    "Resource": "*",
                }
            ],
        }
        self.tracing_policy = named(
            IamRolePolicy(
                self,
                "tracing_policy",
                name="router-tracing",
                role=self.role.id,
                policy=Fn.jsonencode(tracing),
                count=Token.as_number("${var.enable_xray_tracing ? 1 : 0}"),
            ),
            "router_tracing",
        )
        self.function = named(
            LambdaFunction(
                self,
                "function",
                function_name=function_name,
                description=f"AI gateway {props.name}: OpenAI-compatible router",
                role=self.role.arn,
                handler=HANDLER,
                runtime=props.runtime,
                architectures=[props.architecture],
                filename=props.package_path,
                source_code_hash=Fn.filebase64sha256(props.package_path),
                memory_size=props.memory_size_mb,
                timeout=props.timeout_seconds,
                kms_key_arn=props.kms_key_arn,
                environment={
                    "variables": {
                        MODELS_ENV: Fn.jsonencode(props.models),
                        "POWERTOOLS_SERVICE_NAME": "router",
                        "POWERTOOLS_LOG_LEVEL": props.log_level,
                    }
                },
                tracing_config={"mode": '${var.enable_xray_tracing ? "Active" : "PassThrough"}'},
                tags=props.tags,
                depends_on=[self.log_group, self.policy],
            ),
            "router",
        )
