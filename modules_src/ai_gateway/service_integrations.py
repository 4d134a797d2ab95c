"""Direct AWS service integrations (no Lambda): API Gateway calls Bedrock Converse and SageMaker itself.

Each request template maps the model alias in the path to its Bedrock model id or
SageMaker endpoint (refusing aliases outside the tenant's allow-list) and the body to
what the service expects; response and error templates map the service's answers to
the gateway's stable shapes and its JSON error envelope. API Gateway assumes a role
that may invoke only the configured models and endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

# The service's answer status -> (status to the client, OpenAI error type, code). 200 is the default.
ERROR_MAPPINGS: tuple[tuple[str, str, str, str], ...] = (
    ("400", "400", "invalid_request_error", "invalid_request"),
    ("403", "403", "permission_error", "model_access_denied"),
    ("404", "404", "invalid_request_error", "model_not_found"),
    ("408", "504", "server_error", "model_timeout"),
    ("429", "429", "rate_limit_error", "model_throttled"),
    ("424|5\\d{2}", "502", "server_error", "model_error"),
)
REQUEST_ID_HEADER = "method.response.header.x-request-id"
PARTITION = "${data.aws_partition.current.partition}"
REGION = "${data.aws_region.current.name}"
ACCOUNT = "${data.aws_caller_identity.current.account_id}"
LOCALS = {
    # alias -> Bedrock model id (or inference profile id), and alias -> SageMaker endpoint name.
    "bedrock_models": '${{for alias, m in var.models : alias => m.model_id if m.provider == "bedrock"}}',
    "sagemaker_endpoints": '${{for alias, m in var.models : alias => m.model_id if m.provider == "sagemaker"}}',
    # Foundation models in this region; inference profiles with the foundation models they
    # route to in any region (cross-region profiles need every region: AWS requires the
    # region wildcard there). A never-matching ARN stands in when there are none.
    "bedrock_resources": (
        "${length(local.bedrock_models) == 0 ? "
        f'["arn:{PARTITION}:bedrock:{REGION}::foundation-model/none"] : '
        "distinct(flatten([for id in values(local.bedrock_models) : "
        'can(regex("^(us|eu|apac|global|us-gov|ca|jp|au)\\\\.", id)) ? ['
        f'"arn:{PARTITION}:bedrock:{REGION}:{ACCOUNT}:inference-profile/${{id}}", '
        f'"arn:{PARTITION}:bedrock:*::foundation-model/${{replace(id, "/^[a-z-]+\\\\./", "")}}"] : '
        f'["arn:{PARTITION}:bedrock:{REGION}::foundation-model/${{id}}"]]))}}'
    ),
    # SageMaker endpoint ARNs are lowercase whatever the endpoint name's case.
    "sagemaker_resources": (
        "${length(local.sagemaker_endpoints) == 0 ? "
        f'["arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:endpoint/none"] : '
        f"[for name in distinct(values(local.sagemaker_endpoints)) : "
        f'"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}:endpoint/${{lower(name)}}"]}}'
    ),
}


@dataclass(frozen=True)
class ServiceTarget:
    """How one AWS service is called: URI, the path parameter the template overrides, templates."""

    uri_path: str  # after `arn:<partition>:apigateway:<region>:`
    alias_parameter: str  # the method's path parameter holding the model alias
    target_parameter: str  # the integration's path parameter the template sets
    map_placeholder: str
    map_local: str
    template: str
    # Content type -> what follows the template's directives (the body as the service wants it).
    bodies: dict[str, str]
    response_template: str | None  # None: the service's body passes through unchanged
    forward_content_type: bool = False

    def request_templates(self) -> dict[str, str]:
        """Content type -> template text, with the alias map left for Terraform to fill in."""
        head, marker, tail = load(self.template).partition(self.map_placeholder)
        if not marker:
            raise ValueError(f"{self.template}.vtl lost its {self.map_placeholder} placeholder")
        # The templates hold no `${`/`%{` (a test checks), so only this interpolation is live.
        text = f"{head}${{jsonencode(local.{self.map_local})}}{tail}"
        return {kind: text.replace("@BODY@", body) for kind, body in self.bodies.items()}


SERVICE_TARGETS = {
    "bedrock": ServiceTarget(
        uri_path="bedrock-runtime:path/model/{modelId}/converse",
        alias_parameter="modelId",
        target_parameter="modelId",
        map_placeholder="@MODELS@",
        map_local="bedrock_models",
        template="bedrock_converse_request",
        bodies={"application/json": ""},
        response_template="bedrock_converse_response",
    ),
    "sagemaker": ServiceTarget(
        uri_path="runtime.sagemaker:path/endpoints/{endpoint}/invocations",
        alias_parameter="model",
        target_parameter="endpoint",
        map_placeholder="@ENDPOINTS@",
        map_local="sagemaker_endpoints",
        template="sagemaker_invoke_request",
        # JSON is re-serialized (always valid JSON); CSV passes as text.
        bodies={"application/json": "$input.json('$')", "text/csv": "$input.body"},
        response_template=None,
        forward_content_type=True,
    ),
}


def model_invoke_statements(values: dict[str, TerraformLocal]) -> list[dict[str, Any]]:
    """May invoke the configured Bedrock models and SageMaker endpoints, and nothing else.

    Converse and InvokeModel both need `bedrock:InvokeModel`; shared by API Gateway's
    service role and the router's role.
    """
    return [
        {
            "Sid": "InvokeConfiguredModels",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel"],
            "Resource": values["bedrock_resources"].as_list,
        },
        {
            "Sid": "InvokeConfiguredEndpoints",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint"],
            "Resource": values["sagemaker_resources"].as_list,
        },
    ]


def declare_model_locals(scope: Construct) -> dict[str, TerraformLocal]:
    """The alias -> model/endpoint maps and the ARNs they name, declared once per module."""
    return {key: named(TerraformLocal(scope, key, value), key) for key, value in LOCALS.items()}


def template_texts() -> list[str]:
    """Every template text, for the redeployment fingerprint."""
    errors = [error_template(kind, code) for _, _, kind, code in ERROR_MAPPINGS]
    texts = [t for target in SERVICE_TARGETS.values() for t in target.request_templates().values()]
    return [*texts, load("bedrock_converse_response"), *errors]


@dataclass(frozen=True)
class ServiceRole:
    """The role API Gateway assumes to call Bedrock and SageMaker (`arn`), one per module."""

    arn: str

    @classmethod
    def declare(
        cls, scope: Construct, name: str, account: AccountContext, tags: object, values: dict[str, TerraformLocal]
    ) -> ServiceRole:
        """`values`: the model locals (`declare_model_locals`), shared with the router's policy."""
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
        policy = {"Version": "2012-10-17", "Statement": model_invoke_statements(values)}
        named(
            IamRolePolicy(scope, "service_policy", name="models", role=role.id, policy=Fn.jsonencode(policy)),
            "apigateway",
        )
        return cls(role.arn)


def add_service_integration(
    scope: Construct,
    route: Route,
    *,
    method: ApiGatewayMethod,
    rest_api_id: str,
    resource_id: str,
    account: AccountContext,
    role_arn: str,
) -> tuple[ApiGatewayIntegration, list[object]]:
    """Wire `route` to its AWS service; return the integration and its responses (for redeploys)."""
    target = SERVICE_TARGETS[route.target]
    parameters = {
        f"integration.request.path.{target.target_parameter}": f"method.request.path.{target.alias_parameter}"
    }
    if target.forward_content_type:
        parameters["integration.request.header.Content-Type"] = "method.request.header.Content-Type"
    integration = named(
        ApiGatewayIntegration(
            scope,
            f"integration_{route.logical_id}",
            rest_api_id=rest_api_id,
            resource_id=resource_id,
            http_method=method.http_method,
            type="AWS",
            integration_http_method="POST",
            uri=f"arn:{account.partition}:apigateway:{account.region}:{target.uri_path}",
            credentials=role_arn,
            request_parameters=parameters,
            request_templates=target.request_templates(),
            # A body of another content type is refused (415), never passed through raw.
            passthrough_behavior="NEVER",
            timeout_milliseconds=29000,
        ),
        route.logical_id,
    )
    responses: list[object] = []
    success = load(target.response_template) if target.response_template else None
    statuses = [("200", None, success)] + [
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
                response_templates={"application/json": template} if template else None,
                response_parameters={REQUEST_ID_HEADER: "context.requestId"},
                depends_on=[integration],
            ),
            f"{route.logical_id}_{status}",
        )
        responses += [method_response, integration_response]
    return integration, responses
