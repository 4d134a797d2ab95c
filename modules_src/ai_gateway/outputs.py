"""Outputs of the `ai_gateway` module (what roots and other modules read)."""

from __future__ import annotations

from modules_src.common.spec import OutputSpec

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("rest_api_id", "ID of the REST API."),
    OutputSpec(
        "rest_api_execution_arn", "Execution ARN of the REST API, for scoping `lambda:InvokeFunction` permissions."
    ),
    OutputSpec("stage_name", "Name of the deployed stage."),
    OutputSpec("stage_invoke_url", "Base URL of the stage; the OpenAI-compatible API lives under `<url>/v1`."),
    OutputSpec(
        "stage_arn",
        "ARN of the stage (`arn:<partition>:apigateway:<region>::/restapis/<id>/stages/<stage>`), "
        "what a WAF web ACL is associated with (the `waf` module's `stage_arn`).",
    ),
    OutputSpec("router_function_name", "Name of the router Lambda function."),
    OutputSpec("router_function_arn", "ARN of the router Lambda function."),
    OutputSpec("access_log_group_name", "CloudWatch log group receiving the stage's JSON access logs."),
    OutputSpec("router_log_group_name", "CloudWatch log group of the router Lambda."),
    OutputSpec("transform_function_name", "Name of the transform Lambda function (`/v1/transform/...`)."),
    OutputSpec("transform_log_group_name", "CloudWatch log group of the transform Lambda."),
    OutputSpec("kms_key_arn", "ARN of the KMS key encrypting logs, tables and function configuration."),
    OutputSpec("authorizer_function_name", "Name of the Lambda authorizer function."),
    OutputSpec("tenant_table_name", "DynamoDB table of tenant records (keyed by API key hash and tenant id)."),
    OutputSpec("budget_table_name", "DynamoDB table of the router's token counters per tenant, day and month."),
    OutputSpec("response_cache_table_name", "DynamoDB table of the response cache (`null` without `response_cache`)."),
    OutputSpec(
        "config_table_name", "DynamoDB table holding the router's configuration document, one item per version."
    ),
    OutputSpec(
        "config_version",
        "Content address (SHA-256 of the JSON text) of the configuration document the router runs on.",
    ),
    OutputSpec(
        "tenant_api_keys",
        "API key value of each tenant, keyed by tenant id. Hand each to its tenant only.",
        sensitive=True,
    ),
    OutputSpec("tenant_api_key_ids", "API Gateway key id of each tenant, keyed by tenant id."),
    OutputSpec("usage_plan_ids", "Usage plan id by plan (`tier-<name>`, or `tenant-<id>` for throttle overrides)."),
    OutputSpec(
        "custom_domain_regional_domain_name", "Target for a DNS alias to the custom domain (`null` without one)."
    ),
    OutputSpec("custom_domain_regional_zone_id", "Hosted zone id for that alias (`null` without a custom domain)."),
    OutputSpec(
        "monitoring",
        "What the gateway runs and emits, for the `operations` module's `gateway` input: API and stage names, "
        "functions with their timeouts, tables, the router's metrics namespace, models and tenant budgets.",
    ),
    OutputSpec(
        "router_alias_arn",
        "ARN of the router's `live` alias, which every router integration calls (and provisioned concurrency warms).",
    ),
    OutputSpec("cognito_user_pool_id", "ID of the Cognito user pool (`null` without `cognito`)."),
    OutputSpec("cognito_issuer_url", "Issuer (`iss`) of the pool's tokens (`null` without `cognito`)."),
    OutputSpec(
        "cognito_token_url",
        "OAuth2 token endpoint of the pool, where tenants exchange client credentials for access tokens (`null` "
        "without `cognito`).",
    ),
    OutputSpec("cognito_client_ids", "Cognito app client id of each tenant, keyed by tenant id (empty without it)."),
    OutputSpec(
        "cognito_client_secret_arns",
        "Secrets Manager ARN of each tenant's client credentials (JSON: `client_id`, `client_secret`, "
        "`token_url`, `scope`), keyed by tenant id; grant each tenant its own secret only.",
    ),
    OutputSpec(
        "lambda_security_group_id", "Security group of the functions' network interfaces (`null` without `vpc`)."
    ),
    OutputSpec(
        "vpc_endpoint_ids",
        "VPC endpoints the module created, keyed by service (`dynamodb`, `bedrock_runtime`, ...; empty without).",
    ),
    OutputSpec("openapi_document", "OpenAPI 3 document (JSON) of the gateway's routes, schemas and error envelope."),
)
