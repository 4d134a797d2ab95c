# Unit level: the generated module against a mocked AWS provider (fully offline).
# Mocked computed values are random strings, which the provider's ARN checks
# reject, so every ARN the module passes on gets a valid-looking default.

mock_provider "aws" {
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/aigw-test-router" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router/invocations"
    }
  }
  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id               = "abc123"
      root_resource_id = "root0"
      execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123"
    }
  }
  mock_resource "aws_api_gateway_stage" {
    defaults = { invoke_url = "https://abc123.execute-api.us-east-1.amazonaws.com/test" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  name                = "aigw-test"
  stage_name          = "test"
  router_package_path = "fixtures/router.zip"
  models = {
    "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0", owned_by = "anthropic" }
    "llama3-8b"      = { provider = "sagemaker", model_id = "llama3-8b-instruct" }
  }
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
    condition     = aws_api_gateway_integration.get_v1_models.type == "AWS_PROXY" && aws_api_gateway_integration.get_v1_models.uri == aws_lambda_function.router.invoke_arn
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
    condition     = aws_cloudwatch_log_group.access.retention_in_days == 90 && aws_cloudwatch_log_group.router.retention_in_days == 90
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
    condition     = jsondecode(aws_lambda_function.router.environment[0].variables["GATEWAY_MODELS"])["claude-3-haiku"].model_id == "anthropic.claude-3-haiku-20240307-v1:0"
    error_message = "the router must receive the models configuration"
  }
  assert {
    condition     = aws_lambda_function.router.source_code_hash == filebase64sha256("fixtures/router.zip")
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

run "uses_a_given_key_and_can_turn_tracing_off" {
  command = apply

  variables {
    name                = "aigw-test-byok"
    kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    enable_xray_tracing = false
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
}

run "rejects_invalid_scalar_inputs" {
  command = plan

  variables {
    name                            = "AIGW_Bad"
    stage_name                      = "has space"
    router_package_path             = "router.tar.gz"
    router_runtime                  = "python2.7"
    router_architecture             = "sparc"
    router_memory_size_mb           = 64
    router_timeout_seconds          = 60
    router_log_level                = "TRACE"
    log_retention_in_days           = 0
    kms_key_arn                     = "alias/mine"
    kms_key_deletion_window_in_days = 3
  }

  expect_failures = [
    var.name,
    var.stage_name,
    var.router_package_path,
    var.router_runtime,
    var.router_architecture,
    var.router_memory_size_mb,
    var.router_timeout_seconds,
    var.router_log_level,
    var.log_retention_in_days,
    var.kms_key_arn,
    var.kms_key_deletion_window_in_days,
  ]
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
