# Unit level: the generated module against a mocked AWS provider (fully offline): the mocks are
# tests/modules/terraform/mocks/, the inputs every run starts from ai_gateway/terraform.tfvars.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "creates_a_logged_traced_encrypted_gateway_by_default" {
  command = apply

  assert {
    condition     = aws_api_gateway_rest_api.this.endpoint_configuration[0].types == tolist(["REGIONAL"])
    error_message = "the REST API must be regional"
  }
  assert {
    condition     = aws_api_gateway_resource.v1.path_part == "v1" && aws_api_gateway_resource.v1_models.path_part == "models"
    error_message = "GET /v1/models needs the /v1 and /v1/models resources"
  }
  assert {
    condition     = aws_api_gateway_resource.v1_models.parent_id == aws_api_gateway_resource.v1.id
    error_message = "/v1/models must hang below /v1"
  }
  assert {
    condition     = aws_api_gateway_method.get_v1_models.http_method == "GET"
    error_message = "the models route must be a GET"
  }
  assert {
    condition     = aws_api_gateway_method.get_v1_models.authorization == "CUSTOM" && aws_api_gateway_method.get_v1_models.authorizer_id == aws_api_gateway_authorizer.this.id && aws_api_gateway_method.get_v1_models.api_key_required
    error_message = "every method goes through the authorizer and needs a usage plan key"
  }
  assert {
    condition     = aws_api_gateway_rest_api.this.api_key_source == "AUTHORIZER"
    error_message = "usage plans must meter the key the authorizer returns"
  }
  assert {
    condition     = aws_api_gateway_authorizer.this.type == "REQUEST" && aws_api_gateway_authorizer.this.authorizer_uri == aws_lambda_function.authorizer.invoke_arn && aws_api_gateway_authorizer.this.authorizer_result_ttl_in_seconds == 300 && aws_api_gateway_authorizer.this.identity_source == "method.request.header.Authorization"
    error_message = "the REQUEST authorizer caches per Authorization header for 5 minutes by default"
  }
  assert {
    condition     = aws_lambda_permission.authorizer.source_arn == "arn:aws:execute-api:us-east-1:123456789012:abc123/authorizers/${aws_api_gateway_authorizer.this.id}"
    error_message = "only this API's authorizer may invoke the authorizer function"
  }
  assert {
    condition     = jsondecode(aws_lambda_function.authorizer.environment[0].variables["GATEWAY_ROUTES"]) == ["GET /v1/models", "GET /v1/models/{modelAlias}", "POST /v1/chat/completions", "POST /v1/responses", "POST /v1/embeddings", "POST /v1/prompts/{promptName}", "POST /v1/bedrock/{modelId}/converse", "POST /v1/predict/{model}", "POST /v1/transform/{transformModel}"] && aws_lambda_function.authorizer.environment[0].variables["GATEWAY_TENANT_TABLE"] == "aigw-test-tenants"
    error_message = "the authorizer must know the routes its policy covers and the tenant table"
  }
  assert {
    condition     = sort(keys(aws_api_gateway_usage_plan.this)) == tolist(["tenant-hooli", "tier-free", "tier-premium"])
    error_message = "one usage plan per tier, plus one per tenant with a throttle override"
  }
  assert {
    condition     = one(aws_api_gateway_usage_plan.this["tier-free"].quota_settings).limit == 1000 && one(aws_api_gateway_usage_plan.this["tier-free"].quota_settings).period == "DAY" && length(aws_api_gateway_usage_plan.this["tier-premium"].quota_settings) == 0
    error_message = "quotas follow the tier (none without quota_limit)"
  }
  assert {
    condition     = one(aws_api_gateway_usage_plan.this["tenant-hooli"].throttle_settings).rate_limit == 5 && one(aws_api_gateway_usage_plan.this["tenant-hooli"].quota_settings).limit == 1000
    error_message = "a throttle override keeps the tier's quota"
  }
  assert {
    condition     = one(aws_api_gateway_usage_plan.this["tier-premium"].api_stages).api_id == "abc123" && one(aws_api_gateway_usage_plan.this["tier-premium"].api_stages).stage == "test"
    error_message = "usage plans are bound to this stage"
  }
  assert {
    condition     = length(aws_api_gateway_api_key.tenant) == 3 && !aws_api_gateway_api_key.tenant["hooli"].enabled && aws_api_gateway_api_key.tenant["acme"].enabled
    error_message = "one key per tenant, disabled for a disabled tenant"
  }
  assert {
    condition     = aws_api_gateway_usage_plan_key.tenant["acme"].usage_plan_id == aws_api_gateway_usage_plan.this["tier-premium"].id && aws_api_gateway_usage_plan_key.tenant["hooli"].usage_plan_id == aws_api_gateway_usage_plan.this["tenant-hooli"].id
    error_message = "each key joins its tier's plan, or its own plan when it overrides the throttle"
  }
  assert {
    condition     = aws_dynamodb_table.tenants.server_side_encryption[0].enabled && aws_dynamodb_table.tenants.server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn && aws_dynamodb_table.tenants.point_in_time_recovery[0].enabled && aws_dynamodb_table.tenants.deletion_protection_enabled
    error_message = "the tenant table is KMS-encrypted, recoverable and protected"
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.api_key["acme"].item).pk.S == "key#${sha256(aws_api_gateway_api_key.tenant["acme"].value)}" && !strcontains(aws_dynamodb_table_item.api_key["acme"].item, aws_api_gateway_api_key.tenant["acme"].value)
    error_message = "key items are keyed by the key's hash and never hold the key"
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.tenant["acme"].item).allowed_models.S == "claude-3-haiku,llama3-8b" && jsondecode(aws_dynamodb_table_item.tenant["acme"].item).monthly_token_budget.N == "5000000" && !can(jsondecode(aws_dynamodb_table_item.tenant["initech"].item).monthly_token_budget)
    error_message = "tenant items carry models and the budget only when set"
  }
  assert {
    condition     = length(aws_api_gateway_gateway_response.default_4xx.response_templates) == 1 && can(jsondecode(replace(aws_api_gateway_gateway_response.throttled.response_templates["application/json"], "$context.error.messageString", "\"m\"")).error) && aws_api_gateway_gateway_response.throttled.status_code == "429" && aws_api_gateway_gateway_response.unauthorized.response_parameters["gatewayresponse.header.x-request-id"] == "context.requestId"
    error_message = "gateway responses answer in the JSON error envelope with the request id"
  }
  assert {
    condition     = one(aws_api_gateway_method_settings.all.settings).throttling_rate_limit == 100 && one(aws_api_gateway_method_settings.all.settings).logging_level == "ERROR" && !one(aws_api_gateway_method_settings.all.settings).data_trace_enabled
    error_message = "stage-wide throttling and error logging are on; bodies are never logged"
  }
  assert {
    condition     = aws_api_gateway_integration.post_v1_bedrock_modelid_converse.type == "AWS" && aws_api_gateway_integration.post_v1_bedrock_modelid_converse.uri == "arn:aws:apigateway:us-east-1:bedrock-runtime:path/model/{modelId}/converse" && aws_api_gateway_integration.post_v1_bedrock_modelid_converse.credentials == aws_iam_role.apigateway.arn && aws_api_gateway_integration.post_v1_bedrock_modelid_converse.passthrough_behavior == "NEVER"
    error_message = "the converse route calls Bedrock directly with the module's service role"
  }
  assert {
    condition     = strcontains(aws_api_gateway_integration.post_v1_bedrock_modelid_converse.request_templates["application/json"], jsonencode({ "claude-3-haiku" = "anthropic.claude-3-haiku-20240307-v1:0" })) && !strcontains(aws_api_gateway_integration.post_v1_bedrock_modelid_converse.request_templates["application/json"], "@MODELS@")
    error_message = "the request template maps exactly the Bedrock aliases to their model ids"
  }
  assert {
    condition     = jsondecode(aws_iam_policy.model_access["0"].policy).Statement[0].Action == ["bedrock:InvokeModel"] && jsondecode(aws_iam_policy.model_access["0"].policy).Statement[0].Resource == ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"] && aws_iam_role_policy_attachment.apigateway_model_access["0"].policy_arn == aws_iam_policy.model_access["0"].arn
    error_message = "the service role may invoke only the configured Bedrock models"
  }
  assert {
    condition     = jsondecode(aws_iam_policy.model_access["0"].policy).Statement[1].Action == ["sagemaker:InvokeEndpoint"] && jsondecode(aws_iam_policy.model_access["0"].policy).Statement[1].Resource == ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/llama3-8b-instruct"]
    error_message = "the service role may invoke only the configured SageMaker endpoints"
  }
  assert {
    condition     = aws_api_gateway_integration.post_v1_predict_model.uri == "arn:aws:apigateway:us-east-1:runtime.sagemaker:path/endpoints/{endpoint}/invocations" && aws_api_gateway_integration.post_v1_predict_model.request_parameters["integration.request.path.endpoint"] == "method.request.path.model" && aws_api_gateway_integration.post_v1_predict_model.request_parameters["integration.request.header.Content-Type"] == "method.request.header.Content-Type"
    error_message = "the predict route maps the model to an endpoint and forwards the content type"
  }
  assert {
    condition     = sort(keys(aws_api_gateway_integration.post_v1_predict_model.request_templates)) == tolist(["application/json", "text/csv"]) && aws_api_gateway_method.post_v1_predict_model.request_parameters["method.request.header.Content-Type"]
    error_message = "predict takes JSON or CSV, with a required Content-Type"
  }
  assert {
    condition     = jsondecode(aws_iam_role.apigateway.assume_role_policy).Statement[0].Principal.Service == "apigateway.amazonaws.com"
    error_message = "only API Gateway assumes the service role"
  }
  assert {
    condition     = output.stage_arn == aws_api_gateway_stage.this.arn
    error_message = "the module names its stage's ARN, for a WAF association"
  }
  assert {
    condition     = jsondecode(aws_iam_role.apigateway.assume_role_policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == "${aws_api_gateway_rest_api.this.execution_arn}/*" && jsondecode(aws_iam_role.apigateway.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "API Gateway may assume the service role for this REST API only, not for every API of the account"
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.tenant["initech"].item).direct_models_model.S == "llama3-8b" && jsondecode(aws_dynamodb_table_item.tenant["initech"].item).direct_models_modelId.S == "" && jsondecode(aws_dynamodb_table_item.tenant["acme"].item).direct_models_model.S == ""
    error_message = "a tenant without a budget may name its aliases of each direct route's provider; a budgeted one none"
  }
  assert {
    condition     = aws_api_gateway_method.post_v1_bedrock_modelid_converse.request_validator_id == aws_api_gateway_request_validator.this.id && aws_api_gateway_method.post_v1_bedrock_modelid_converse.request_models["application/json"] == "ConverseRequest" && aws_api_gateway_request_validator.this.validate_request_body && jsondecode(aws_api_gateway_model.converserequest.schema).additionalProperties == false
    error_message = "converse bodies are validated at the edge against the ConverseRequest schema"
  }
  assert {
    condition     = aws_api_gateway_integration_response.post_v1_bedrock_modelid_converse_429.selection_pattern == "429" && aws_api_gateway_integration_response.post_v1_bedrock_modelid_converse_502.selection_pattern == "424|5\\d{2}" && strcontains(aws_api_gateway_integration_response.post_v1_bedrock_modelid_converse_429.response_templates["application/json"], "\"code\": \"model_throttled\"")
    error_message = "Bedrock's errors map to the gateway's statuses and error envelope"
  }
  assert {
    condition     = contains(keys(jsondecode(output.openapi_document).paths), "/v1/models")
    error_message = "the module publishes its OpenAPI document"
  }
  assert {
    condition     = length(aws_api_gateway_domain_name.this) == 0 && output.custom_domain_regional_domain_name == null
    error_message = "no custom domain by default"
  }
  assert {
    condition     = aws_api_gateway_integration.get_v1_models.type == "AWS_PROXY" && aws_api_gateway_integration.get_v1_models.uri == aws_lambda_alias.router.invoke_arn
    error_message = "the models route must proxy to the router Lambda"
  }
  assert {
    condition     = aws_lambda_permission.get_v1_models.source_arn == "arn:aws:execute-api:us-east-1:123456789012:abc123/test/GET/v1/models"
    error_message = "the invoke permission must be scoped to this API, stage, method and path"
  }
  assert {
    condition     = aws_api_gateway_stage.this.stage_name == "test" && aws_api_gateway_stage.this.xray_tracing_enabled
    error_message = "the stage takes its name from stage_name and traces with X-Ray"
  }
  assert {
    condition     = one(aws_api_gateway_stage.this.access_log_settings).destination_arn == aws_cloudwatch_log_group.access.arn
    error_message = "access logs must go to the module's access log group"
  }
  assert {
    condition     = alltrue([for k in ["requestId", "tenantId", "status", "responseLatency", "integrationLatency"] : contains(keys(jsondecode(one(aws_api_gateway_stage.this.access_log_settings).format)), k)])
    error_message = "the access log format must be JSON with request id, tenant, status and latencies"
  }
  assert {
    condition     = aws_cloudwatch_log_group.access.retention_in_days == 90 && aws_cloudwatch_log_group.router.retention_in_days == 90 && aws_cloudwatch_log_group.authorizer.retention_in_days == 90
    error_message = "logs keep 90 days by default"
  }
  assert {
    condition     = aws_cloudwatch_log_group.access.kms_key_id == aws_kms_key.this[0].arn && aws_cloudwatch_log_group.router.kms_key_id == aws_kms_key.this[0].arn
    error_message = "log groups must be encrypted with the module's key"
  }
  assert {
    condition     = length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation
    error_message = "without kms_key_arn the module creates one rotating key"
  }
  assert {
    condition     = aws_lambda_function.router.runtime == "python3.12" && aws_lambda_function.router.handler == "router.handler.handler"
    error_message = "the router runs router.handler.handler on python3.12 by default"
  }
  assert {
    condition     = aws_lambda_function.router.tracing_config[0].mode == "Active" && length(aws_iam_role_policy.router_tracing) == 1
    error_message = "tracing is on by default, with its IAM policy"
  }
  assert {
    condition     = jsondecode(local.config_document).models["claude-3-haiku"].model_id == "anthropic.claude-3-haiku-20240307-v1:0" && aws_lambda_function.router.environment[0].variables["GATEWAY_CONFIG_VERSION"] == sha256(local.config_document)
    error_message = "the router must receive the models configuration"
  }
  assert {
    condition     = aws_lambda_function.router.source_code_hash == filebase64sha256("fixtures/router.zip") && aws_lambda_function.authorizer.source_code_hash == filebase64sha256("fixtures/authorizer.zip")
    error_message = "a new zip must update the function"
  }
  assert {
    condition     = length(aws_api_gateway_deployment.this.triggers["redeployment"]) == 40
    error_message = "the deployment must carry a redeployment hash"
  }
  assert {
    condition     = output.stage_invoke_url == "https://abc123.execute-api.us-east-1.amazonaws.com/test" && output.rest_api_id == "abc123" && output.stage_name == "test"
    error_message = "outputs must expose the stage URL, API id and stage name"
  }
  assert {
    condition     = output.rest_api_execution_arn == "arn:aws:execute-api:us-east-1:123456789012:abc123" && output.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "outputs must expose the execution ARN and the key in use"
  }
}

run "wires_the_router_with_its_tables_routing_and_least_privilege" {
  command = apply

  variables {
    models = {
      "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0", input_price_per_1k = 0.00025, output_price_per_1k = 0.00125 }
      "llama3-8b"      = { provider = "sagemaker", model_id = "llama3-8b-instruct", format = "tgi" }
      "gpt-4o-mini"    = { provider = "openai_compatible", model_id = "gpt-4o-mini", base_url = "https://api.example.com/v1", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf" }
      "titan-embed"    = { provider = "bedrock", model_id = "amazon.titan-embed-text-v2:0", kind = "embedding" }
    }
    routing = {
      aliases = {
        chat = { targets = [{ model = "claude-3-haiku", weight = 90, arm = "A" }, { model = "llama3-8b", weight = 10, arm = "B" }], fallbacks = ["gpt-4o-mini"],
        rules = [{ name = "code", when = { code = true, headers = { "x-team" = "b" } }, target = "gpt-4o-mini" }, { name = "long", when = { min_input_tokens = 4000, tiers = ["premium"] }, target = "cheap" }] }
        cheap = { strategy = "cheapest", targets = [{ model = "claude-3-haiku" }, { model = "gpt-4o-mini" }] }
      }
      tenant_pins = { acme = { chat = "claude-3-haiku" } }
    }
    response_cache = { ttl_seconds = 600 }
    tenants = {
      acme = { tier = "premium", allowed_models = ["claude-3-haiku", "titan-embed"], daily_token_budget = 100000, monthly_token_budget = 2000000 }
    }
  }

  assert {
    condition     = jsondecode(local.config_document).models["llama3-8b"] == { provider = "sagemaker", model_id = "llama3-8b-instruct", format = "tgi", kind = "chat", created = 0 } && jsondecode(local.config_document).schema == 1
    error_message = "the configuration document holds the models without their unset fields"
  }
  assert {
    condition     = jsondecode(local.config_document).routing.aliases.chat.strategy == "weighted" && jsondecode(local.config_document).routing.tenant_pins.acme.chat == "claude-3-haiku" && jsondecode(local.config_document).response_cache.ttl_seconds == 600
    error_message = "the routing and cache settings reach the document with their defaults filled in"
  }
  assert {
    condition     = jsondecode(local.config_document).routing.aliases.chat.rules[0] == { name = "code", target = "gpt-4o-mini", when = { code = true, headers = { "x-team" = "b" }, users = [], metadata = {}, tiers = [], min_input_tokens = null, max_input_tokens = null, images = null, tools = null, response_formats = [], prompts = [] } } && length(jsondecode(local.config_document).routing.aliases.cheap.rules) == 0
    error_message = "an alias's rules reach the document in order, every condition not given left open"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_CONFIG_TABLE"] == aws_dynamodb_table.config.name && aws_lambda_function.router.environment[0].variables["GATEWAY_CONFIG_VERSION"] == sha256(local.config_document) && output.config_version == sha256(local.config_document)
    error_message = "the router's environment names the document by its content address"
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.config.item).pk.S == "config#${sha256(local.config_document)}" && jsondecode(aws_dynamodb_table_item.config.item).document.B == base64gzip(local.config_document)
    error_message = "the configuration item is keyed by the document's hash and holds it gzip-compressed"
  }
  assert {
    condition     = aws_dynamodb_table.config.server_side_encryption[0].enabled && aws_dynamodb_table.config.server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn && aws_dynamodb_table.config.deletion_protection_enabled && aws_dynamodb_table.config.point_in_time_recovery[0].enabled
    error_message = "the configuration table is KMS-encrypted, protected and recoverable"
  }
  assert {
    condition     = length(keys(aws_lambda_function.router.environment[0].variables)) == 11 && !contains(keys(aws_lambda_function.router.environment[0].variables), "GATEWAY_MODELS")
    error_message = "the catalog no longer rides in the function's environment"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_BUDGET_TABLE"] == "aigw-test-budgets" && aws_lambda_function.router.environment[0].variables["GATEWAY_CACHE_TABLE"] == "aigw-test-response-cache"
    error_message = "the router knows its tables"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_LOG_PROMPTS"] == "false" && aws_lambda_function.router.environment[0].variables["POWERTOOLS_METRICS_NAMESPACE"] == "AiGateway"
    error_message = "prompts are not logged by default; metrics go to the AiGateway namespace"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_LIVE_STATS_SHARE_SECONDS"] == "0"
    error_message = "each router container keeps its own live window by default"
  }
  assert {
    condition     = aws_dynamodb_table.budgets.server_side_encryption[0].enabled && aws_dynamodb_table.budgets.ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.budgets.point_in_time_recovery[0].enabled && aws_dynamodb_table.budgets.deletion_protection_enabled
    error_message = "token counters are encrypted, expire by TTL, recoverable and protected"
  }
  assert {
    condition     = length(aws_dynamodb_table.response_cache) == 1 && aws_dynamodb_table.response_cache[0].server_side_encryption[0].enabled && aws_dynamodb_table.response_cache[0].ttl[0].enabled
    error_message = "the response cache table exists when configured, encrypted, with TTL"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s.Resource if s.Sid == "ReadProviderKeys"][0] == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf"]
    error_message = "the router may read only the configured providers' secrets"
  }
  assert {
    condition     = sort(flatten([for p in aws_iam_policy.model_access : [for s in jsondecode(p.policy).Statement : s.Resource if s.Sid == "InvokeConfiguredModels"]])) == tolist(["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]) && tolist(flatten([for p in aws_iam_policy.model_access : [for s in jsondecode(p.policy).Statement : s.Resource if s.Sid == "InvokeConfiguredEndpoints"]])) == tolist(["arn:aws:sagemaker:us-east-1:123456789012:endpoint/llama3-8b-instruct"])
    error_message = "the router may invoke exactly the configured Bedrock models and SageMaker endpoints"
  }
  assert {
    condition     = length(aws_iam_policy.model_access) == 1 && length(aws_iam_role_policy_attachment.router_model_access) == 1 && length(aws_iam_role_policy_attachment.apigateway_model_access) == 1 && aws_iam_role_policy_attachment.apigateway_model_access["0"].role == aws_iam_role.apigateway.name
    error_message = "the router and API Gateway's service role attach the same model access policies"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.router.policy).Statement : alltrue([for a in flatten([s.Action]) : !strcontains(a, "*")])])
    error_message = "the router's policy names every action"
  }
  assert {
    condition     = aws_dynamodb_table_item.tenant["acme"].item == jsonencode({ pk = { S = "tenant#acme" }, tenant_id = { S = "acme" }, tier = { S = "premium" }, allowed_models = { S = "claude-3-haiku,titan-embed" }, enabled = { BOOL = true }, api_key_id = { S = aws_api_gateway_api_key.tenant["acme"].id }, direct_models_model = { S = "" }, direct_models_modelId = { S = "" }, direct_models_transformModel = { S = "" }, daily_token_budget = { N = "100000" }, monthly_token_budget = { N = "2000000" } })
    error_message = "the tenant record carries both budgets for the authorizer to pass on, and no direct route (nothing would meter it)"
  }
  assert {
    condition     = aws_api_gateway_method.post_v1_chat_completions.authorization == "CUSTOM" && aws_api_gateway_method.post_v1_embeddings.api_key_required
    error_message = "the chat and embeddings routes are behind the authorizer and usage plans"
  }
}

run "has_no_cache_table_without_a_cache" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.response_cache) == 0 && jsondecode(local.config_document).response_cache == null && aws_lambda_function.router.environment[0].variables["GATEWAY_CACHE_TABLE"] == ""
    error_message = "no response cache unless configured"
  }
}

run "rejects_providers_missing_what_they_need" {
  command = plan

  variables {
    models = {
      "gpt"   = { provider = "openai_compatible", model_id = "gpt-4o" }
      "plain" = { provider = "openai_compatible", model_id = "x", base_url = "http://api.example.com", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf" }
      "llama" = { provider = "sagemaker", model_id = "e", format = "tei" }
      "bad"   = { provider = "bedrock", model_id = "x", kind = "image" }
    }
    tenants = {}
  }

  expect_failures = [var.models]
}

run "rejects_routing_to_unknown_or_mixed_models" {
  command = plan

  variables {
    models = {
      "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
      "llama3-8b"      = { provider = "sagemaker", model_id = "llama3-8b-instruct" }
      "titan-embed"    = { provider = "bedrock", model_id = "amazon.titan-embed-text-v2:0", kind = "embedding" }
    }
    routing = {
      aliases = {
        a = { strategy = "random", targets = [{ model = "gpt-9", weight = 0 }] }
        b = { targets = [{ model = "claude-3-haiku" }], fallbacks = ["titan-embed"] }
      }
    }
  }

  expect_failures = [var.routing]
}

run "rejects_a_live_stats_period_outside_its_range" {
  command = plan

  variables {
    live_stats_share_seconds = 4
  }

  expect_failures = [var.live_stats_share_seconds]
}

run "shares_live_stats_through_the_budget_table" {
  command = plan

  variables {
    live_stats_share_seconds = 10
  }

  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_LIVE_STATS_SHARE_SECONDS"] == "10"
    error_message = "the router is told how often to share its live window"
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.router.policy).Statement : jsonencode([s.Action, s.Condition]) if s.Sid == "ReadSharedLiveStats"]) == jsonencode([["dynamodb:BatchGetItem"], { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["live#*"] } }])
    error_message = "the router reads the shared window's items, and only those, in one call"
  }
}

run "rejects_bad_budgets_and_cache_settings" {
  command = plan

  variables {
    tenants = {
      acme = { tier = "premium", allowed_models = ["llama3-8b"], daily_token_budget = 0.5 }
    }
    response_cache = { ttl_seconds = 0 }
  }

  expect_failures = [var.tenants, var.response_cache]
}

run "caps_the_authorizer_cache_when_jwts_are_accepted" {
  command = plan

  variables {
    # Valid on its own (0-3600), but a cached answer would outlive a JWT's exp by up to ten minutes.
    authorizer_result_ttl_in_seconds = 600
    jwt_issuer                       = "https://idp.example/"
    jwt_audience                     = "ai-gateway"
    jwt_jwks_url                     = "https://idp.example/.well-known/jwks.json"
  }

  expect_failures = [aws_api_gateway_authorizer.this]
}

run "uses_a_given_key_and_can_turn_tracing_off" {
  command = apply

  variables {
    name                             = "aigw-test-byok"
    kms_key_arn                      = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    enable_xray_tracing              = false
    authorizer_result_ttl_in_seconds = 0
    custom_domain_name               = "ai.example.com"
    custom_domain_certificate_arn    = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    custom_domain_base_path          = "v1"
    enable_models_cache              = true
    canary                           = { deployment_id = "dep123", percent_traffic = 10 }
  }

  assert {
    condition     = length(aws_kms_key.this) == 0
    error_message = "a given key means no key is created"
  }
  assert {
    condition     = aws_cloudwatch_log_group.router.kms_key_id == var.kms_key_arn && aws_lambda_function.router.kms_key_arn == var.kms_key_arn
    error_message = "the given key must encrypt logs and the function's environment"
  }
  assert {
    condition     = !aws_api_gateway_stage.this.xray_tracing_enabled && aws_lambda_function.router.tracing_config[0].mode == "PassThrough" && length(aws_iam_role_policy.router_tracing) == 0
    error_message = "enable_xray_tracing = false turns tracing and its policy off"
  }
  assert {
    condition     = aws_api_gateway_authorizer.this.identity_source == "" && aws_api_gateway_authorizer.this.authorizer_result_ttl_in_seconds == 0
    error_message = "without result caching the authorizer needs no identity header (x-api-key works alone)"
  }
  assert {
    condition     = aws_api_gateway_domain_name.this[0].security_policy == "TLS_1_2" && aws_api_gateway_domain_name.this[0].endpoint_configuration[0].types == tolist(["REGIONAL"]) && aws_api_gateway_base_path_mapping.this[0].base_path == "v1" && aws_api_gateway_base_path_mapping.this[0].stage_name == "test"
    error_message = "the custom domain is regional, TLS 1.2, mapped to this stage"
  }
  assert {
    condition     = aws_api_gateway_stage.this.cache_cluster_enabled && one(aws_api_gateway_method_settings.get_v1_models[0].settings).caching_enabled && one(aws_api_gateway_method_settings.get_v1_models[0].settings).cache_data_encrypted && length(aws_api_gateway_integration.get_v1_models.cache_key_parameters) == 2
    error_message = "the models cache is encrypted and keyed by the credential headers"
  }
  assert {
    condition     = one(aws_api_gateway_stage.this.canary_settings).percent_traffic == 10 && one(aws_api_gateway_stage.this.canary_settings).deployment_id == "dep123"
    error_message = "the canary sends its share of traffic to the given deployment"
  }
}

run "rejects_invalid_scalar_inputs" {
  command = plan

  variables {
    name                             = "AIGW_Bad"
    stage_name                       = "has space"
    lambda_packages_dir              = " "
    lambda_runtime                   = "python2.7"
    lambda_architecture              = "sparc"
    router_memory_size_mb            = 64
    router_timeout_seconds           = 60
    lambda_log_level                 = "TRACE"
    log_retention_in_days            = 0
    kms_key_arn                      = "alias/mine"
    kms_key_deletion_window_in_days  = 3
    authorizer_result_ttl_in_seconds = 7200
    stage_logging_level              = "DEBUG"
    stage_throttle_burst_limit       = 50
    models_cache_cluster_size_in_gb  = "2"
    jwt_issuer                       = "https://idp.example/"
    custom_domain_name               = "Not A Domain"
  }

  expect_failures = [
    var.name,
    var.stage_name,
    var.lambda_packages_dir,
    var.lambda_runtime,
    var.lambda_architecture,
    var.router_memory_size_mb,
    var.router_timeout_seconds,
    var.lambda_log_level,
    var.log_retention_in_days,
    var.kms_key_arn,
    var.kms_key_deletion_window_in_days,
    var.authorizer_result_ttl_in_seconds,
    var.stage_logging_level,
    var.stage_throttle_burst_limit,
    var.models_cache_cluster_size_in_gb,
    var.jwt_issuer,
    var.custom_domain_name,
  ]
}

run "rejects_tiers_whose_burst_is_below_the_rate_or_period_unknown" {
  command = plan

  variables {
    tiers        = { bad = { throttle_rate_limit = 10, throttle_burst_limit = 5, quota_limit = 10, quota_period = "YEAR" } }
    tenants      = {}
    jwt_jwks_url = "http://idp.example/jwks"
  }

  # (A validation that refers to an invalid variable is not evaluated: one invalid input per
  # cross-variable rule and run.)
  expect_failures = [var.tiers, var.jwt_jwks_url]
}

run "rejects_tenants_on_unknown_tiers_or_models" {
  command = plan

  variables {
    tenants = {
      acme = { tier = "gold", allowed_models = ["gpt-4o"], throttle_rate_limit = 5 }
    }
  }

  expect_failures = [var.tenants]
}

run "rejects_an_unknown_model_provider" {
  command = plan

  variables {
    models = { "gpt" = { provider = "azure", model_id = "gpt-4o" } }
  }

  expect_failures = [var.models]
}

run "rejects_an_invalid_model_alias" {
  command = plan

  variables {
    models = { "has space" = { provider = "bedrock", model_id = "x" } }
  }

  expect_failures = [var.models]
}

run "rejects_no_models" {
  command = plan

  variables {
    models = {}
  }

  expect_failures = [var.models]
}

run "rejects_a_document_too_large_for_one_item_at_plan" {
  command = plan

  # 2,000 models with 512 incompressible characters each: the document compresses to more than an item holds.
  variables {
    # (HTTP providers behind one secret: no IAM grant per model, so only the document is too large.)
    models  = { for p in setproduct(range(1000), range(2)) : "m${p[0]}-${p[1]}" => { provider = "openai_compatible", base_url = "https://api.example.com/v1", secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf", model_id = "${sha512("a${p[0]}/${p[1]}")}${sha512("b${p[0]}/${p[1]}")}", owned_by = "${sha512("c${p[0]}/${p[1]}")}${sha512("d${p[0]}/${p[1]}")}" } }
    tenants = {}
  }

  expect_failures = [aws_dynamodb_table_item.config]
}

run "splits_model_access_into_policies_iam_accepts" {
  command = plan

  variables {
    models  = { for i in range(300) : "m${i}" => { provider = "bedrock", model_id = "vendor.a-model-with-a-realistic-name-${i}-v1:0" } }
    tenants = {}
  }

  assert {
    condition     = length(aws_iam_policy.model_access) > 1 && alltrue([for p in aws_iam_policy.model_access : length(p.policy) <= 6144])
    error_message = "hundreds of models are granted in several managed policies, each within IAM's 6,144 characters"
  }
  assert {
    condition     = length(distinct(flatten([for p in aws_iam_policy.model_access : [for s in jsondecode(p.policy).Statement : s.Resource if s.Sid == "InvokeConfiguredModels"]]))) == 300
    error_message = "every model is granted, once"
  }
}

run "rejects_a_catalog_that_needs_more_policies_than_a_role_attaches" {
  command = plan

  variables {
    models  = { for i in range(1000) : "m${i}" => { provider = "bedrock", model_id = "vendor.${sha256("${i}")}${sha256("x${i}")}${sha256("y${i}")}" } }
    tenants = {}
  }

  expect_failures = [aws_iam_policy.model_access]
}

run "wires_the_transform_with_its_specs_endpoints_and_route" {
  command = apply

  variables {
    models = {
      "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
      "iris"           = { provider = "sagemaker", model_id = "Iris-Endpoint", kind = "prediction" }
    }
    transforms = {
      iris = {
        features = [
          { name = "sepal_length", minimum = 0, maximum = 30 },
          { name = "colour", type = "category", categories = { red = 0, blue = 1 }, unknown_category = -1 },
        ]
        output   = { labels = ["setosa", "versicolor", "virginica"], top_k = 2, decisions = [{ at_least = 0.9, decision = "accept" }], default_decision = "review" }
        variants = { weights = { blue = 9, green = 1 }, sticky = "tenant", targetable = { acme = ["green"] } }
      }
    }
    tenants = {
      acme = { tier = "premium", allowed_models = ["claude-3-haiku", "iris"], daily_token_budget = 100000 }
    }
  }

  assert {
    condition     = jsondecode(local.config_document).transforms.iris.features[1].categories == { red = 0, blue = 1 } && jsondecode(local.config_document).transforms.iris.input_format == "csv" && jsondecode(local.config_document).transforms.iris.max_instances == 100
    error_message = "The transform specs, with their defaults, must be in the configuration document."
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.transform.policy).Statement : s if s.Sid == "InvokeTransformEndpoints"][0].Resource == ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/iris-endpoint"] && [for s in jsondecode(aws_iam_role_policy.transform.policy).Statement : s if s.Sid == "InvokeTransformEndpoints"][0].Action == ["sagemaker:InvokeEndpoint"]
    error_message = "The transform may invoke exactly its specs' endpoints (lowercase ARNs)."
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.transform.policy).Statement : alltrue([for a in flatten([s.Action]) : !strcontains(a, "*")])])
    error_message = "The transform's role must grant no wildcard action."
  }
  assert {
    condition     = aws_lambda_function.transform.handler == "transform.handler.handler" && aws_lambda_function.transform.environment[0].variables.GATEWAY_CONFIG_VERSION == local.config_version && aws_lambda_function.transform.kms_key_arn != null
    error_message = "The transform must run its handler on the document the router runs on, its environment encrypted."
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.tenant["acme"].item).direct_models_transformModel.S == "iris" && jsondecode(aws_dynamodb_table_item.tenant["acme"].item).direct_models_model.S == ""
    error_message = "A tenant with a token budget keeps its transform aliases (no tokens) but not the direct routes."
  }
  assert {
    condition     = aws_api_gateway_method.post_v1_transform_transformmodel.request_models["application/json"] == "TransformRequest" && aws_api_gateway_integration.post_v1_transform_transformmodel.type == "AWS_PROXY"
    error_message = "The transform route must validate its body and proxy to the transform."
  }
}

run "rejects_bad_transform_specs" {
  command = plan

  variables {
    models = {
      "iris" = { provider = "sagemaker", model_id = "iris-endpoint", kind = "prediction" }
      "chat" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
    }
    tenants = { acme = { tier = "premium", allowed_models = ["iris"] } }
    transforms = {
      chat = { features = [{ name = "x" }], output = {} }
      iris = {
        input_format = "xml"
        features     = [{ name = "x", type = "float" }, { name = "x", mean = 1 }, { name = "c", type = "category" }]
        output       = { kind = "probabilities", labels = ["a", "b"], top_k = 3, decision_label = "z", masked_fields = ["secret"], decisions = [{ at_least = 0.5, decision = "deny" }] }
        variants     = { weights = { blue = 0 }, sticky = "session", targetable = { acme = ["red"] } }
      }
    }
  }

  expect_failures = [var.transforms]
}

run "publishes_the_chosen_prompts_and_labels_from_the_registry" {
  command = apply

  variables {
    routing = {
      aliases = { chat = { targets = [{ model = "claude-3-haiku" }] } }
    }
    prompt_registry_path = "fixtures/prompts"
    prompts = {
      summarize         = { labels = ["production", "experiment"] }
      "classify-ticket" = { labels = ["production"], model = "llama3-8b" }
    }
  }

  assert {
    condition     = keys(jsondecode(local.config_document).prompts) == ["classify-ticket", "summarize"] && keys(jsondecode(local.config_document).prompts.summarize.labels) == ["experiment", "production"]
    error_message = "Only the published prompts and labels may reach the configuration document."
  }
  assert {
    condition     = jsondecode(local.config_document).prompts.summarize.labels.experiment == { weights = { "1" = 50, "2" = 50 } } && jsondecode(local.config_document).prompts.summarize.labels.production == { version = 1 } && jsondecode(local.config_document).prompts.summarize.model == "chat"
    error_message = "A label keeps its version or its A/B weights, and a prompt its meta.yaml's model."
  }
  assert {
    condition     = keys(jsondecode(local.config_document).prompts.summarize.versions) == ["1", "2"] && [for m in jsondecode(local.config_document).prompts.summarize.versions["1"] : m.role] == ["system", "user"] && strcontains(jsondecode(local.config_document).prompts.summarize.versions["2"][1].content, "{{ document }}")
    error_message = "Every version's messages must reach the document as written (templates unrendered)."
  }
  assert {
    condition     = jsondecode(local.config_document).prompts["classify-ticket"].model == "llama3-8b" && jsondecode(local.config_document).prompts["classify-ticket"].versions["1"][0].role == "user" && jsondecode(local.config_document).prompts["classify-ticket"].variables.queues.type == "string_list"
    error_message = "A text version becomes one user message; the environment's model replaces the meta.yaml's."
  }
  assert {
    condition     = aws_api_gateway_method.post_v1_prompts_promptname.authorization == "CUSTOM" && aws_api_gateway_method.post_v1_prompts_promptname.request_validator_id != null
    error_message = "The prompt route must sit behind the authorizer and validate its body."
  }
}

run "guards_every_tenant_with_the_standard_policy_by_default" {
  command = apply

  assert {
    condition     = jsondecode(local.config_document).guardrails.default_policy == "standard" && jsondecode(local.config_document).guardrails.policies.standard.pii.restore == true && jsondecode(local.config_document).guardrails.policies.standard.injection.block_at == 0.6 && jsondecode(local.config_document).guardrails.policies.standard.on_error == "block"
    error_message = "By default every tenant's prompts are screened (personal data masked and restored, injection refused), failing closed."
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s if s.Sid == "ApplyGuardrails"][0].Resource == ["arn:aws:bedrock:us-east-1:123456789012:guardrail/none"]
    error_message = "Without a Bedrock step the router may apply no guardrail."
  }
}

run "scopes_apply_guardrail_to_the_guardrails_the_policies_name" {
  command = apply

  variables {
    guardrails = {
      policies = {
        strict = { bedrock = { guardrail_id = "gr0abc123", guardrail_version = "3" }, max_prompt_tokens = 8000 }
        other  = { bedrock = { guardrail_id = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr0def456", guardrail_version = "DRAFT" } }
      }
      tiers   = { free = "strict" }
      tenants = { acme = "other" }
    }
  }

  assert {
    condition     = toset([for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s if s.Sid == "ApplyGuardrails"][0].Resource) == toset(["arn:aws:bedrock:us-east-1:123456789012:guardrail/gr0abc123", "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr0def456"]) && [for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s if s.Sid == "ApplyGuardrails"][0].Action == ["bedrock:ApplyGuardrail"]
    error_message = "The router may apply exactly the guardrails its policies name."
  }
  assert {
    condition     = jsondecode(local.config_document).guardrails.tiers == { free = "strict" } && jsondecode(local.config_document).guardrails.policies.strict.max_prompt_tokens == 8000 && jsondecode(local.config_document).guardrails.default_policy == null
    error_message = "The policies and where they apply must reach the configuration document."
  }
}
