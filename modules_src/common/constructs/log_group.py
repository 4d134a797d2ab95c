"""An encrypted CloudWatch log group with a retention period."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from modules_src.common.naming import named


@dataclass(frozen=True)
class LogGroupProps:
    """`logical_id` is the Terraform name (`aws_cloudwatch_log_group.<logical_id>`)."""

    logical_id: str
    name: str
    retention_in_days: Any
    kms_key_arn: str
    tags: Any


class LogGroup(Construct):
    """Attribute: `log_group`."""

    def __init__(self, scope: Construct, id_: str, props: LogGroupProps) -> None:
        super().__init__(scope, id_)
        self.log_group = named(
            CloudwatchLogGroup(
                self,
                "this",
                name=props.name,
                retention_in_days=props.retention_in_days,
                kms_key_id=props.kms_key_arn,
                tags=props.tags,
            ),
            props.logical_id,
        )
