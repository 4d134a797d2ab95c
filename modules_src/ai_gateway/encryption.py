"""The KMS key behind the module's logs and the router's environment: created, or brought by the root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Fn, TerraformLocal, Token
from cdktn_provider_aws.kms_key import KmsKey
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.naming import named

# Encrypt/decrypt rights CloudWatch Logs needs on a key; listed, never `kms:*`.
LOGS_KEY_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]


@dataclass(frozen=True)
class EncryptionProps:
    """Inputs of `Encryption` (all Terraform tokens)."""

    account: AccountContext
    name: str
    # ARN of a key the root brings; when it resolves to null the construct creates one.
    existing_key_arn: str
    deletion_window_in_days: float
    # Log group name prefixes this key may encrypt, e.g. `/aws/lambda/<name>-`.
    log_group_prefixes: tuple[str, ...]
    tags: Any


class Encryption(Construct):
    """A customer-managed KMS key with rotation, unless the root passes `kms_key_arn`.

    Attributes: `key` (the created key, count 0 or 1) and `key_arn` (the key in use).
    """

    def __init__(self, scope: Construct, id_: str, props: EncryptionProps) -> None:
        super().__init__(scope, id_)
        account = props.account
        log_group_arns = [
            f"arn:{account.partition}:logs:{account.region}:{account.account_id}:log-group:{prefix}*"
            for prefix in props.log_group_prefixes
        ]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    # AWS's default key policy: lets the account's IAM policies grant use of the key.
                    # Key policies must name the key as "*" and without this statement the key
                    # becomes unmanageable, so both wildcards are required here.
                    "Sid": "EnableIamPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{account.partition}:iam::{account.account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "AllowCloudWatchLogsForThisModule",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{account.region}.amazonaws.com"},
                    "Action": LOGS_KEY_ACTIONS,
                    "Resource": "*",
                    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
                },
            ],
        }
        self.key = named(
            KmsKey(
                self,
                "this",
                description=f"AI gateway {props.name}: logs and function configuration",
                enable_key_rotation=True,
                deletion_window_in_days=props.deletion_window_in_days,
                policy=Fn.jsonencode(policy),
                tags=props.tags,
                count=Token.as_number("${var.kms_key_arn == null ? 1 : 0}"),
            ),
            "this",
        )
        local = named(
            TerraformLocal(
                self,
                "kms_key_arn",
                "${var.kms_key_arn != null ? var.kms_key_arn : one(aws_kms_key.this[*].arn)}",
            ),
            "kms_key_arn",
        )
        self.key_arn: str = local.as_string
