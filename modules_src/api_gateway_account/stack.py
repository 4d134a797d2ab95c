"""Generates modules/api_gateway_account: the role API Gateway uses to write logs, once per account and region.

Kept apart from `ai_gateway` because `aws_api_gateway_account` is a per-region
singleton: a module called with `for_each` must never own it.
"""

from __future__ import annotations

from cdktn import Token
from cdktn_provider_aws.api_gateway_account import ApiGatewayAccount
from constructs import Construct

from modules_src.api_gateway_account.variables import SPEC
from modules_src.common.account import AccountContext
from modules_src.common.constructs.role import Role, RoleProps
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named


class ApiGatewayAccountStack(ModuleStack):
    """The CloudWatch role and the account setting that points API Gateway at it."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        # AWS's managed policy for exactly this purpose; it needs log-group wildcards
        # because API Gateway creates execution log groups per API and stage.
        role = Role(
            self,
            "cloudwatch",
            RoleProps(
                logical_id="cloudwatch",
                name=self.variable("role_name").string_value,
                service="apigateway.amazonaws.com",
                account_id=account.account_id,
                tags=Token.as_string_map(self.variable("tags").value),
                managed_policies={
                    "cloudwatch": (
                        f"arn:{account.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                    )
                },
            ),
        )
        settings = named(
            ApiGatewayAccount(
                self, "account", cloudwatch_role_arn=role.role.arn, depends_on=[role.attachments["cloudwatch"]]
            ),
            "this",
        )
        self.output("cloudwatch_role_arn", settings.cloudwatch_role_arn)
        self.check_complete()
