"""The execution role's policies: each names the resources of this endpoint, and exists only when used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules_src.common.account import AccountContext
from modules_src.common.constructs.role import InlinePolicy
from modules_src.common.expressions import Expr


@dataclass(frozen=True)
class ArnList:
    """A list of ARNs as a token (for the policy documents) and as an expression (for when the policy exists)."""

    token: Any
    expr: Expr

    @property
    def nonempty(self) -> Expr:
        return Expr(f"length({self.expr.text}) > 0")


@dataclass(frozen=True)
class RoleInputs:
    """What the policies read, built by the stack from its variables and resources."""

    repository_arns: ArnList
    artifact_arns: ArnList
    artifact_key_arns: ArnList
    topic_arns: ArnList
    log_group_arns: list[str]
    # Tokens of the bucket's ARN ("" without a bucket) and the key's ARN.
    bucket_arn: str
    key_arn: str
    # Captured data or async answers (the bucket may exist for model archives alone).
    has_bucket: Expr
    # Model archives the module uploaded (encrypted with its key).
    has_archives: Expr
    in_vpc: Expr


def execution_policies(account: AccountContext, r: RoleInputs) -> tuple[InlinePolicy, ...]:
    bucket = r.bucket_arn
    return (
        InlinePolicy(
            "pull-images",
            "pull_images",
            [
                {
                    # GetAuthorizationToken has no resource-level permissions: AWS requires "*".
                    "Sid": "PullImagesAuthorization",
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken"],
                    "Resource": "*",
                },
                {
                    "Sid": "PullImages",
                    "Effect": "Allow",
                    "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    "Resource": r.repository_arns.token,
                },
            ],
            enabled=r.repository_arns.nonempty,
        ),
        InlinePolicy(
            "read-model-artifacts",
            "read_model_artifacts",
            [
                {
                    "Sid": "ReadModelArtifacts",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": r.artifact_arns.token,
                }
            ],
            enabled=r.artifact_arns.nonempty,
        ),
        InlinePolicy(
            "decrypt-model-artifacts",
            "decrypt_model_artifacts",
            [
                {
                    "Sid": "DecryptModelArtifacts",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": r.artifact_key_arns.token,
                }
            ],
            enabled=r.artifact_key_arns.nonempty,
        ),
        InlinePolicy(
            "write-logs",
            "write_logs",
            [
                {
                    "Sid": "WriteEndpointLogs",
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:DescribeLogStreams",
                        "logs:PutLogEvents",
                    ],
                    "Resource": r.log_group_arns,
                }
            ],
        ),
        InlinePolicy(
            "decrypt-model-archives",
            "decrypt_model_archives",
            [
                {
                    # The archives the module uploaded are encrypted with its key, read through S3 only.
                    "Sid": "DecryptModelArchives",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": r.key_arn,
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}},
                }
            ],
            enabled=r.has_archives,
        ),
        InlinePolicy(
            "capture-and-async",
            "capture_and_async",
            [
                {
                    "Sid": "WriteCaptureAndAnswers",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject"],
                    "Resource": [f"{bucket}/data-capture/*", f"{bucket}/async/*"],
                },
                {
                    "Sid": "ReadAsyncInputs",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"{bucket}/async/input/*"],
                },
                {
                    "Sid": "UseTheBucketKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": r.key_arn,
                },
            ],
            enabled=r.has_bucket,
        ),
        InlinePolicy(
            "publish-async-notifications",
            "publish_async_notifications",
            [
                {
                    "Sid": "PublishAsyncNotifications",
                    "Effect": "Allow",
                    "Action": ["sns:Publish"],
                    "Resource": r.topic_arns.token,
                }
            ],
            enabled=r.topic_arns.nonempty,
        ),
        InlinePolicy(
            "vpc-network-interfaces",
            "vpc_network_interfaces",
            [
                {
                    # EC2's Describe* and network-interface creation in a subnet take no resource-level
                    # permissions SageMaker can be scoped by: AWS requires "*" (its managed policy does the same).
                    "Sid": "VpcNetworkInterfaces",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateNetworkInterfacePermission",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteNetworkInterfacePermission",
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                    "Resource": "*",
                }
            ],
            enabled=r.in_vpc,
        ),
    )
