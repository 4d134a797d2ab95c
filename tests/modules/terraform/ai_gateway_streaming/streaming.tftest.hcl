# ai_gateway_streaming at the unit level, on a copy without response_transfer_mode (provider 6.25+ only;
# tests/modules/test_synth.py checks that argument in the generated JSON). The rest as gateway.tftest.hcl.

mock_provider "aws" {
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001" }
  }
  mock_resource "aws_iam_policy" {
    defaults = { arn = "arn:aws:iam::123456789012:policy/aigw-test-model-access-0" }
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
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/aigw-test-tenants" }
  }
  mock_resource "aws_api_gateway_api_key" {
    defaults = { arn = "arn:aws:apigateway:us-east-1::/apikeys/key123" }
  }
  mock_resource "aws_api_gateway_usage_plan" {
    defaults = { arn = "arn:aws:apigateway:us-east-1::/usageplans/plan123" }
  }
  mock_resource "aws_api_gateway_domain_name" {
    defaults = { arn = "arn:aws:apigateway:us-east-1::/domainnames/ai.example.com" }
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
  lambda_packages_dir = "fixtures"
  models = {
    "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0", owned_by = "anthropic" }
    "llama3-8b"      = { provider = "sagemaker", model_id = "llama3-8b-instruct" }
  }
  tiers = {
    free    = { throttle_rate_limit = 2, throttle_burst_limit = 4, quota_limit = 1000, quota_period = "DAY" }
    premium = { throttle_rate_limit = 50, throttle_burst_limit = 100 }
  }
  tenants = {
    acme    = { tier = "premium", allowed_models = ["claude-3-haiku", "llama3-8b"], monthly_token_budget = 5000000 }
    initech = { tier = "free", allowed_models = ["llama3-8b"] }
    hooli   = { tier = "free", allowed_models = ["llama3-8b"], throttle_rate_limit = 5, throttle_burst_limit = 10, enabled = false }
  }
}

run "streams_the_router_routes_by_default" {
  command = apply

  assert {
    condition     = aws_api_gateway_integration.post_v1_chat_completions.uri == "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router/response-streaming-invocations"
    error_message = "a streaming route calls InvokeWithResponseStream (its 2021-11-15 URI)"
  }
  assert {
    condition     = alltrue([for i in [aws_api_gateway_integration.get_v1_models, aws_api_gateway_integration.post_v1_responses, aws_api_gateway_integration.post_v1_embeddings, aws_api_gateway_integration.post_v1_prompts_promptname] : endswith(i.uri, "/response-streaming-invocations")])
    error_message = "every router route streams: the streaming runtime answers each invocation with a prelude"
  }
  assert {
    condition     = aws_api_gateway_integration.post_v1_transform_transformmodel.uri == aws_lambda_function.transform.invoke_arn
    error_message = "the transform function answers whole"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/shared/stream_bootstrap" && aws_lambda_function.router.environment[0].variables["GATEWAY_RESPONSE_STREAMING"] == "true"
    error_message = "the router starts through its exec wrapper, told to stream"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.transform.environment[0].variables), "AWS_LAMBDA_EXEC_WRAPPER")
    error_message = "only the router has the streaming runtime"
  }
}

run "answers_whole_with_streaming_off" {
  command = apply

  variables {
    response_streaming  = false
    enable_models_cache = true
  }

  assert {
    condition     = aws_api_gateway_integration.post_v1_chat_completions.uri == aws_lambda_function.router.invoke_arn
    error_message = "without streaming a route calls Invoke"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_RESPONSE_STREAMING"] == "false"
    error_message = "the exec wrapper starts the managed runtime when streaming is off"
  }
}

run "refuses_the_models_cache_with_streaming" {
  command = plan

  variables {
    enable_models_cache = true
  }

  expect_failures = [var.response_streaming]
}
