"""One Python Lambda: its role (least privilege), its encrypted log group and the function itself.

Each function passes the policy statements its job needs; writing its own logs,
decrypting its own configuration and (when tracing is on) writing traces are added
here, and nothing else is granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdktn import Fn
from cdktn_provider_aws.lambda_function import LambdaFunction
from constructs import Construct

from contract import environment as env
from modules_src.common.account import AccountContext
from modules_src.common.constructs.log_group import LogGroup, LogGroupProps
from modules_src.common.constructs.role import InlinePolicy, Role, RoleProps
from modules_src.common.expressions import Expr
from modules_src.common.naming import named


@dataclass(frozen=True)
class VpcPlacement:
    """The function in a VPC when `enabled` holds: its interfaces in `subnet_ids`, behind `security_group_ids`."""

    enabled: Expr
    subnet_ids: Expr
    security_group_ids: Expr


@dataclass(frozen=True)
class PythonFunctionProps:
    """Inputs of `PythonFunction`. `role_name` (`router`) is the Terraform name of all it creates."""

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
    log_retention_in_days: Any
    environment: dict[str, Any]
    tags: Any
    # Whether the function sends traces to X-Ray (Active) or only passes them on.
    tracing_enabled: Expr
    # IAM statements for what this function calls; logs, KMS and X-Ray are added here.
    statements: list[dict[str, Any]] = field(default_factory=list)
    # What must exist before the function (e.g. the configuration item its environment names).
    depends_on: tuple[Any, ...] = ()
    # Managed policies to attach, by Terraform name: a map (key -> ARN) known at plan time.
    managed_policy_sets: dict[str, Expr] = field(default_factory=dict)
    # Where the function's network interfaces live (None: outside any VPC).
    placement: VpcPlacement | None = None
    # Publish a version on every change (for an alias to point at).
    publish: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not self.role_name.isidentifier() or not self.role_name.islower():
            problems.append(f"role_name '{self.role_name}' must be a lowercase identifier, e.g. router")
        reserved = sorted({env.SERVICE_NAME, env.LOG_LEVEL} & set(self.environment))
        if reserved:
            problems.append(f"environment must not set {', '.join(reserved)}: the construct sets them")
        if problems:
            raise ValueError("; ".join(problems))


class PythonFunction(Construct):
    """Attributes: `function`, `role` (a `Role`), `log_group`."""

    def __init__(self, scope: Construct, id_: str, props: PythonFunctionProps) -> None:
        super().__init__(scope, id_)
        role = props.role_name
        function_name = f"{props.name}-{role.replace('_', '-')}"
        self.log_group = LogGroup(
            self,
            "logs",
            LogGroupProps(
                logical_id=role,
                name=f"/aws/lambda/{function_name}",
                retention_in_days=props.log_retention_in_days,
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
            ),
        ).log_group
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
        tracing = [
            {
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                # X-Ray's write actions support no resource-level permissions: "*" is required.
                "Resource": "*",
            }
        ]
        placement = props.placement
        network = [
            {
                "Sid": "VpcNetworkInterfaces",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                ],
                # Lambda creates and deletes the function's interfaces under its role; the Describe actions
                # support no resource-level permissions and an interface's id is unknown before it exists,
                # so "*" is required (AWSLambdaVPCAccessExecutionRole grants the same).
                "Resource": "*",
            },
            {
                "Sid": "OwnInterfaceAddresses",
                "Effect": "Allow",
                "Action": ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                "Resource": f"arn:{props.account.partition}:ec2:{props.account.region}:{props.account.account_id}"
                ":network-interface/*",
            },
        ]
        self.role = Role(
            self,
            "identity",
            RoleProps(
                logical_id=role,
                name=function_name,
                service="lambda.amazonaws.com",
                account_id=props.account.account_id,
                tags=props.tags,
                policies=(
                    InlinePolicy(role, role, statements),
                    InlinePolicy(f"{role}-tracing", f"{role}_tracing", tracing, enabled=props.tracing_enabled),
                    *(
                        (InlinePolicy(f"{role}-network", f"{role}_network", network, enabled=placement.enabled),)
                        if placement
                        else ()
                    ),
                ),
                managed_policy_sets=props.managed_policy_sets,
            ),
        )
        self.function = named(
            LambdaFunction(
                self,
                "function",
                function_name=function_name,
                description=f"AI gateway {props.name}: {role.replace('_', ' ')}",
                role=self.role.role.arn,
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
                        env.SERVICE_NAME: role,
                        env.LOG_LEVEL: props.log_level,
                    }
                },
                tracing_config={"mode": str(props.tracing_enabled.ternary("Active", "PassThrough"))},
                publish=props.publish or None,
                tags=props.tags,
                depends_on=[
                    self.log_group,
                    self.role.policies[role],
                    *self.role.attachments.values(),
                    *((self.role.policies[f"{role}_network"],) if placement else ()),
                    *props.depends_on,
                ],
            ),
            role,
        )
        if placement:
            self.function.add_override(
                "dynamic.vpc_config",
                {
                    # One block of the placement itself (scanners read `for_each` items, not a bare `[1]`).
                    "for_each": str(
                        placement.enabled.ternary(
                            Expr(
                                f"[{{subnet_ids = {placement.subnet_ids.text}, "
                                f"security_group_ids = {placement.security_group_ids.text}}}]"
                            ),
                            [],
                        )
                    ),
                    "content": {
                        "subnet_ids": "${vpc_config.value.subnet_ids}",
                        "security_group_ids": "${vpc_config.value.security_group_ids}",
                    },
                },
            )
