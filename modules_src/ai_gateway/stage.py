"""The stage: a deployment that follows every API change, JSON access logs and X-Ray tracing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktn import Fn, Token
from cdktn_provider_aws.api_gateway_base_path_mapping import ApiGatewayBasePathMapping
from cdktn_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktn_provider_aws.api_gateway_domain_name import ApiGatewayDomainName
from cdktn_provider_aws.api_gateway_gateway_response import ApiGatewayGatewayResponse
from cdktn_provider_aws.api_gateway_method_settings import ApiGatewayMethodSettings
from cdktn_provider_aws.api_gateway_stage import ApiGatewayStage
from constructs import Construct

from contract import tenancy
from modules_src.ai_gateway.rest_api import RestApi
from modules_src.ai_gateway.routes import Route
from modules_src.common.constructs.log_group import LogGroup, LogGroupProps
from modules_src.common.expressions import Expr, one
from modules_src.common.naming import named

# One JSON object per request. Values are quoted so an empty context value still
# yields valid JSON. `$context.x` needs no escaping; only a literal `${` would.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTimeEpoch": "$context.requestTimeEpoch",
    "stage": "$context.stage",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integrationLatency",
    "errorType": "$context.error.responseType",
    # From the Lambda authorizer: its context, and how long and how well it answered.
    "tenantId": f"$context.authorizer.{tenancy.CONTEXT_TENANT_ID}",
    "authMethod": f"$context.authorizer.{tenancy.CONTEXT_AUTH_METHOD}",
    "authorizerStatus": "$context.authorizer.status",
    "authorizerLatency": "$context.authorizer.latency",
    "authorizerIntegrationLatency": "$context.authorizer.integrationLatency",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "xrayTraceId": "$context.xrayTraceId",
}
ACCESS_LOG_FORMAT = json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))


@dataclass(frozen=True)
class Throttle:
    rate_limit: Expr
    burst_limit: Expr


@dataclass(frozen=True)
class CustomDomain:
    """A regional custom domain; `name` null (at plan time) means none."""

    name: Expr
    certificate_arn: Expr
    base_path: Expr


@dataclass(frozen=True)
class StageSettings:
    """What the module's inputs decide about the stage, as HCL expressions."""

    throttle: Throttle
    expensive_throttle: Throttle
    metrics_enabled: Expr
    logging_level: Expr
    route_method_settings_enabled: Expr
    models_cache_enabled: Expr
    models_cache_ttl_in_seconds: Expr
    models_cache_cluster_size: Expr
    canary: Expr
    custom_domain: CustomDomain
    xray_tracing_enabled: Expr


@dataclass(frozen=True)
class StageProps:
    """Inputs of `Stage` (Terraform tokens unless noted)."""

    name: str
    stage_name: str
    rest_api: RestApi
    routes: tuple[Route, ...]
    gateway_responses: dict[str, ApiGatewayGatewayResponse]
    # sha256 of the Python route model and templates (plain string).
    route_fingerprint: str
    # Values Terraform fills into the API (e.g. the direct routes' alias maps): a change redeploys.
    api_inputs: tuple[Any, ...]
    kms_key_arn: str
    log_retention_in_days: Any
    tags: Any
    settings: StageSettings


class Stage(Construct):
    """Attributes: `deployment`, `stage`, `access_log_group`."""

    def __init__(self, scope: Construct, id_: str, props: StageProps) -> None:
        super().__init__(scope, id_)
        api, settings = props.rest_api, props.settings
        self.access_log_group = LogGroup(
            self,
            "access_logs",
            LogGroupProps(
                logical_id="access",
                name=f"/aws/apigateway/{props.name}/{props.stage_name}",
                retention_in_days=props.log_retention_in_days,
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
            ),
        ).log_group
        # A change is live only after a new deployment: hash the route model and every
        # resource, method and integration so any of them changing redeploys.
        shaping = [
            props.route_fingerprint,
            api.authorizer.id,
            # The counted `/iam` resources are followed through `api_inputs` (their ids as one list).
            *(r.id for r in api.resources.values() if r not in api.counted),
            *(m.id for m in api.methods.values()),
            *(i.id for i in api.integrations.values()),
            *(g.id for g in props.gateway_responses.values()),
            *(r.id for r in api.shaping),
            *props.api_inputs,
        ]
        self.deployment = named(
            ApiGatewayDeployment(
                self,
                "deployment",
                rest_api_id=api.api.id,
                description=f"routes {props.route_fingerprint[:12]}",
                triggers={"redeployment": Fn.sha1(Fn.jsonencode(shaping))},
                lifecycle={"create_before_destroy": True},
                depends_on=[
                    *api.methods.values(),
                    *api.integrations.values(),
                    *props.gateway_responses.values(),
                    *api.shaping,
                ],
            ),
            "this",
        )
        self.stage = named(
            ApiGatewayStage(
                self,
                "stage",
                rest_api_id=api.api.id,
                deployment_id=self.deployment.id,
                stage_name=props.stage_name,
                xray_tracing_enabled=Token.as_any(str(settings.xray_tracing_enabled)),
                access_log_settings={
                    "destination_arn": self.access_log_group.arn,
                    "format": ACCESS_LOG_FORMAT,
                },
                cache_cluster_enabled=Token.as_any(str(settings.models_cache_enabled)),
                cache_cluster_size=str(settings.models_cache_enabled.ternary(settings.models_cache_cluster_size, None)),
                tags=props.tags,
            ),
            "this",
        )
        self.stage.add_override(
            "dynamic.canary_settings",
            {
                "for_each": str(settings.canary.is_null().ternary([], Expr(f"[{settings.canary.text}]"))),
                "content": {
                    "deployment_id": "${canary_settings.value.deployment_id}",
                    "percent_traffic": "${canary_settings.value.percent_traffic}",
                    "stage_variable_overrides": "${canary_settings.value.stage_variable_overrides}",
                    "use_stage_cache": False,
                },
            },
        )
        self._method_settings(props)
        self._custom_domain(props)

    def _method_settings(self, props: StageProps) -> None:
        """Stage-wide defaults, tighter throttles on expensive routes, caching where a route allows it."""
        stage_name = self.stage.stage_name
        api_id = props.rest_api.api.id
        settings = props.settings
        common = {
            "metrics_enabled": Token.as_any(str(settings.metrics_enabled)),
            "logging_level": str(settings.logging_level),
            # Request/response bodies never go to execution logs: they hold prompts and keys.
            "data_trace_enabled": False,
        }
        named(
            ApiGatewayMethodSettings(
                self,
                "settings_all",
                rest_api_id=api_id,
                stage_name=stage_name,
                method_path="*/*",
                settings={
                    **common,
                    "throttling_rate_limit": Token.as_number(str(settings.throttle.rate_limit)),
                    "throttling_burst_limit": Token.as_number(str(settings.throttle.burst_limit)),
                },
            ),
            "all",
        )
        for route in props.routes:
            if not (route.expensive or route.cacheable):
                continue
            throttle = settings.expensive_throttle if route.expensive else settings.throttle
            method: dict[str, object] = {
                **common,
                "throttling_rate_limit": Token.as_number(str(throttle.rate_limit)),
                "throttling_burst_limit": Token.as_number(str(throttle.burst_limit)),
            }
            if route.cacheable:
                method.update(
                    {
                        "caching_enabled": Token.as_any(str(settings.models_cache_enabled)),
                        "cache_ttl_in_seconds": Token.as_number(str(settings.models_cache_ttl_in_seconds)),
                        "cache_data_encrypted": True,
                        # A client may not bypass the cache for another tenant's entry.
                        "require_authorization_for_cache_control": True,
                        "unauthorized_cache_control_header_strategy": "FAIL_WITH_403",
                    }
                )
            named(
                ApiGatewayMethodSettings(
                    self,
                    f"settings_{route.logical_id}",
                    rest_api_id=api_id,
                    stage_name=stage_name,
                    method_path=route.method_path,
                    settings=method,
                    count=Token.as_number(str(settings.route_method_settings_enabled.count())),
                ),
                route.logical_id,
            )

    def _custom_domain(self, props: StageProps) -> None:
        """An optional regional custom domain (TLS 1.2) mapped to this stage."""
        domain = props.settings.custom_domain
        enabled = Token.as_number(str(domain.name.is_null().ternary(0, 1)))
        self.domain = named(
            ApiGatewayDomainName(
                self,
                "domain",
                domain_name=str(domain.name),
                regional_certificate_arn=str(domain.certificate_arn),
                endpoint_configuration={"types": ["REGIONAL"]},
                security_policy="TLS_1_2",
                tags=props.tags,
                count=enabled,
            ),
            "this",
        )
        named(
            ApiGatewayBasePathMapping(
                self,
                "base_path",
                api_id=props.rest_api.api.id,
                stage_name=self.stage.stage_name,
                domain_name=str(one(self.domain, "domain_name")),
                base_path=str(domain.base_path),
                count=enabled,
            ),
            "this",
        )
