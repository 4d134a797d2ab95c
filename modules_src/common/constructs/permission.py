"""Permission for a service to invoke a Lambda function, scoped to one source ARN."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules_src.common.naming import named


@dataclass(frozen=True)
class PermissionProps:
    """`source_arn` must name the one caller (an API's stage and route, an authorizer), never a wildcard account."""

    logical_id: str
    statement_id: str
    function_name: str
    principal: str
    source_arn: str
    # The alias or version the permission is for (None: the unqualified function).
    qualifier: str | None = None


class Permission(Construct):
    """Attribute: `permission`."""

    def __init__(self, scope: Construct, id_: str, props: PermissionProps, *, count: str | None = None) -> None:
        super().__init__(scope, id_)
        self.permission = named(
            LambdaPermission(
                self,
                "permission",
                statement_id=props.statement_id,
                action="lambda:InvokeFunction",
                function_name=props.function_name,
                principal=props.principal,
                source_arn=props.source_arn,
                qualifier=props.qualifier,
            ),
            props.logical_id,
        )
        if count is not None:
            self.permission.add_override("count", count)
