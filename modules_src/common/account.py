"""The account, region and partition a module is applied in, read once per module."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktn_provider_aws.data_aws_partition import DataAwsPartition
from cdktn_provider_aws.data_aws_region import DataAwsRegion
from constructs import Construct

from modules_src.common.expressions import Expr, address
from modules_src.common.naming import named


@dataclass(frozen=True)
class AccountContext:
    """Tokens for the current account id, region name and partition, and the same as HCL expressions."""

    account_id: str
    region: str
    partition: str
    account_id_ref: Expr
    region_ref: Expr
    partition_ref: Expr

    @classmethod
    def declare(cls, scope: Construct) -> AccountContext:
        identity = named(DataAwsCallerIdentity(scope, "caller_identity"), "current")
        region = named(DataAwsRegion(scope, "region"), "current")
        partition = named(DataAwsPartition(scope, "partition"), "current")
        # data.aws_region.name is what provider 5.x offers (6.x adds `region` and keeps `name`).
        return cls(
            identity.account_id,
            region.name,
            partition.partition,
            Expr(f"{address(identity)}.account_id"),
            Expr(f"{address(region)}.name"),
            Expr(f"{address(partition)}.partition"),
        )
