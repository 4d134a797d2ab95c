"""The `ai_gateway` module stack: the one place that turns the module's variables into construct props.

It wires encryption, the configuration document, the functions, tenants, the API and
its stage; every construct takes what it needs as props, and every output is built
from what a construct exposes.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from cdktn import TerraformLocal, Token
from cdktn_provider_aws.lambda_alias import LambdaAlias
from cdktn_provider_aws.lambda_provisioned_concurrency_config import LambdaProvisionedConcurrencyConfig
from constructs import Construct

from contract import config_document as layout
from contract import environment as env
from contract import tenancy
from contract.catalog import HTTP_PROVIDER
from contract.routes import TRANSFORM_MODEL_PARAMETER
from contract.routing import LIVE_ITEM_PREFIX
from modules_src.ai_gateway.cognito import Cognito, CognitoProps
from modules_src.ai_gateway.gateway_responses import RESPONSES, GatewayResponses, template
from modules_src.ai_gateway.model_access import ModelAccess, ModelAccessProps
from modules_src.ai_gateway.network import EndpointPolicy, Network, NetworkProps
from modules_src.ai_gateway.rest_api import Network as ApiNetwork
from modules_src.ai_gateway.rest_api import RestApi, RestApiProps, Target
from modules_src.ai_gateway.router_state import RouterState, RouterStateProps
from modules_src.ai_gateway.routes import IAM_ROUTES, ROUTES, fingerprint
from modules_src.ai_gateway.schemas import REQUEST_SCHEMAS
from modules_src.ai_gateway.service_integrations import SERVICE_TARGETS, declare_model_locals, template_texts
from modules_src.ai_gateway.stage import ACCESS_LOG_FORMAT, CustomDomain, Stage, StageProps, StageSettings, Throttle
from modules_src.ai_gateway.tenant_access import TenantAccess, TenantAccessProps
from modules_src.ai_gateway.variables import SPEC, STREAMING_SPEC, guardrails
from modules_src.ai_gateway.variables.prompts import prompts_document
from modules_src.ai_gateway.variables.streaming import STREAMING_PROVIDER_VERSION
from modules_src.common.account import AccountContext
from modules_src.common.constructs.config_document import ConfigDocument, ConfigDocumentProps
from modules_src.common.constructs.kms_key import KmsKey, KmsKeyProps
from modules_src.common.constructs.python_function import PythonFunction, PythonFunctionProps, VpcPlacement
from modules_src.common.expressions import Expr, address, each, hcl_value, one, ref
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named

# The authorizer answers inside API Gateway's authorizer budget; it needs little memory.
AUTHORIZER_MEMORY_MB = 256
AUTHORIZER_TIMEOUT_SECONDS = 5
# Issuers rotate keys slowly and an unknown kid refreshes early: an hour is plenty.
JWKS_TTL_SECONDS = 3600
# The router alias every router integration calls (provisioned concurrency is configured on it).
ROUTER_ALIAS = "live"


class AiGatewayStack(ModuleStack):
    """Generates modules/ai_gateway, or with `streaming` modules/ai_gateway_streaming (its router routes can
    stream: an input, and an integration argument of newer providers)."""

    def __init__(self, scope: Construct, *, streaming: bool = False) -> None:
        if streaming:
            super().__init__(scope, STREAMING_SPEC, STREAMING_PROVIDER_VERSION)
        else:
            super().__init__(scope, SPEC)
        v = self.ref
        response_streaming = v("response_streaming") if streaming else None
        account = AccountContext.declare(self)
        name = self.variable("name").string_value
        stage_name = self.variable("stage_name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        retention = self.variable("log_retention_in_days").number_value
        packages = self.variable("lambda_packages_dir").string_value

        encryption = KmsKey(
            self,
            "encryption",
            KmsKeyProps(
                account=account,
                description=f"AI gateway {name}: logs, tables and function configuration",
                existing_key_arn=v("kms_key_arn"),
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(f"/aws/apigateway/{name}/", f"/aws/lambda/{name}-"),
                tags=tags,
            ),
        )
        key_arn = encryption.key_arn
        model_locals = declare_model_locals(self, v("models"))
        model_access = ModelAccess(
            self, "model_access", ModelAccessProps(name=name, account=account, model_locals=model_locals, tags=tags)
        ).policy_arns
        state = RouterState(
            self,
            "router_state",
            RouterStateProps(
                name=name,
                kms_key_arn=key_arn,
                tags=tags,
                deletion_protection=v("enable_deletion_protection"),
                cache_enabled=Expr(f"{v('response_cache').text} != null"),
            ),
        )
        config = ConfigDocument(
            self,
            "config",
            ConfigDocumentProps(
                logical_id="config",
                table_name=f"{name}-config",
                kms_key_arn=key_arn,
                deletion_protection=v("enable_deletion_protection"),
                document=router_document(
                    v("models"),
                    v("routing"),
                    v("response_cache"),
                    v("transforms"),
                    prompts=prompts_document(),
                    guardrails=guardrails.document(),
                    image_url_hosts=v("image_url_hosts"),
                ),
                tags=tags,
            ),
        )
        network = Network(self, "network", NetworkProps(name=name, account=account, vpc=v("vpc"), tags=tags))
        # What the functions share; each call adds its role, handler, sizing and environment.
        function_props = partial(
            PythonFunctionProps,
            account=account,
            name=name,
            runtime=self.variable("lambda_runtime").string_value,
            architecture=self.variable("lambda_architecture").string_value,
            log_level=self.variable("lambda_log_level").string_value,
            kms_key_arn=key_arn,
            log_retention_in_days=retention,
            tags=tags,
            tracing_enabled=v("enable_xray_tracing"),
            placement=VpcPlacement(network.enabled, network.subnet_ids, network.security_group_ids),
        )
        secret_arns = named(
            TerraformLocal(self, "provider_secret_arns", str(provider_secret_arns(v("models"), account))),
            "provider_secret_arns",
        )
        guardrail_arns = named(
            TerraformLocal(
                self,
                "guardrail_arns",
                str(
                    guardrails.guardrail_arns(
                        account.partition_ref.text, account.region_ref.text, account.account_id_ref.text
                    )
                ),
            ),
            "guardrail_arns",
        )
        # What the functions reading the configuration document (router, transform) are told alike.
        document_readers = {
            env.CONFIG_TABLE: config.table.name,
            env.CONFIG_VERSION: config.version,
            env.LOG_PROMPTS: str(v("enable_prompt_logging")),
            env.DEADLINE_SECONDS: str(v("router_timeout_seconds")),
            env.METRICS_NAMESPACE: str(v("metrics_namespace")),
        }
        router = PythonFunction(
            self,
            "router",
            function_props(
                role_name="router",
                handler="router.handler.handler",
                package_path=f"{packages}/router.zip",
                memory_size_mb=self.variable("router_memory_size_mb").number_value,
                timeout_seconds=self.variable("router_timeout_seconds").number_value,
                environment={
                    **document_readers,
                    env.BUDGET_TABLE: state.budgets.name,
                    env.LIVE_STATS_SHARE_SECONDS: str(v("live_stats_share_seconds")),
                    # Its IAM-authorized routes find the caller's tenant there (principal items only).
                    env.TENANT_TABLE: f"{name}-tenants",
                    # "" without a cache (the table has count 0).
                    env.CACHE_TABLE: str(Expr(f'join("", {address(state.cache)}[*].name)')),
                    **(streaming_environment(response_streaming) if response_streaming is not None else {}),
                },
                statements=router_statements(
                    account=account,
                    state=state,
                    config=config,
                    secret_arns=secret_arns,
                    guardrail_arns=guardrail_arns,
                    kms_key_arn=key_arn,
                    tenant_table=f"{name}-tenants",
                ),
                managed_policy_sets={"router_model_access": model_access},
                # Every change publishes a version, and the `live` alias the integrations call moves to it.
                publish=True,
                # The item its environment names exists before the function moves to it.
                depends_on=(config.item,),
            ),
        )
        router_alias = named(
            LambdaAlias(
                self,
                "router_alias",
                name=ROUTER_ALIAS,
                description="What API Gateway calls: the router's latest version, warm when provisioned",
                function_name=router.function.function_name,
                function_version=router.function.version,
            ),
            "router",
        )
        named(
            LambdaProvisionedConcurrencyConfig(
                self,
                "router_concurrency",
                function_name=router.function.function_name,
                qualifier=router_alias.name,
                provisioned_concurrent_executions=self.variable("router_provisioned_concurrency").number_value,
                count=Token.as_number(str(Expr(f"{v('router_provisioned_concurrency').text} > 0").count())),
            ),
            "router",
        )
        endpoint_arns = named(
            TerraformLocal(
                self, "transform_endpoint_arns", str(transform_endpoint_arns(v("transforms"), model_locals, account))
            ),
            "transform_endpoint_arns",
        )
        transform = PythonFunction(
            self,
            "transform",
            function_props(
                role_name="transform",
                handler="transform.handler.handler",
                package_path=f"{packages}/transform.zip",
                memory_size_mb=self.variable("transform_memory_size_mb").number_value,
                timeout_seconds=self.variable("router_timeout_seconds").number_value,
                environment=document_readers,
                statements=[
                    config.read_statement(),
                    {
                        # Only the endpoints of models with a transform spec.
                        "Sid": "InvokeTransformEndpoints",
                        "Effect": "Allow",
                        "Action": ["sagemaker:InvokeEndpoint"],
                        "Resource": endpoint_arns.as_list,
                    },
                ],
                depends_on=(config.item,),
            ),
        )
        # The table is created with the tenants (after the API, which needs the authorizer):
        # the authorizer refers to it by its deterministic name to avoid a cycle, and to the
        # tenant keys through a local filled in once they are declared.
        table_name = f"{name}-tenants"
        key_arns = named(TerraformLocal(self, "tenant_key_arns", "[]"), "tenant_key_arns")
        cognito = Cognito(
            self,
            "user_pool",
            CognitoProps(
                name=name,
                name_ref=v("name"),
                account=account,
                cognito=v("cognito"),
                tenants=v("tenants"),
                kms_key_arn=key_arn,
                tags=tags,
                deletion_protection=v("enable_deletion_protection"),
            ),
        )
        # The pool's issuer, keys and resource server when there is one, else the OIDC inputs (or nothing).
        pool_on = Expr(f"{v('cognito').text} != null")
        token_issuer = Expr(f"({pool_on.ternary(cognito.issuer, v('jwt_issuer')).text})")
        authorizer = PythonFunction(
            self,
            "authorizer",
            function_props(
                role_name="authorizer",
                handler="authorizer.handler.handler",
                package_path=f"{packages}/authorizer.zip",
                memory_size_mb=AUTHORIZER_MEMORY_MB,
                timeout_seconds=AUTHORIZER_TIMEOUT_SECONDS,
                environment={
                    env.TENANT_TABLE: table_name,
                    env.ROUTES: json.dumps([r.route_key for r in ROUTES]),
                    env.TENANT_CACHE_TTL_SECONDS: str(v("authorizer_tenant_cache_ttl_in_seconds")),
                    env.JWT_ISSUER: str(_or_empty(token_issuer)),
                    env.JWT_AUDIENCE: str(_or_empty(Expr(f"({pool_on.ternary(None, v('jwt_audience')).text})"))),
                    env.JWT_JWKS_URL: str(
                        _or_empty(Expr(f"({pool_on.ternary(cognito.jwks_url, v('jwt_jwks_url')).text})"))
                    ),
                    env.JWT_TENANT_CLAIM: str(v("jwt_tenant_claim")),
                    env.JWKS_TTL_SECONDS: str(JWKS_TTL_SECONDS),
                    env.COGNITO_RESOURCE_SERVER: str(_or_empty(cognito.resource_server_identifier)),
                },
                statements=[
                    {
                        "Sid": "ReadTenants",
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem"],
                        "Resource": (
                            f"arn:{account.partition}:dynamodb:{account.region}:{account.account_id}:table/{table_name}"
                        ),
                    },
                    {
                        # JWT callers' usage-plan keys; only this gateway's tenant keys.
                        "Sid": "ReadTenantKeyValues",
                        "Effect": "Allow",
                        "Action": ["apigateway:GET"],
                        "Resource": key_arns.as_list,
                    },
                ],
            ),
        )
        api = RestApi(
            self,
            "api",
            RestApiProps(
                name=name,
                stage_name=stage_name,
                routes=ROUTES,
                targets={"router": Target(router_alias), "transform": Target(transform.function)},
                authorizer=authorizer.function,
                account=account,
                tags=tags,
                model_locals=model_locals,
                model_access=model_access,
                authorizer_result_ttl_in_seconds=v("authorizer_result_ttl_in_seconds"),
                jwt_issuer=token_issuer,
                cache_keys_enabled=Expr(f"{v('enable_models_cache').text} && {v('enable_route_method_settings').text}"),
                response_streaming=response_streaming,
                network=ApiNetwork(v("endpoint_type"), v("private_api_vpc_endpoint_ids")),
                iam_routes=IAM_ROUTES,
                iam_enabled=v("enable_iam_routes"),
            ),
        )
        responses = GatewayResponses(self, "gateway_responses", api.api.id)
        # The counted /iam resources' ids (none without enable_iam_routes): a change among them redeploys.
        iam_route_ids = named(
            TerraformLocal(
                self,
                "iam_route_ids",
                str(Expr(f'join(",", concat({", ".join(f"{address(r)}[*].id" for r in api.counted)}))')),
            ),
            "iam_route_ids",
        )
        stage = Stage(
            self,
            "stage",
            StageProps(
                name=name,
                stage_name=stage_name,
                rest_api=api,
                routes=ROUTES,
                gateway_responses=responses.responses,
                route_fingerprint=fingerprint(
                    ROUTES, ACCESS_LOG_FORMAT, [template(r) for r in RESPONSES], template_texts(), REQUEST_SCHEMAS
                ),
                # The mapping templates embed the alias maps: a catalog change must reach the stage.
                # An integration's transfer mode changes in place (same id): the input itself must redeploy.
                api_inputs=(
                    model_locals["bedrock_models"].as_any_map,
                    model_locals["sagemaker_endpoints"].as_any_map,
                    iam_route_ids.as_string,
                    *((str(response_streaming),) if response_streaming is not None else ()),
                ),
                kms_key_arn=key_arn,
                log_retention_in_days=retention,
                tags=tags,
                settings=StageSettings(
                    throttle=Throttle(v("stage_throttle_rate_limit"), v("stage_throttle_burst_limit")),
                    expensive_throttle=Throttle(
                        v("stage_expensive_throttle_rate_limit"), v("stage_expensive_throttle_burst_limit")
                    ),
                    metrics_enabled=v("enable_stage_metrics"),
                    logging_level=v("stage_logging_level"),
                    route_method_settings_enabled=v("enable_route_method_settings"),
                    models_cache_enabled=v("enable_models_cache"),
                    models_cache_ttl_in_seconds=v("models_cache_ttl_in_seconds"),
                    models_cache_cluster_size=v("models_cache_cluster_size_in_gb"),
                    canary=v("canary"),
                    custom_domain=CustomDomain(
                        v("custom_domain_name"), v("custom_domain_certificate_arn"), v("custom_domain_base_path")
                    ),
                    xray_tracing_enabled=v("enable_xray_tracing"),
                ),
            ),
        )
        access = TenantAccess(
            self,
            "tenant_access",
            TenantAccessProps(
                name=name,
                rest_api_id=api.api.id,
                stage_name=stage.stage.stage_name,
                kms_key_arn=key_arn,
                tags=tags,
                tenants=v("tenants"),
                tiers=v("tiers"),
                deletion_protection=v("enable_deletion_protection"),
                direct_models={
                    **{t.alias_parameter: ref(model_locals[t.map_local]) for t in SERVICE_TARGETS.values()},
                    TRANSFORM_MODEL_PARAMETER: v("transforms"),
                },
                unmetered_parameters=frozenset({TRANSFORM_MODEL_PARAMETER}),
                cognito_clients=ref(cognito.clients),
                iam_principals=v("iam_principals"),
            ),
        )
        key_arns.expression = str(tenant_key_arns(access, account))
        functions = (router, authorizer, transform)
        network.add_endpoints(
            role_arns=tuple(ref(f.role.role, "arn") for f in functions),
            endpoints=vpc_endpoints(account, secret_arns, key_arns, tuple(f.log_group for f in functions)),
            table_arns=Expr(
                hcl_value(
                    [
                        f"arn:{account.partition}:dynamodb:{account.region}:{account.account_id}:table/{n}"
                        for n in (table_name, state.budgets_name, state.cache_name, f"{name}-config")
                    ]
                )
            ),
        )

        self._outputs(
            api=api, stage=stage, router=router, authorizer=authorizer, transform=transform, access=access,
            state=state, config=config, key_arn=key_arn,
        )  # fmt: skip
        self._identity_outputs(router_alias, cognito, network)
        # Written beside main.tf.json by synth (modules_src/ai_gateway/openapi.py).
        self.output("openapi_document", '${file("${path.module}/openapi.json")}')
        self.check_complete()

    def _outputs(
        self,
        *,
        api: Any,
        stage: Any,
        router: Any,
        authorizer: Any,
        transform: Any,
        access: Any,
        state: Any,
        config: Any,
        key_arn: str,
    ) -> None:
        self.output("rest_api_id", api.api.id)
        self.output("rest_api_execution_arn", api.api.execution_arn)
        self.output("stage_name", stage.stage.stage_name)
        self.output("stage_invoke_url", stage.stage.invoke_url)
        self.output("stage_arn", stage.stage.arn)
        self.output("router_function_name", router.function.function_name)
        self.output("router_function_arn", router.function.arn)
        self.output("authorizer_function_name", authorizer.function.function_name)
        self.output("access_log_group_name", stage.access_log_group.name)
        self.output("router_log_group_name", router.log_group.name)
        self.output("transform_function_name", transform.function.function_name)
        self.output("transform_log_group_name", transform.log_group.name)
        self.output("kms_key_arn", key_arn)
        self.output("tenant_table_name", access.table.name)
        self.output("budget_table_name", state.budgets.name)
        self.output("response_cache_table_name", str(one(state.cache, "name")))
        self.output("config_table_name", config.table.name)
        self.output("config_version", config.version)
        self.output("tenant_api_keys", str(each(access.api_keys, "value")))
        self.output("tenant_api_key_ids", str(each(access.api_keys, "id")))
        self.output("usage_plan_ids", str(each(access.usage_plans, "id")))
        self.output("custom_domain_regional_domain_name", str(one(stage.domain, "regional_domain_name")))
        self.output("custom_domain_regional_zone_id", str(one(stage.domain, "regional_zone_id")))
        self.output(
            "monitoring",
            str(
                self._monitoring(
                    api=api,
                    stage=stage,
                    router=router,
                    authorizer=authorizer,
                    transform=transform,
                    access=access,
                    state=state,
                    config=config,
                )
            ),
        )

    def _identity_outputs(self, router_alias: LambdaAlias, cognito: Cognito, network: Network) -> None:
        self.output("router_alias_arn", router_alias.arn)
        self.output("cognito_user_pool_id", str(one(cognito.pool, "id")))
        self.output("cognito_issuer_url", str(cognito.issuer))
        self.output("cognito_token_url", str(cognito.token_url))
        self.output("cognito_client_ids", str(each(cognito.clients, "id")))
        self.output("cognito_client_secret_arns", str(each(cognito.secrets, "arn")))
        self.output("lambda_security_group_id", str(one(network.functions_group, "id")))
        self.output(
            "vpc_endpoint_ids",
            str(
                Expr(
                    f"merge({each(network.interface_endpoints, 'id').text}, "
                    f'{{for e in {address(network.dynamodb_endpoint)} : "dynamodb" => e.id}})'
                )
            ),
        )

    def _monitoring(
        self,
        *,
        api: Any,
        stage: Any,
        router: Any,
        authorizer: Any,
        transform: Any,
        access: Any,
        state: Any,
        config: Any,
    ) -> Expr:
        """What the operations module watches (its `gateway` input): names, limits, models and tenants."""

        def function(fn: Any) -> dict[str, Expr]:
            return {"name": ref(fn.function, "function_name"), "timeout_seconds": ref(fn.function, "timeout")}

        tables = {"tenants": ref(access.table, "name"), "budgets": ref(state.budgets, "name"),
                  "config": ref(config.table, "name"), "cache": one(state.cache, "name")}  # fmt: skip
        models, tenants = self.ref("models"), self.ref("tenants")
        return Expr(
            hcl_value(
                {
                    "rest_api_name": ref(api.api, "name"),
                    "stage_name": ref(stage.stage, "stage_name"),
                    "metrics_namespace": self.ref("metrics_namespace"),
                    "functions": {
                        "router": function(router),
                        "authorizer": function(authorizer),
                        "transform": function(transform),
                    },
                    # Without a response cache there is no cache table to watch.
                    "tables": Expr(f"{{for k, t in {hcl_value(tables)} : k => t if t != null}}"),
                    "models": Expr(
                        f"{{for alias, m in {models.text} : alias => {{provider = m.provider, model_id = m.model_id}}}}"
                    ),
                    "tenants": Expr(
                        f"{{for id, t in {tenants.text} : id => {{daily_token_budget = t.daily_token_budget, "
                        "monthly_token_budget = t.monthly_token_budget}}"
                    ),
                    "access_log_group_name": ref(stage.access_log_group, "name"),
                    "router_log_group_name": ref(router.log_group, "name"),
                }
            )
        )


def streaming_environment(response_streaming: Expr) -> dict[str, str]:
    """The router starts through its exec wrapper, which runs the streaming runtime loop when streaming is on."""
    return {env.EXEC_WRAPPER: env.STREAM_BOOTSTRAP_PATH, env.RESPONSE_STREAMING: str(response_streaming)}


def _or_empty(value: Expr) -> Expr:
    return value.is_null().ternary("", value)


def router_document(
    models: Expr,
    routing: Expr,
    response_cache: Expr,
    transforms: Expr,
    *,
    prompts: Expr,
    guardrails: Expr,
    image_url_hosts: Expr,
) -> Expr:
    """The functions' configuration document: the catalog (unset fields dropped), routing, cache settings,
    transform specs, published prompts, guardrail policies and the hosts images may come from."""
    return Expr(
        f"{{{layout.MODELS} = {{for alias, m in {models.text} : alias => {{for k, v in m : k => v if v != null}}}}, "
        f"{layout.ROUTING} = {routing.text}, {layout.RESPONSE_CACHE} = {response_cache.text}, "
        f"{layout.TRANSFORMS} = {transforms.text}, {layout.PROMPTS} = {prompts.text}, "
        f"{layout.GUARDRAILS} = {guardrails.text}, {layout.IMAGE_URL_HOSTS} = {image_url_hosts.text}, "
        f"{layout.SCHEMA} = {layout.SCHEMA_VERSION}}}"
    )


def provider_secret_arns(models: Expr, account: AccountContext) -> Expr:
    """Secrets of the OpenAI-compatible providers (a never-matching ARN when there are none: IAM needs one)."""
    http = f'[for m in values({models.text}) : m.secret_arn if m.provider == "{HTTP_PROVIDER}"]'
    none = (
        f'["arn:${{{account.partition_ref.text}}}:secretsmanager:${{{account.region_ref.text}}}:'
        f'${{{account.account_id_ref.text}}}:secret:none"]'
    )
    return Expr(f"length({http}) == 0 ? {none} : distinct({http})")


def transform_endpoint_arns(transforms: Expr, model_locals: dict[str, TerraformLocal], account: AccountContext) -> Expr:
    """ARNs of the endpoints behind the transform specs (lowercase, as SageMaker's ARNs are; a never-matching
    one when there are none: IAM needs a resource)."""
    prefix = (
        f"arn:${{{account.partition_ref.text}}}:sagemaker:${{{account.region_ref.text}}}:"
        f"${{{account.account_id_ref.text}}}:endpoint/"
    )
    endpoints = address(model_locals["sagemaker_endpoints"])
    arns = f'[for alias in keys({transforms.text}) : "{prefix}${{lower(lookup({endpoints}, alias, "none"))}}"]'
    return Expr(f'length({arns}) == 0 ? ["{prefix}none"] : distinct({arns})')


def tenant_key_arns(access: TenantAccess, account: AccountContext) -> Expr:
    """ARNs of this gateway's tenant keys (a never-matching one when there are none)."""
    prefix = f"arn:${{{account.partition_ref.text}}}:apigateway:${{{account.region_ref.text}}}::/apikeys/"
    keys = address(access.api_keys)
    return Expr(f'length({keys}) == 0 ? ["{prefix}none"] : [for key in {keys} : "{prefix}${{key.id}}"]')


def router_statements(
    account: AccountContext,
    *,
    state: RouterState,
    config: ConfigDocument,
    secret_arns: TerraformLocal,
    guardrail_arns: TerraformLocal,
    kms_key_arn: str,
    tenant_table: str,
) -> list[dict[str, Any]]:
    """What the router may do besides calling models (managed policies, `model_access`): read its configuration
    and its providers' keys, use its tables, read the tenants of IAM principals, and apply the Bedrock
    guardrails its policies name."""
    tables = f"arn:{account.partition}:dynamodb:{account.region}:{account.account_id}:table"
    return [
        {
            # The `/iam` routes' callers: the principal items only, never a key's or a client's.
            "Sid": "ReadPrincipalTenants",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem"],
            "Resource": f"{tables}/{tenant_table}",
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{tenancy.PRINCIPAL_ITEM_PREFIX}*"]}},
        },
        config.read_statement(),
        {
            "Sid": "ReadProviderKeys",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": secret_arns.as_list,
        },
        {
            "Sid": "ApplyGuardrails",
            "Effect": "Allow",
            "Action": ["bedrock:ApplyGuardrail"],
            "Resource": guardrail_arns.as_list,
        },
        {
            "Sid": "CountTokens",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Resource": f"{tables}/{state.budgets_name}",
        },
        {
            # The live window's items, shared among the router's containers (router.shared_stats).
            "Sid": "ReadSharedLiveStats",
            "Effect": "Allow",
            "Action": ["dynamodb:BatchGetItem"],
            "Resource": f"{tables}/{state.budgets_name}",
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{LIVE_ITEM_PREFIX}*"]}},
        },
        {
            "Sid": "UseResponseCache",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": f"{tables}/{state.cache_name}",
        },
        {
            # The tables are encrypted with the module's key; only through DynamoDB.
            "Sid": "EncryptStateThroughDynamoDb",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"dynamodb.{account.region}.amazonaws.com"}},
        },
    ]


def vpc_endpoints(
    account: AccountContext, secret_arns: TerraformLocal, key_arns: TerraformLocal, log_groups: tuple[Any, ...]
) -> dict[str, EndpointPolicy]:
    """The interface endpoints of the services the functions call, each admitting only what they do there."""
    # The catalog's models and endpoints are the roles' own policies' to name (their list would repeat the
    # catalog here); these endpoints admit the gateway's roles only, for model calls only.
    models = Expr(hcl_value(["*"]))
    endpoints = f"arn:{account.partition}:sagemaker:{account.region}:{account.account_id}:endpoint/*"
    return {
        "bedrock_runtime": EndpointPolicy(
            "bedrock-runtime",
            ("bedrock:ApplyGuardrail", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
            models,
        ),
        "sagemaker_runtime": EndpointPolicy(
            "sagemaker.runtime",
            ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"),
            Expr(hcl_value([endpoints])),
        ),
        "secretsmanager": EndpointPolicy("secretsmanager", ("secretsmanager:GetSecretValue",), ref(secret_arns)),
        "apigateway": EndpointPolicy("apigateway", ("apigateway:GET",), ref(key_arns)),
        "logs": EndpointPolicy(
            "logs",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            Expr(hcl_value([Expr(f'"${{{ref(g, "arn").text}}}:*"') for g in log_groups])),
        ),
    }
