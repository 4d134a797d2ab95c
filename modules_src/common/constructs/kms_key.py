"""A customer-managed KMS key with rotation, or the key the caller brings; its ARN either way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import Fn, TerraformLocal, Token
from cdktn_provider_aws.kms_key import KmsKey as KmsKeyResource
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.expressions import Expr, hcl, one, ref
from modules_src.common.naming import named

# The prefix WAF requires of a log group it writes to.
WAF_LOG_PREFIX = "aws-waf-logs-"
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

# What a service needs to write to a resource encrypted with the key (SNS: a data key per message).
SERVICE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]


@dataclass(frozen=True)
class KmsKeyProps:
    """`existing_key_arn` null (at plan time) creates the key; `arn_local` names the local holding the ARN in use."""

    account: AccountContext
    description: str
    existing_key_arn: Expr
    deletion_window_in_days: Any
    # Log group name prefixes CloudWatch Logs may encrypt with this key, e.g. `/aws/lambda/<name>-`
    # (or `aws-waf-logs-<name>`: WAF requires that prefix, without a leading slash).
    log_group_prefixes: tuple[str, ...]
    tags: Any
    logical_id: str = "this"
    arn_local: str = "kms_key_arn"
    # Services that encrypt with the key on this account's behalf (e.g. `cloudwatch.amazonaws.com` publishing
    # to an encrypted SNS topic): data keys and decryption only.
    service_principals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not all(p.startswith(("/", WAF_LOG_PREFIX)) for p in self.log_group_prefixes):
            raise ValueError(f"log_group_prefixes must be log group names starting with '/': {self.log_group_prefixes}")


class KmsKey(Construct):
    """Attributes: `key` (the created key, count 0 or 1) and `key_arn` (the key in use, a token)."""

    def __init__(self, scope: Construct, id_: str, props: KmsKeyProps) -> None:
        super().__init__(scope, id_)
        account = props.account
        log_group_arns = [
            f"arn:{account.partition}:logs:{account.region}:{account.account_id}:log-group:{prefix}*"
            for prefix in props.log_group_prefixes
        ]
        statements: list[dict[str, Any]] = [
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
        ]
        if not log_group_arns:
            statements.pop()
        if props.service_principals:
            statements.append(
                {
                    "Sid": "AllowServicesOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": list(props.service_principals)},
                    "Action": SERVICE_KEY_ACTIONS,
                    # A key policy names its own key as "*". No source condition: AWS documents none for
                    # these calls (a wrong one would silently drop alarms); the resource's own policy
                    # (the SNS topic's) is what admits only this account's alarms and budgets.
                    "Resource": "*",
                }
            )
        policy = {"Version": "2012-10-17", "Statement": statements}
        self.key = named(
            KmsKeyResource(
                self,
                "key",
                description=props.description,
                enable_key_rotation=True,
                deletion_window_in_days=props.deletion_window_in_days,
                policy=Fn.jsonencode(policy),
                tags=props.tags,
                count=Token.as_number(str(props.existing_key_arn.is_null().count())),
            ),
            props.logical_id,
        )
        arn = Expr(
            f"{hcl(props.existing_key_arn)} != null ? {hcl(props.existing_key_arn)} : {one(self.key, 'arn').text}"
        )
        local = named(TerraformLocal(self, "arn", str(arn)), props.arn_local)
        self.key_arn: str = local.as_string
        # The same as an expression, to compose into larger ones.
        self.key_arn_ref: Expr = ref(local)
