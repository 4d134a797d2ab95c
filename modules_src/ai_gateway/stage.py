"""The stage: a deployment that follows every API change, JSON access logs and X-Ray tracing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdktn import Fn
from cdktn_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktn_provider_aws.api_gateway_stage import ApiGatewayStage
from cdktn_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from constructs import Construct

from modules_src.ai_gateway.rest_api import RestApi
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
    # Filled by the Lambda authorizer's context (issue #3); empty until then.
    "tenantId": "$context.authorizer.tenant_id",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "xrayTraceId": "$context.xrayTraceId",
}
ACCESS_LOG_FORMAT = json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))


@dataclass(frozen=True)
class StageProps:
    """Inputs of `Stage` (Terraform tokens unless noted)."""

    name: str
    stage_name: str
    rest_api: RestApi
    # sha256 of the Python route model (plain string).
    route_fingerprint: str
    kms_key_arn: str
    log_retention_in_days: float
    xray_tracing_enabled: Any
    tags: Any


class Stage(Construct):
    """Attributes: `deployment`, `stage`, `access_log_group`."""

    def __init__(self, scope: Construct, id_: str, props: StageProps) -> None:
        super().__init__(scope, id_)
        api = props.rest_api
        self.access_log_group = named(
            CloudwatchLogGroup(
                self,
                "access_log_group",
                name=f"/aws/apigateway/{props.name}/{props.stage_name}",
                retention_in_days=props.log_retention_in_days,
                kms_key_id=props.kms_key_arn,
                tags=props.tags,
            ),
            "access",
        )
        # A change is live only after a new deployment: hash the route model and every
        # resource, method and integration so any of them changing redeploys.
        shaping = [
            props.route_fingerprint,
            *(r.id for r in api.resources.values()),
            *(m.id for m in api.methods.values()),
            *(i.id for i in api.integrations.values()),
        ]
        self.deployment = named(
            ApiGatewayDeployment(
                self,
                "deployment",
                rest_api_id=api.api.id,
                description=f"routes {props.route_fingerprint[:12]}",
                triggers={"redeployment": Fn.sha1(Fn.jsonencode(shaping))},
                lifecycle={"create_before_destroy": True},
                depends_on=[*api.methods.values(), *api.integrations.values()],
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
                xray_tracing_enabled=props.xray_tracing_enabled,
                access_log_settings={
                    "destination_arn": self.access_log_group.arn,
                    "format": ACCESS_LOG_FORMAT,
                },
                tags=props.tags,
            ),
            "this",
        )
