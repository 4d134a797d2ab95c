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

from cdktn import TerraformLocal
from cdktn_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktn_provider_aws.api_gateway_integration_response import ApiGatewayIntegrationResponse
from cdktn_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktn_provider_aws.api_gateway_method_response import ApiGatewayMethodResponse
from constructs import Construct

from contract.catalog import SAGEMAKER_PROVIDER
from contract.routes import BEDROCK_MODEL_PARAMETER, SAGEMAKER_MODEL_PARAMETER
from modules_src.ai_gateway.routes import Route
from modules_src.ai_gateway.templates import error_template, load
from modules_src.common.account import AccountContext
from modules_src.common.constructs.role import Role, RoleProps
from modules_src.common.expressions import Expr, ref
from modules_src.common.naming import named


@dataclass(frozen=True)
class ErrorMapping:
    """A service answer status (a selection pattern) -> what the client gets: status, OpenAI type, code and
    a fixed message (the service's own text can name accounts, endpoints and ARNs: never repeated)."""

    pattern: str
    status: str
    error_type: str
    code: str
    message: str

    @property
    def template(self) -> str:
        return error_template(self.error_type, self.code, self.message)


# 200 is the default.
ERROR_MAPPINGS: tuple[ErrorMapping, ...] = (
    ErrorMapping(
        "400", "400", "invalid_request_error", "invalid_request",
        "the model service rejected the request; check its parameters against what the model accepts",
    ),
    ErrorMapping(
        "403", "403", "permission_error", "model_access_denied",
        "the gateway may not call this model; an operator must grant its model access",
    ),
    ErrorMapping(
        "404", "404", "invalid_request_error", "model_not_found",
        "the model does not exist or is not available to this tenant",
    ),
    ErrorMapping(
        "408", "504", "server_error", "model_timeout", "the model did not answer within the gateway's time budget"
    ),
    ErrorMapping("429", "429", "rate_limit_error", "model_throttled", "the model service is throttling; retry later"),
    ErrorMapping(
        "424|5\\d{2}", "502", "server_error", "model_error",
        "the model service failed; retry later and quote the request id if it persists",
    ),
)  # fmt: skip
REQUEST_ID_HEADER = "method.response.header.x-request-id"


def declare_model_locals(scope: Construct, models: Expr) -> dict[str, TerraformLocal]:
    """The alias -> Bedrock model id and alias -> SageMaker endpoint maps, declared once per module.

    The direct routes' templates map aliases with them; `model_access` grants what they name.
    """

    def local(name: str, provider: str) -> TerraformLocal:
        expression = f'${{{{for alias, m in {models.text} : alias => m.model_id if m.provider == "{provider}"}}}}'
        return named(TerraformLocal(scope, name, expression), name)

    return {
        "bedrock_models": local("bedrock_models", "bedrock"),
        "sagemaker_endpoints": local("sagemaker_endpoints", SAGEMAKER_PROVIDER),
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

    def request_templates(self, alias_map: Expr | None = None) -> dict[str, str]:
        """Content type -> template text; `alias_map` (the alias map's local) is filled in by Terraform.

        Without it the placeholder stays, for fingerprints and offline rendering.
        """
        head, marker, tail = load(self.template).partition(self.map_placeholder)
        if not marker:
            raise ValueError(f"{self.template}.vtl lost its {self.map_placeholder} placeholder")
        # The templates hold no `${`/`%{` (a test checks), so only this interpolation is live.
        text = f"{head}{Expr(f'jsonencode({alias_map.text})') if alias_map else self.map_placeholder}{tail}"
        return {kind: text.replace("@BODY@", body) for kind, body in self.bodies.items()}


SERVICE_TARGETS = {
    "bedrock": ServiceTarget(
        uri_path="bedrock-runtime:path/model/{modelId}/converse",
        alias_parameter=BEDROCK_MODEL_PARAMETER,
        target_parameter="modelId",
        map_placeholder="@MODELS@",
        map_local="bedrock_models",
        template="bedrock_converse_request",
        bodies={"application/json": ""},
        response_template="bedrock_converse_response",
    ),
    "sagemaker": ServiceTarget(
        uri_path="runtime.sagemaker:path/endpoints/{endpoint}/invocations",
        alias_parameter=SAGEMAKER_MODEL_PARAMETER,
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


def template_texts() -> list[str]:
    """Every template text, for the redeployment fingerprint."""
    errors = [mapping.template for mapping in ERROR_MAPPINGS]
    texts = [t for target in SERVICE_TARGETS.values() for t in target.request_templates().values()]
    return [*texts, load("bedrock_converse_response"), *errors]


def service_role(
    scope: Construct, name: str, account: AccountContext, tags: Any, *, model_access: Expr, execution_arn: str
) -> Role:
    """The role API Gateway assumes to call Bedrock and SageMaker, one per module.

    `model_access`: the managed policies granting the configured models (shared with the router).
    It trusts API Gateway acting for this REST API only (`execution_arn`), not for every API
    of the account.
    """
    return Role(
        scope,
        "service_role",
        RoleProps(
            logical_id="apigateway",
            name=f"{name}-apigateway",
            service="apigateway.amazonaws.com",
            account_id=account.account_id,
            tags=tags,
            managed_policy_sets={"apigateway_model_access": model_access},
            source_arn=f"{execution_arn}/*",
        ),
    )


def add_service_integration(
    scope: Construct,
    route: Route,
    *,
    method: ApiGatewayMethod,
    rest_api_id: str,
    resource_id: str,
    account: AccountContext,
    role_arn: str,
    model_locals: dict[str, TerraformLocal],
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
            request_templates=target.request_templates(ref(model_locals[target.map_local])),
            # A body of another content type is refused (415), never passed through raw.
            passthrough_behavior="NEVER",
            timeout_milliseconds=29000,
        ),
        route.logical_id,
    )
    responses: list[object] = []
    success = load(target.response_template) if target.response_template else None
    statuses = [("200", None, success)] + [
        (mapping.status, mapping.pattern, mapping.template) for mapping in ERROR_MAPPINGS
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
