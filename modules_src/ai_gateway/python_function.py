"""One Python Lambda of the gateway: its role (least privilege), its encrypted log group and the function.

The router and the authorizer are both built from this; each passes the policy
statements its job needs, and nothing else is granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktn import Fn, Token
from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from cdktn_provider_aws.lambda_function import LambdaFunction
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.iam import service_assume_role_policy
from modules_src.common.naming import named


@dataclass(frozen=True)
class PythonFunctionProps:
    """Inputs of `PythonFunction` (Terraform tokens unless noted)."""

    # Plain strings: the function's role in the gateway (`router`) and its handler path.
    role_name: str
    handler: str
    account: AccountContext
    name: str
    package_path: str
    runtime: str
    architecture: str
    memory_size_mb: Any
    timeout_seconds: Any
    log_level: str
    kms_key_arn: str
    log_retention_in_days: float
    environment: dict[str, Any]
    tags: Any
    # Extra IAM statements for what this function calls; logs, KMS and X-Ray are added here.
    statements: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.role_name.isidentifier() or not self.role_name.islower():
            raise ValueError(f"role_name '{self.role_name}' must be a lowercase identifier, e.g. router")


class PythonFunction(Construct):
    """Attributes: `function`, `role`, `log_group`, `policy`. Terraform names are `props.role_name`."""

    def __init__(self, scope: Construct, id_: str, props: PythonFunctionProps) -> None:
        super().__init__(scope, id_)
        role = props.role_name
        function_name = f"{props.name}-{role.replace('_', '-')}"
        self.log_group = named(
            CloudwatchLogGroup(
                self,
                "log_group",
                name=f"/aws/lambda/{function_name}",
                retention_in_days=props.log_retention_in_days,
                kms_key_id=props.kms_key_arn,
                tags=props.tags,
            ),
            role,
        )
        assume = service_assume_role_policy("lambda.amazonaws.com", props.account.account_id)
        self.role = named(
            IamRole(self, "role", name=function_name, assume_role_policy=Fn.jsonencode(assume), tags=props.tags), role
        )
        statements = [
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
            *props.statements,
        ]
        self.policy = named(
            IamRolePolicy(
                self,
                "policy",
                name=role,
                role=self.role.id,
                policy=Fn.jsonencode({"Version": "2012-10-17", "Statement": statements}),
            ),
            role,
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
                name=f"{role}-tracing",
                role=self.role.id,
                policy=Fn.jsonencode(tracing),
                count=Token.as_number("${var.enable_xray_tracing ? 1 : 0}"),
            ),
            f"{role}_tracing",
        )
        self.function = named(
            LambdaFunction(
                self,
                "function",
                function_name=function_name,
                description=f"AI gateway {props.name}: {role.replace('_', ' ')}",
                role=self.role.arn,
                handler=props.handler,
                runtime=props.runtime,
                architectures=[props.architecture],
                filename=props.package_path,
                source_code_hash=Fn.filebase64sha256(props.package_path),
                memory_size=props.memory_size_mb,
                timeout=props.timeout_seconds,
                kms_key_arn=props.kms_key_arn,
                environment={
                    "variables": {
                        **props.environment,
                        "POWERTOOLS_SERVICE_NAME": role,
                        "POWERTOOLS_LOG_LEVEL": props.log_level,
                    }
                },
                tracing_config={"mode": '${var.enable_xray_tracing ? "Active" : "PassThrough"}'},
                tags=props.tags,
                depends_on=[self.log_group, self.policy],
            ),
            role,
        )
