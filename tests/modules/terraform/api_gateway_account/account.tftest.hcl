mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/api-gateway-cloudwatch-logs" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

run "points_api_gateway_at_a_role_it_can_assume" {
  command = apply

  assert {
    condition     = aws_api_gateway_account.this.cloudwatch_role_arn == aws_iam_role.cloudwatch.arn
    error_message = "the account setting must use the module's role"
  }
  assert {
    condition     = jsondecode(aws_iam_role.cloudwatch.assume_role_policy).Statement[0].Principal.Service == "apigateway.amazonaws.com"
    error_message = "only API Gateway may assume the role"
  }
  assert {
    condition     = aws_iam_role_policy_attachment.cloudwatch.policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    error_message = "the role carries AWS's managed push-to-CloudWatch policy"
  }
  assert {
    condition     = output.cloudwatch_role_arn == aws_iam_role.cloudwatch.arn
    error_message = "the output exposes the role ARN"
  }
}

run "rejects_an_invalid_role_name" {
  command = plan

  variables {
    role_name = "has space"
  }

  expect_failures = [var.role_name]
}
