"""Generates modules/api_gateway_account: the role API Gateway uses to write logs, once per account and region.

Kept apart from `ai_gateway` because `aws_api_gateway_account` is a per-region
singleton: a module called with `for_each` must never own it.
"""

from __future__ import annotations

from cdktn import Fn, Token
from cdktn_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.iam import service_assume_role_policy
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named
from modules_src.common.spec import ModuleSpec, OutputSpec, VariableSpec
from modules_src.common.validations import matches

SPEC = ModuleSpec(
    name="api_gateway_account",
    purpose=(
        "API Gateway's account-level settings for one region: the IAM role it assumes to write stage "
        "access and execution logs to CloudWatch. Apply it once per account and region, from the "
        "environment root, before stages that log."
    ),
    variables=(
        VariableSpec(
            "role_name",
            "string",
            "Name of the IAM role API Gateway assumes to push logs: 1-64 letters, digits and `+=,.@_-`.",
            default="api-gateway-cloudwatch-logs",
            validations=(matches("role_name", "^[A-Za-z0-9+=,.@_-]{1,64}$"),),
        ),
        VariableSpec(
            "tags",
            "map(string)",
            "Tags added to the role (merged over the provider's `default_tags`).",
            default={},
        ),
    ),
    outputs=(OutputSpec("cloudwatch_role_arn", "ARN of the role API Gateway uses to write CloudWatch logs."),),
    notes=(
        "`aws_api_gateway_account` is a singleton per region: destroying this module leaves the setting "
        "in place (AWS has no delete), which is what other stacks logging in the region expect.",
    ),
)


class ApiGatewayAccountStack(ModuleStack):
    """The CloudWatch role and the account setting that points API Gateway at it."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        assume = service_assume_role_policy("apigateway.amazonaws.com", account.account_id)
        role = named(
            IamRole(
                self,
                "role",
                name=self.variable("role_name").string_value,
                assume_role_policy=Fn.jsonencode(assume),
                tags=Token.as_string_map(self.variable("tags").value),
            ),
            "cloudwatch",
        )
        # AWS's managed policy for exactly this purpose; it needs log-group wildcards
        # because API Gateway creates execution log groups per API and stage.
        attachment = named(
            IamRolePolicyAttachment(
                self,
                "attachment",
                role=role.name,
                policy_arn=f"arn:{account.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
            ),
            "cloudwatch",
        )
        settings = named(
            ApiGatewayAccount(self, "account", cloudwatch_role_arn=role.arn, depends_on=[attachment]), "this"
        )
        self.output("cloudwatch_role_arn", settings.cloudwatch_role_arn)
        self.check_complete()
