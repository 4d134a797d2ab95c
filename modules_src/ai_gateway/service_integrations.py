"""Direct AWS service integrations (no Lambda): API Gateway calls Bedrock Converse itself.

The request template maps the client's JSON to the Converse body and the model
alias to its Bedrock id (refusing aliases outside the tenant's allow-list); the
response and error templates map Bedrock's answers to the gateway's stable shape
and its JSON error envelope. API Gateway assumes a role that may invoke only the
configured models.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import Fn, TerraformLocal
from cdktn_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktn_provider_aws.api_gateway_integration_response import ApiGatewayIntegrationResponse
from cdktn_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktn_provider_aws.api_gateway_method_response import ApiGatewayMethodResponse
from cdktn_provider_aws.iam_role import IamRole
from cdktn_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules_src.ai_gateway.routes import Route
from modules_src.ai_gateway.templates import error_template, load
from modules_src.common.account import AccountContext
from modules_src.common.iam import service_assume_role_policy
from modules_src.common.naming import named

# Bedrock's answer status -> (status to the client, OpenAI error type, code). 200 is the default.
ERROR_MAPPINGS: tuple[tuple[str, str, str, str], ...] = (
    ("400", "400", "invalid_request_error", "invalid_request"),
    ("403", "403", "permission_error", "model_access_denied"),
    ("404", "404", "invalid_request_error", "model_not_found"),
    ("429", "429", "rate_limit_error", "model_throttled"),
    ("408|424", "504", "server_error", "model_timeout"),
    ("5\\d{2}", "502", "server_error", "model_error"),
)
REQUEST_ID_HEADER = "method.response.header.x-request-id"
# alias -> Bedrock model id (or inference profile id) of every Bedrock model configured.
BEDROCK_MODELS = '${{for alias, m in var.models : alias => m.model_id if m.provider == "bedrock"}}'
# What the role may invoke: foundation models in this region, and inference profiles with the
# foundation models they route to in any region (cross-region profiles need every region: AWS
# requires the region wildcard there). A never-matching ARN stands in when there are none.
BEDROCK_RESOURCES = (
    "${length(local.bedrock_models) == 0 ? "
    '["arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.name}::foundation-model/none"] : '
    "distinct(flatten([for id in values(local.bedrock_models) : "
    'can(regex("^(us|eu|apac|global|us-gov|ca|jp|au)\\\\.", id)) ? ['
    '"arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.name}:'
    '${data.aws_caller_identity.current.account_id}:inference-profile/${id}", '
    '"arn:${data.aws_partition.current.partition}:bedrock:*::foundation-model/'
    '${replace(id, "/^[a-z-]+\\\\./", "")}"] : '
    '["arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.name}::foundation-model/${id}"]]))}'
)


def request_template() -> str:
    """The Converse request template with the alias map filled in by Terraform at apply time."""
    head, marker, tail = load("bedrock_converse_request").partition("@MODELS@")
    if not marker:
        raise ValueError("bedrock_converse_request.vtl lost its @MODELS@ placeholder")
    # The template holds no `${`/`%{` (a test checks), so only this interpolation is live.
    return f"{head}${{jsonencode(local.bedrock_models)}}{tail}"


def template_texts() -> list[str]:
    """Every template text, for the redeployment fingerprint."""
    errors = [error_template(kind, code) for _, _, kind, code in ERROR_MAPPINGS]
    return [load("bedrock_converse_request"), load("bedrock_converse_response"), *errors]


@dataclass(frozen=True)
class ServiceRole:
    """The role API Gateway assumes to call Bedrock (`arn`), created once per module."""

    arn: str

    @classmethod
    def declare(cls, scope: Construct, name: str, account: AccountContext, tags: object) -> ServiceRole:
        named(TerraformLocal(scope, "bedrock_models", BEDROCK_MODELS), "bedrock_models")
        resources = named(TerraformLocal(scope, "bedrock_resources", BEDROCK_RESOURCES), "bedrock_resources")
        role = named(
            IamRole(
                scope,
                "service_role",
                name=f"{name}-apigateway",
                assume_role_policy=Fn.jsonencode(
                    service_assume_role_policy("apigateway.amazonaws.com", account.account_id)
                ),
                tags=tags,  # type: ignore[arg-type]
            ),
            "apigateway",
        )
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "InvokeConfiguredModels",
                    "Effect": "Allow",
                    "Action": ["bedrock:InvokeModel"],
                    "Resource": resources.as_list,
                }
            ],
        }
        named(
            IamRolePolicy(scope, "service_policy", name="bedrock", role=role.id, policy=Fn.jsonencode(policy)),
            "apigateway",
        )
        return cls(role.arn)


def add_bedrock_integration(
    scope: Construct,
    route: Route,
    *,
    method: ApiGatewayMethod,
    rest_api_id: str,
    resource_id: str,
    account: AccountContext,
    role_arn: str,
) -> tuple[ApiGatewayIntegration, list[object]]:
    """Wire `route` to Bedrock Converse; return the integration and its responses (for redeploys)."""
    integration = named(
        ApiGatewayIntegration(
            scope,
            f"integration_{route.logical_id}",
            rest_api_id=rest_api_id,
            resource_id=resource_id,
            http_method=method.http_method,
            type="AWS",
            integration_http_method="POST",
            uri=f"arn:{account.partition}:apigateway:{account.region}:bedrock-runtime:path/model/{{modelId}}/converse",
            credentials=role_arn,
            request_parameters={"integration.request.path.modelId": "method.request.path.modelId"},
            request_templates={"application/json": request_template()},
            # A body of another content type is refused (415), never passed through raw.
            passthrough_behavior="NEVER",
            timeout_milliseconds=29000,
        ),
        route.logical_id,
    )
    responses: list[object] = []
    statuses = [("200", None, load("bedrock_converse_response"))] + [
        (status, pattern, error_template(kind, code)) for pattern, status, kind, code in ERROR_MAPPINGS
    ]
    for status, pattern, template in statuses:
        method_response = named(
            ApiGatewayMethodResponse(
                scope,
                f"method_response_{route.logical_id}_{status}",
                rest_api_id=rest_api_id,
                resource_id=resource_id,
                http_method=method.http_method,
                status_code=status,
                response_parameters={REQUEST_ID_HEADER: True},
            ),
            f"{route.logical_id}_{status}",
        )
        integration_response = named(
            ApiGatewayIntegrationResponse(
                scope,
                f"integration_response_{route.logical_id}_{status}",
                rest_api_id=rest_api_id,
                resource_id=resource_id,
                http_method=method.http_method,
                status_code=method_response.status_code,
                selection_pattern=pattern,
                response_templates={"application/json": template},
                response_parameters={REQUEST_ID_HEADER: "context.requestId"},
                depends_on=[integration],
            ),
            f"{route.logical_id}_{status}",
        )
        responses += [method_response, integration_response]
    return integration, responses
