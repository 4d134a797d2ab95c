"""What a stage applied to the emulator deploys, read back: methods, authorizers, validators, plans, responses."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling.emulator import emulator_client
from tooling.function_logs import LogShipper
from tooling.local_stage.authorization import Authorizer, AuthorizerCache
from tooling.local_stage.converse import converse_service
from tooling.local_stage.direct import direct_handler, sagemaker_service
from tooling.local_stage.functions import FunctionLoader, Handler, StageError
from tooling.local_stage.gateway_responses import GatewayResponses, NotEmulated
from tooling.local_stage.signed_callers import Check, emulator_check
from tooling.local_stage.usage_plans import StageThrottles, UsagePlans


@dataclass(frozen=True)
class Method:
    """One deployed method: its resource template, integration handler and what runs before it."""

    http_method: str
    resource_path: str
    pattern: re.Pattern[str]
    handler: Handler
    authorizer: Authorizer | None = None
    api_key_required: bool = False
    # The function's streaming entry point (`stream_handler` beside its handler), when it has one.
    stream_handler: Handler | None = None
    # The model a body validator checks an `application/json` body against (None: not validated).
    request_schema: dict[str, Any] | None = None
    # AWS_IAM: the caller signs with SigV4 (no authorizer, no usage-plan key).
    signed: bool = False


@dataclass(frozen=True)
class Api:
    """Where the stage lives, for the methodArn the authorizer sees."""

    region: str
    account: str
    api_id: str
    stage: str

    def method_arn(self, http_method: str, path: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account}:{self.api_id}/{self.stage}/{http_method}{path}"


@dataclass(frozen=True)
class StandIns:
    """Where the direct routes' services run locally (None: that route is not emulated)."""

    sagemaker_runtime_url: str | None = None
    # An OpenAI-compatible provider behind the Converse stand-in (None: it echoes).
    bedrock_provider_url: str | None = None


@dataclass
class Stage:
    """Everything the local stage serves: the methods and the stage's edge behaviours."""

    api: Api
    methods: list[Method]
    responses: GatewayResponses = field(default_factory=GatewayResponses)
    plans: UsagePlans = field(default_factory=lambda: UsagePlans({}))
    throttles: StageThrottles = field(default_factory=lambda: StageThrottles({}))
    authorizer_cache: AuthorizerCache = field(default_factory=AuthorizerCache)
    # Who signed a request (the emulator's check); None: the AWS_IAM methods refuse every request.
    signature_check: Check | None = None


def template_pattern(resource_path: str) -> re.Pattern[str]:
    """`/v1/prompts/{name}` -> a regex with a named group per path parameter."""
    parts = []
    for segment in resource_path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$")


def not_emulated(uri: str) -> Handler:
    """A handler for a direct AWS service integration without a local stand-in."""
    service = uri.split(":")[4] if uri.count(":") >= 5 else "an AWS service"

    def refuse(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotEmulated(f"a direct integration with {service}")

    return refuse


def _authorizers(apigateway: Any, rest_api_id: str, loader: FunctionLoader) -> tuple[dict[str, Authorizer], str]:
    """The REQUEST authorizers by id, and the account their functions live in."""
    authorizers: dict[str, Authorizer] = {}
    account = "000000000000"
    for item in apigateway.get_authorizers(restApiId=rest_api_id).get("items", []):
        loaded = loader.handler_for(item.get("authorizerUri", ""))
        if loaded is None or item.get("type") != "REQUEST":
            continue
        account = loaded[0].split(":")[4]
        authorizers[item["id"]] = Authorizer(
            loaded[1],
            Authorizer.sources_of(item.get("identitySource") or ""),
            int(item.get("authorizerResultTtlInSeconds") or 0),
            item["id"],
        )
    return authorizers, account


def _body_schemas(apigateway: Any, rest_api_id: str) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """The ids of the validators that check bodies, and every model's schema by name."""
    validators = {
        v["id"]
        for v in apigateway.get_request_validators(restApiId=rest_api_id).get("items", [])
        if v.get("validateRequestBody")
    }
    models = {
        m["name"]: json.loads(m["schema"])
        for m in apigateway.get_models(restApiId=rest_api_id, limit=500).get("items", [])
        if m.get("schema")
    }
    return validators, models


def read_stage(
    endpoint: str,
    rest_api_id: str,
    stage: str,
    code_dir: Path,
    *,
    region: str = "us-east-1",
    shipper: LogShipper | None = None,
    stand_ins: StandIns | None = None,
) -> Stage:
    """Read every method of the API with what runs before it, and the stage's plans and responses."""
    apigateway = emulator_client(endpoint, "apigateway", region)
    loader = FunctionLoader(endpoint, region, code_dir, shipper)
    authorizers, account = _authorizers(apigateway, rest_api_id, loader)
    validators, models = _body_schemas(apigateway, rest_api_id)
    methods: list[Method] = []
    for resource in apigateway.get_resources(restApiId=rest_api_id, limit=500)["items"]:
        for http_method in resource.get("resourceMethods", {}) or {}:
            method = apigateway.get_method(restApiId=rest_api_id, resourceId=resource["id"], httpMethod=http_method)
            methods.append(
                _method(method, resource["path"], loader=loader, authorizers=authorizers, validators=validators,
                        models=models, stand_ins=stand_ins or StandIns())
            )  # fmt: skip
    if not methods:
        raise StageError(f"REST API {rest_api_id} has no methods in the emulator at {endpoint}")
    deployed = apigateway.get_stage(restApiId=rest_api_id, stageName=stage)
    return Stage(
        Api(region, account, rest_api_id, stage),
        methods,
        GatewayResponses.from_emulator(apigateway, rest_api_id),
        UsagePlans.from_emulator(apigateway, rest_api_id, stage),
        StageThrottles.from_stage(deployed),
        signature_check=emulator_check(endpoint),
    )


def _method(
    method: dict[str, Any],
    path: str,
    *,
    loader: FunctionLoader,
    authorizers: dict[str, Authorizer],
    validators: set[str],
    models: dict[str, dict[str, Any]],
    stand_ins: StandIns,
) -> Method:
    http_method = method["httpMethod"]
    integration = method.get("methodIntegration") or {}
    uri = integration.get("uri", "")
    proxy = integration.get("type") == "AWS_PROXY"
    loaded = loader.handler_for(uri) if proxy else None
    if loaded is None and stand_ins.sagemaker_runtime_url and ":runtime.sagemaker:" in uri:
        loaded = ("", direct_handler(integration, sagemaker_service(stand_ins.sagemaker_runtime_url)))
    if loaded is None and ":bedrock-runtime:" in uri and uri.endswith("/converse"):
        loaded = ("", direct_handler(integration, converse_service(stand_ins.bedrock_provider_url)))
    if loaded is None:
        loaded = ("", not_emulated(uri))
    custom = method.get("authorizationType") == "CUSTOM"
    authorizer = authorizers.get(method.get("authorizerId", "")) if custom else None
    if custom and authorizer is None:
        raise StageError(f"{http_method} {path} names an authorizer this server cannot run")
    schema = None
    if method.get("requestValidatorId") in validators:
        model = (method.get("requestModels") or {}).get("application/json")
        schema = models.get(model) if model else None
    return Method(
        http_method,
        path,
        template_pattern(path),
        loaded[1],
        authorizer,
        bool(method.get("apiKeyRequired")),
        loader.stream_handler_for(uri) if proxy else None,
        schema,
        method.get("authorizationType") == "AWS_IAM",
    )
