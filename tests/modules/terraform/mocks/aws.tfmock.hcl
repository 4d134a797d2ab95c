# The AWS provider's mocks for every module's unit tests (mock_provider "aws" { source = "./tests/mocks" }).
# Mocked computed values are random strings, which the provider's ARN checks reject, so every ARN the
# module passes on gets a valid-looking default.

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001" }
}
mock_resource "aws_iam_policy" {
  defaults = { arn = "arn:aws:iam::123456789012:policy/aigw-test-model-access-0" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/aigw-test-mock" }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-aigw-test" }
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
mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:us-east-1:123456789012:aigw-test-alarms" }
}
mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::fraud-inference-123456789012" }
}
mock_resource "aws_sagemaker_endpoint" {
  defaults = { arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud" }
}
mock_resource "aws_wafv2_ip_set" {
  defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/aigw-test/11111111-2222-3333-4444-555555555555" }
}
mock_resource "aws_wafv2_web_acl" {
  defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/aigw-test/11111111-2222-3333-4444-666666666666" }
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
mock_resource "aws_lambda_alias" {
  defaults = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router:live"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router:live/invocations"
  }
}
mock_resource "aws_cognito_user_pool" {
  defaults = {
    id       = "us-east-1_Gateway1"
    arn      = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Gateway1"
    endpoint = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Gateway1"
  }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:aigw-test/cognito/acme-AbCdEf" }
}
mock_resource "aws_security_group" {
  defaults = { id = "sg-0123456789abcdef0" }
}
mock_resource "aws_vpc_endpoint" {
  defaults = { prefix_list_id = "pl-02cd2c6b" }
}
