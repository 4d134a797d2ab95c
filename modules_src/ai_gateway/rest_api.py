"""The REST API and its routes: resources, methods, Lambda proxy integrations and invoke permissions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktn import Precondition, TerraformLocal, TerraformResourceLifecycle, Token
from cdktn_provider_aws.api_gateway_authorizer import ApiGatewayAuthorizer
from cdktn_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktn_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktn_provider_aws.api_gateway_model import ApiGatewayModel
from cdktn_provider_aws.api_gateway_request_validator import ApiGatewayRequestValidator
from cdktn_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktn_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktn_provider_aws.api_gateway_rest_api_policy import ApiGatewayRestApiPolicy
from cdktn_provider_aws.lambda_alias import LambdaAlias
from cdktn_provider_aws.lambda_function import LambdaFunction
from constructs import Construct

from contract.principals import IAM_ROUTE_PREFIX
from modules_src.ai_gateway.routes import Route, check_routes, resource_id, resource_paths
from modules_src.ai_gateway.schemas import REQUEST_SCHEMAS
from modules_src.ai_gateway.service_integrations import SERVICE_TARGETS, add_service_integration, service_role
from modules_src.ai_gateway.variables.tenants import JWT_MAX_RESULT_TTL_SECONDS
from modules_src.common.account import AccountContext
from modules_src.common.constructs.permission import Permission, PermissionProps
from modules_src.common.expressions import Expr, address, hcl_value, ref
from modules_src.common.naming import named

# API Gateway's default (and, without a quota raise, maximum) integration timeout.
INTEGRATION_TIMEOUT_MS = 29000
# The function whose answers can stream (its module has `stream_handler`), and the Lambda API version of
# `InvokeWithResponseStream` in an integration URI.
STREAMING_TARGET = "router"
STREAMING_INVOKE_API_VERSION = "2021-11-15"
# Cacheable routes are keyed by the caller's credential, so tenants never share an entry.
CACHE_KEY_HEADERS = ("method.request.header.Authorization", "method.request.header.x-api-key")
# With result caching API Gateway needs an identity source (and refuses requests without it);
# without caching the authorizer runs on every request and takes either header.
CACHED_IDENTITY_SOURCE = "method.request.header.Authorization"


NO_IAM_ROUTES = Expr("false")


@dataclass(frozen=True)
class Target:
    """What a Lambda proxy integration calls: a function, or an alias of it (the router's `live`)."""

    element: LambdaFunction | LambdaAlias

    @property
    def function_name(self) -> str:
        return self.element.function_name

    @property
    def arn(self) -> Expr:
        return ref(self.element, "arn")

    @property
    def invoke_arn(self) -> Expr:
        return ref(self.element, "invoke_arn")

    @property
    def qualifier(self) -> str | None:
        """The alias a permission must name (None for a function: its unqualified ARN)."""
        return self.element.name if isinstance(self.element, LambdaAlias) else None


@dataclass(frozen=True)
class Network:
    """The API's endpoint: REGIONAL or PRIVATE (served only through the given execute-api VPC endpoints)."""

    endpoint_type: Expr
    vpc_endpoint_ids: Expr

    @property
    def private(self) -> Expr:
        return Expr(f'{self.endpoint_type.text} == "PRIVATE"')


@dataclass(frozen=True)
class RestApiProps:
    """Inputs of `RestApi`: tokens for names and tags, Python objects for routes and targets."""

    name: str
    stage_name: str
    routes: tuple[Route, ...]
    targets: dict[str, Target]
    authorizer: LambdaFunction
    account: AccountContext
    tags: Any
    # The alias maps (service_integrations.declare_model_locals) the direct routes embed.
    model_locals: dict[str, TerraformLocal]
    # The managed policies (index -> ARN) that let API Gateway's service role invoke those models.
    model_access: Expr
    # Seconds API Gateway caches the authorizer's answer (0: no caching, then no identity source).
    authorizer_result_ttl_in_seconds: Expr
    # The OIDC issuer (null: API keys only); with it, the authorizer cache TTL is capped.
    jwt_issuer: Expr
    # Whether cacheable routes declare their cache keys (only when the stage caches them).
    cache_keys_enabled: Expr
    network: Network
    # Whether the router's routes stream (API Gateway's STREAM mode); None: the module cannot (provider 5.x).
    response_streaming: Expr | None = None
    # The SigV4 twins of the router's routes (`routes.IAM_ROUTES`), deployed when `iam_enabled` holds.
    iam_routes: tuple[Route, ...] = ()
    iam_enabled: Expr = NO_IAM_ROUTES

    def __post_init__(self) -> None:
        check_routes(self.routes + self.iam_routes)
        problems = []
        if any(r.authorization != "CUSTOM" for r in self.routes):
            problems.append("routes are the authorizer's (CUSTOM); SigV4 routes go in iam_routes")
        if any(r.authorization != "AWS_IAM" or r.target not in self.targets for r in self.iam_routes):
            problems.append("iam_routes must be AWS_IAM routes of a function target")
        missing = sorted({r.target for r in self.routes if r.target not in SERVICE_TARGETS} - set(self.targets))
        if missing:
            problems.append(f"routes name targets with no function: {', '.join(missing)}")
        unknown = sorted({r.request_schema for r in self.routes if r.request_schema} - set(REQUEST_SCHEMAS))
        if unknown:
            problems.append(f"routes name unknown request schemas: {', '.join(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))


class RestApi(Construct):
    """Attributes: `api`, `authorizer`, `resources` (by path), `methods` and `integrations` (by route id),
    `shaping`: every other resource a redeployment must follow (validators, models, responses), and
    `counted`: the resources of the `/iam` routes (count 0 or 1), which a redeployment follows too."""

    def __init__(self, scope: Construct, id_: str, props: RestApiProps) -> None:
        super().__init__(scope, id_)
        self.api = named(
            ApiGatewayRestApi(
                self,
                "api",
                name=props.name,
                description=f"AI gateway {props.name}: OpenAI-compatible API",
                endpoint_configuration={
                    "types": Token.as_list(str(Expr(f"[{props.network.endpoint_type.text}]"))),
                    "vpc_endpoint_ids": Token.as_list(
                        str(props.network.private.ternary(props.network.vpc_endpoint_ids, None))
                    ),
                },
                # Usage plans meter the key the authorizer returns, so clients send a bearer token.
                api_key_source="AUTHORIZER",
                tags=props.tags,
            ),
            "this",
        )
        self.authorizer = named(
            ApiGatewayAuthorizer(
                self,
                "authorizer",
                name=f"{props.name}-tenants",
                rest_api_id=self.api.id,
                type="REQUEST",
                authorizer_uri=props.authorizer.invoke_arn,
                identity_source=str(
                    Expr(f"{props.authorizer_result_ttl_in_seconds.text} > 0").ternary(CACHED_IDENTITY_SOURCE, "")
                ),
                authorizer_result_ttl_in_seconds=Token.as_number(str(props.authorizer_result_ttl_in_seconds)),
                lifecycle=TerraformResourceLifecycle(
                    precondition=[
                        Precondition(
                            condition=str(
                                Expr(
                                    f"{props.jwt_issuer.text} == null || "
                                    f"{props.authorizer_result_ttl_in_seconds.text} <= {JWT_MAX_RESULT_TTL_SECONDS}"
                                )
                            ),
                            error_message=(
                                f"authorizer_result_ttl_in_seconds must be at most {JWT_MAX_RESULT_TTL_SECONDS} "
                                "when jwt_issuer is set: API Gateway does not read a token's exp, so a cached "
                                "answer outlives the token by up to the TTL."
                            ),
                        )
                    ]
                ),
            ),
            "this",
        )
        Permission(
            self,
            "authorizer_permission",
            PermissionProps(
                logical_id="authorizer",
                statement_id="apigateway-authorizer",
                function_name=props.authorizer.function_name,
                principal="apigateway.amazonaws.com",
                source_arn=f"{self.api.execution_arn}/authorizers/{self.authorizer.id}",
            ),
        )
        self._private_policy(props)
        self.resources: dict[tuple[str, ...], ApiGatewayResource] = {}
        self.counted: list[Any] = []
        iam_count = str(props.iam_enabled.count())
        for path in resource_paths(props.routes + props.iam_routes):
            counted = path[0] == IAM_ROUTE_PREFIX.strip("/")
            parent = self.api.root_resource_id if len(path) == 1 else self._id(self.resources[path[:-1]])
            self.resources[path] = named(
                ApiGatewayResource(
                    self, f"resource_{resource_id(path)}", rest_api_id=self.api.id, parent_id=parent, path_part=path[-1]
                ),
                resource_id(path),
            )
            if counted:
                self.resources[path].add_override("count", iam_count)
                self.counted.append(self.resources[path])
        self.methods: dict[str, ApiGatewayMethod] = {}
        self.integrations: dict[str, ApiGatewayIntegration] = {}
        self.shaping: list[Any] = []
        self._add_validation(props)
        self.service_role = service_role(
            self,
            props.name,
            props.account,
            props.tags,
            model_access=props.model_access,
            execution_arn=self.api.execution_arn,
        ).role
        for route in props.routes:
            self._add_route(route, props)
        for route in props.iam_routes:
            self._add_route(route, props, iam_count)

    def _id(self, resource: ApiGatewayResource) -> str:
        """A resource's id, indexed when it is one of the counted `/iam` resources."""
        return f"${{{address(resource)}[0].id}}" if resource in self.counted else resource.id

    def _private_policy(self, props: RestApiProps) -> None:
        """A PRIVATE API's resource policy: only requests through the given VPC endpoints get in."""
        execute = "execute-api:/*"
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    # A private API needs an Allow in its resource policy; the authorizer, IAM and the
                    # Deny below still decide who gets through, so the principal is everyone ("*").
                    "Sid": "InvokeThroughTheGatewaysEndpoints",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": execute,
                },
                {
                    "Sid": "DenyOutsideTheGatewaysEndpoints",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": execute,
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": props.network.vpc_endpoint_ids}},
                },
            ],
        }
        self.policy = named(
            ApiGatewayRestApiPolicy(
                self,
                "policy",
                rest_api_id=self.api.id,
                policy=str(Expr(f"jsonencode({hcl_value(document)})")),
            ),
            "this",
        )
        self.policy.add_override("count", str(props.network.private.count()))

    def _permission(self, route: Route, target: Target, props: RestApiProps, count: str | None = None) -> Any:
        return Permission(
            self,
            f"permission_{route.logical_id}",
            PermissionProps(
                logical_id=route.logical_id,
                statement_id=f"apigateway-{route.logical_id}",
                function_name=target.function_name,
                principal="apigateway.amazonaws.com",
                # Only this API's stage may invoke, and only on this method and path.
                source_arn=f"{self.api.execution_arn}/{props.stage_name}/{route.method}/{route.arn_path}",
                qualifier=target.qualifier,
            ),
            count=count,
        ).permission

    def _add_validation(self, props: RestApiProps) -> None:
        """One body validator and one model per request schema: malformed bodies stop at the edge (400)."""
        self.validator = named(
            ApiGatewayRequestValidator(
                self,
                "validator",
                rest_api_id=self.api.id,
                name="body-and-parameters",
                validate_request_body=True,
                validate_request_parameters=True,
            ),
            "this",
        )
        self.models: dict[str, ApiGatewayModel] = {}
        for schema_name in sorted({r.request_schema for r in props.routes if r.request_schema}):
            self.models[schema_name] = named(
                ApiGatewayModel(
                    self,
                    f"model_{schema_name}",
                    rest_api_id=self.api.id,
                    name=schema_name,
                    content_type="application/json",
                    schema=json.dumps(REQUEST_SCHEMAS[schema_name], sort_keys=True),
                ),
                schema_name.lower(),
            )
        self.shaping += [self.validator, *self.models.values()]

    def _add_route(self, route: Route, props: RestApiProps, count: str | None = None) -> None:
        """One route: its method, then its integration (a service's, or its function's by proxy) and permission.
        `count` makes all three optional (the `/iam` twins)."""
        signed = route.authorization == "AWS_IAM"
        resource_id = self._id(self.resources[route.segments])
        cache_keys = list(CACHE_KEY_HEADERS) if route.cacheable and not signed else None
        parameters = {f"method.request.path.{s.strip('{}')}": True for s in route.segments if s.startswith("{")}
        parameters.update(dict.fromkeys(cache_keys or [], False))
        if len(route.content_types) > 1:
            # The service needs the body's type: the header is required, and validated.
            parameters["method.request.header.Content-Type"] = True
        # Deny by default: every method goes through the authorizer and needs a plan's key, but a signed one:
        # API Gateway checks its signature and the caller's right to invoke, and the router maps the caller to
        # a tenant. A signed request carries no API key, so no usage plan meters it.
        access: dict[str, Any] = (
            {"authorization": "AWS_IAM", "api_key_required": False}
            if signed
            else {"authorization": "CUSTOM", "authorizer_id": self.authorizer.id, "api_key_required": True}
        )
        method = named(
            ApiGatewayMethod(
                self,
                f"method_{route.logical_id}",
                rest_api_id=self.api.id,
                resource_id=resource_id,
                http_method=route.method,
                **access,
                request_parameters=parameters or None,
                # Every method is validated (a GET has no body, but its required parameters are checked).
                request_validator_id=self.validator.id,
                request_models={"application/json": route.request_schema} if route.request_schema else None,
                depends_on=list(self.models.values()) or None,
            ),
            route.logical_id,
        )
        if route.target in SERVICE_TARGETS:
            integration, responses = add_service_integration(
                self,
                route,
                method=method,
                rest_api_id=self.api.id,
                resource_id=resource_id,
                account=props.account,
                role_arn=self.service_role.arn,
                model_locals=props.model_locals,
            )
            self.methods[route.logical_id] = method
            self.integrations[route.logical_id] = integration
            self.shaping += responses
            return
        target = props.targets[route.target]
        uri, transfer_mode = self._transfer(route, target, props)
        integration = named(
            ApiGatewayIntegration(
                self,
                f"integration_{route.logical_id}",
                rest_api_id=self.api.id,
                resource_id=resource_id,
                # A counted method has no unindexed address to refer to: named literally, and waited for.
                http_method=route.method if count else method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=uri,
                response_transfer_mode=transfer_mode,
                timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
                # Only with caching on: keys matter only then (and the emulator does not store them).
                cache_key_parameters=Token.as_list(str(props.cache_keys_enabled.ternary(cache_keys, [])))
                if cache_keys
                else None,
                depends_on=[method] if count else None,
            ),
            route.logical_id,
        )
        permission = self._permission(route, target, props, count)
        if count is None:
            self.methods[route.logical_id] = method
            self.integrations[route.logical_id] = integration
            return
        for construct in (method, integration):
            construct.add_override("count", count)
        self.counted += [method, integration, permission]

    @staticmethod
    def _transfer(route: Route, target: Target, props: RestApiProps) -> tuple[str, str | None]:
        """How the integration calls its function: `Invoke`, or for the router's routes with streaming on
        `InvokeWithResponseStream` in STREAM mode (its URI is built from the function's ARN, which every
        provider has, rather than from `response_streaming_invoke_arn`, which only 6.28 and later have)."""
        streaming = props.response_streaming
        if streaming is None or route.target != STREAMING_TARGET:
            return str(target.invoke_arn), None
        account = props.account
        streaming_uri = Expr(
            f'"arn:${{{account.partition_ref.text}}}:apigateway:${{{account.region_ref.text}}}:lambda:path/'
            f'{STREAMING_INVOKE_API_VERSION}/functions/${{{target.arn.text}}}/response-streaming-invocations"'
        )
        return (
            str(streaming.ternary(streaming_uri, target.invoke_arn)),
            str(streaming.ternary("STREAM", "BUFFERED")),
        )
