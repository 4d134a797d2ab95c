"""The REST API and its routes: resources, methods, Lambda proxy integrations and invoke permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktn_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktn_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktn_provider_aws.api_gateway_rest_api import ApiGatewayRestApi
from cdktn_provider_aws.lambda_function import LambdaFunction
from cdktn_provider_aws.lambda_permission import LambdaPermission
from constructs import Construct

from modules_src.ai_gateway.routes import Route, check_routes, resource_id, resource_paths
from modules_src.common.naming import named

# API Gateway's default (and, without a quota raise, maximum) integration timeout.
INTEGRATION_TIMEOUT_MS = 29000


@dataclass(frozen=True)
class RestApiProps:
    """Inputs of `RestApi`: tokens for names and tags, Python objects for routes and targets."""

    name: str
    stage_name: str
    routes: tuple[Route, ...]
    targets: dict[str, LambdaFunction]
    tags: Any

    def __post_init__(self) -> None:
        check_routes(self.routes)
        missing = sorted({r.target for r in self.routes} - set(self.targets))
        if missing:
            raise ValueError(f"routes name targets with no function: {', '.join(missing)}")


class RestApi(Construct):
    """Attributes: `api`, `resources` (by path), `methods` and `integrations` (by route id)."""

    def __init__(self, scope: Construct, id_: str, props: RestApiProps) -> None:
        super().__init__(scope, id_)
        self.api = named(
            ApiGatewayRestApi(
                self,
                "api",
                name=props.name,
                description=f"AI gateway {props.name}: OpenAI-compatible API",
                endpoint_configuration={"types": ["REGIONAL"]},
                tags=props.tags,
            ),
            "this",
        )
        self.resources: dict[tuple[str, ...], ApiGatewayResource] = {}
        for path in resource_paths(props.routes):
            parent = self.api.root_resource_id if len(path) == 1 else self.resources[path[:-1]].id
            self.resources[path] = named(
                ApiGatewayResource(
                    self, f"resource_{resource_id(path)}", rest_api_id=self.api.id, parent_id=parent, path_part=path[-1]
                ),
                resource_id(path),
            )
        self.methods: dict[str, ApiGatewayMethod] = {}
        self.integrations: dict[str, ApiGatewayIntegration] = {}
        for route in props.routes:
            self._add_route(route, props)

    def _add_route(self, route: Route, props: RestApiProps) -> None:
        function = props.targets[route.target]
        resource = self.resources[route.segments]
        # TODO(#3): the Lambda authorizer and API keys protect every method.
        method = named(
            ApiGatewayMethod(
                self,
                f"method_{route.logical_id}",
                rest_api_id=self.api.id,
                resource_id=resource.id,
                http_method=route.method,
                authorization="NONE",
            ),
            route.logical_id,
        )
        integration = named(
            ApiGatewayIntegration(
                self,
                f"integration_{route.logical_id}",
                rest_api_id=self.api.id,
                resource_id=resource.id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=function.invoke_arn,
                timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
            ),
            route.logical_id,
        )
        named(
            LambdaPermission(
                self,
                f"permission_{route.logical_id}",
                statement_id=f"apigateway-{route.logical_id}",
                action="lambda:InvokeFunction",
                function_name=function.function_name,
                principal="apigateway.amazonaws.com",
                # Only this API's stage may invoke, and only on this method and path.
                source_arn=f"{self.api.execution_arn}/{props.stage_name}/{route.method}/{route.arn_path}",
            ),
            route.logical_id,
        )
        self.methods[route.logical_id] = method
        self.integrations[route.logical_id] = integration
