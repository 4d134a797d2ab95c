"""The `ai_gateway` module stack: wires encryption, the functions, tenants, the API and its stage."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from cdktn import Fn, TerraformLocal, Token
from constructs import Construct

from modules_src.ai_gateway.encryption import Encryption, EncryptionProps
from modules_src.ai_gateway.gateway_responses import RESPONSES, GatewayResponses, template
from modules_src.ai_gateway.python_function import PythonFunction, PythonFunctionProps
from modules_src.ai_gateway.rest_api import RestApi, RestApiProps
from modules_src.ai_gateway.router_state import RouterState, RouterStateProps
from modules_src.ai_gateway.routes import ROUTES, fingerprint
from modules_src.ai_gateway.schemas import REQUEST_SCHEMAS
from modules_src.ai_gateway.service_integrations import declare_model_locals, model_invoke_statements, template_texts
from modules_src.ai_gateway.stage import ACCESS_LOG_FORMAT, Stage, StageProps
from modules_src.ai_gateway.tenant_access import TenantAccess, TenantAccessProps
from modules_src.ai_gateway.variables import SPEC
from modules_src.common.account import AccountContext
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named

# Must match lambda_src/*/settings.py (a test keeps them equal).
MODELS_ENV = "GATEWAY_MODELS"
ROUTER_SETTINGS_ENV = {
    "GATEWAY_ROUTING": "${jsonencode(var.routing)}",
    "GATEWAY_RESPONSE_CACHE": '${var.response_cache == null ? "" : jsonencode(var.response_cache)}',
    "GATEWAY_LOG_PROMPTS": "${var.log_prompts}",
    "GATEWAY_DEADLINE_SECONDS": "${var.router_timeout_seconds}",
    "POWERTOOLS_METRICS_NAMESPACE": "${var.metrics_namespace}",
}
# The router's view of the models: unset optional fields dropped (Lambda's environment is 4 KB).
ROUTER_MODELS = "${{for alias, m in var.models : alias => {for k, v in m : k => v if v != null}}}"
# Secrets of the OpenAI-compatible providers (a never-matching ARN when there are none).
PROVIDER_VAULT_ARNS = (
    '${length([for m in values(var.models) : m if m.provider == "openai_compatible"]) == 0 ? '
    '["arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.name}:'
    '${data.aws_caller_identity.current.account_id}:secret:none"] : '
    'distinct([for m in values(var.models) : m.secret_arn if m.provider == "openai_compatible"])}'
)
AUTHORIZER_SETTINGS_ENV = {
    "GATEWAY_TENANT_CACHE_TTL_SECONDS": "${var.authorizer_tenant_cache_ttl_in_seconds}",
    "GATEWAY_JWT_ISSUER": '${var.jwt_issuer == null ? "" : var.jwt_issuer}',
    "GATEWAY_JWT_AUDIENCE": '${var.jwt_audience == null ? "" : var.jwt_audience}',
    "GATEWAY_JWT_JWKS_URL": '${var.jwt_jwks_url == null ? "" : var.jwt_jwks_url}',
    "GATEWAY_JWT_TENANT_CLAIM": "${var.jwt_tenant_claim}",
    # Issuers rotate keys slowly and an unknown kid refreshes early: an hour is plenty.
    "GATEWAY_JWKS_TTL_SECONDS": "3600",
}
# ARNs of this gateway's tenant keys (a never-matching one when there are none: IAM refuses
# an empty Resource list).
TENANT_KEY_ARNS = (
    "${length(var.tenants) == 0 ? "
    '["arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.name}::/apikeys/none"] : '
    "[for key in aws_api_gateway_api_key.tenant : "
    '"arn:${data.aws_partition.current.partition}:apigateway:${data.aws_region.current.name}::/apikeys/${key.id}"]}'
)
# The authorizer answers inside API Gateway's authorizer budget; it needs little memory.
AUTHORIZER_MEMORY_MB = 256
AUTHORIZER_TIMEOUT_SECONDS = 5


class AiGatewayStack(ModuleStack):
    """Generates modules/ai_gateway."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        name = self.variable("name").string_value
        stage_name = self.variable("stage_name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        retention = self.variable("log_retention_in_days").number_value
        packages = self.variable("lambda_packages_dir").string_value

        encryption = Encryption(
            self,
            "encryption",
            EncryptionProps(
                account=account,
                name=name,
                existing_key_arn=self.variable("kms_key_arn").string_value,
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(f"/aws/apigateway/{name}/", f"/aws/lambda/{name}-"),
                tags=tags,
            ),
        )

        # What both functions share; each call adds its role, handler, sizing and environment.
        function_props = partial(
            PythonFunctionProps,
            account=account,
            name=name,
            runtime=self.variable("lambda_runtime").string_value,
            architecture=self.variable("lambda_architecture").string_value,
            log_level=self.variable("lambda_log_level").string_value,
            kms_key_arn=encryption.key_arn,
            log_retention_in_days=retention,
            tags=tags,
        )

        model_locals = declare_model_locals(self)
        state = RouterState(
            self, "router_state", RouterStateProps(name=name, kms_key_arn=encryption.key_arn, tags=tags)
        )
        router_models = named(TerraformLocal(self, "router_models", ROUTER_MODELS), "router_models")
        secret_arns = named(TerraformLocal(self, "provider_secret_arns", PROVIDER_VAULT_ARNS), "provider_secret_arns")
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
                    MODELS_ENV: Fn.jsonencode(router_models.as_any_map),
                    "GATEWAY_BUDGET_TABLE": state.budgets.name,
                    # "" without a cache (the table has count 0).
                    "GATEWAY_CACHE_TABLE": '${join("", aws_dynamodb_table.response_cache[*].name)}',
                    **ROUTER_SETTINGS_ENV,
                },
                statements=router_statements(account, state, model_locals, secret_arns, encryption.key_arn),
            ),
        )
        # The table is created with the tenants (after the API, which needs the authorizer):
        # the authorizer refers to it by its deterministic name to avoid a cycle.
        table_name = f"{name}-tenants"
        key_arns = named(TerraformLocal(self, "tenant_key_arns", TENANT_KEY_ARNS), "tenant_key_arns")
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
                    "GATEWAY_TENANT_TABLE": table_name,
                    "GATEWAY_ROUTES": json.dumps([r.route_key for r in ROUTES]),
                    **AUTHORIZER_SETTINGS_ENV,
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
                targets={"router": router.function},
                authorizer=authorizer.function,
                account=account,
                tags=tags,
                model_locals=model_locals,
            ),
        )
        responses = GatewayResponses(self, "gateway_responses", api.api.id)
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
                kms_key_arn=encryption.key_arn,
                log_retention_in_days=retention,
                xray_tracing_enabled=self.variable("enable_xray_tracing").boolean_value,
                tags=tags,
            ),
        )
        access = TenantAccess(
            self,
            "tenant_access",
            TenantAccessProps(
                name=name,
                rest_api_id=api.api.id,
                stage_name=stage.stage.stage_name,
                kms_key_arn=encryption.key_arn,
                tags=tags,
            ),
        )

        self.output("rest_api_id", api.api.id)
        self.output("rest_api_execution_arn", api.api.execution_arn)
        self.output("stage_name", stage.stage.stage_name)
        self.output("stage_invoke_url", stage.stage.invoke_url)
        self.output("router_function_name", router.function.function_name)
        self.output("router_function_arn", router.function.arn)
        self.output("authorizer_function_name", authorizer.function.function_name)
        self.output("access_log_group_name", stage.access_log_group.name)
        self.output("router_log_group_name", router.log_group.name)
        self.output("kms_key_arn", encryption.key_arn)
        self.output("tenant_table_name", access.table.name)
        self.output("budget_table_name", state.budgets.name)
        self.output("response_cache_table_name", "${one(aws_dynamodb_table.response_cache[*].name)}")
        self.output("tenant_api_keys", "${{for id, key in aws_api_gateway_api_key.tenant : id => key.value}}")
        self.output("tenant_api_key_ids", "${{for id, key in aws_api_gateway_api_key.tenant : id => key.id}}")
        self.output("usage_plan_ids", "${{for plan, p in aws_api_gateway_usage_plan.this : plan => p.id}}")
        self.output(
            "custom_domain_regional_domain_name", "${one(aws_api_gateway_domain_name.this[*].regional_domain_name)}"
        )
        self.output("custom_domain_regional_zone_id", "${one(aws_api_gateway_domain_name.this[*].regional_zone_id)}")
        # Written beside main.tf.json by synth (modules_src/ai_gateway/openapi.py).
        self.output("openapi_document", '${file("${path.module}/openapi.json")}')
        self.check_complete()


def router_statements(
    account: AccountContext,
    state: RouterState,
    model_locals: dict[str, TerraformLocal],
    secret_arns: TerraformLocal,
    kms_key_arn: str,
) -> list[dict[str, Any]]:
    """What the router may do: call the configured models, endpoints and provider keys, and use its tables."""
    tables = f"arn:{account.partition}:dynamodb:{account.region}:{account.account_id}:table"
    return [
        *model_invoke_statements(model_locals),
        {
            "Sid": "ReadProviderKeys",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": secret_arns.as_list,
        },
        {
            "Sid": "CountTokens",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Resource": f"{tables}/{state.budgets_name}",
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
