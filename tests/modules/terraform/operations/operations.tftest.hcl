# Unit level: the generated operations module against a mocked AWS provider (fully offline): the mocks are
# tests/modules/terraform/mocks/.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name = "aigw-test"
  gateway = {
    rest_api_name     = "aigw-test"
    stage_name        = "test"
    metrics_namespace = "AiGateway"
    functions = {
      router     = { name = "aigw-test-router", timeout_seconds = 27 }
      authorizer = { name = "aigw-test-authorizer", timeout_seconds = 5 }
    }
    tables = { tenants = "aigw-test-tenants", budgets = "aigw-test-budgets", config = "aigw-test-config" }
    models = {
      haiku = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
      fast  = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0" }
      llama = { provider = "sagemaker", model_id = "llama3-8b-instruct" }
    }
    tenants = {
      acme   = { daily_token_budget = 100000, monthly_token_budget = null }
      globex = { daily_token_budget = null, monthly_token_budget = 5000000 }
    }
    access_log_group_name = "/aws/apigateway/aigw-test-test"
    router_log_group_name = "/aws/lambda/aigw-test-router"
  }
}

run "alarms_every_part_of_the_gateway_by_default" {
  command = apply

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == aws_kms_key.this[0].arn && aws_sns_topic.alarms.name == "aigw-test-alarms"
    error_message = "the alarm topic is encrypted with the module's key"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_sns_topic_policy.alarms.policy).Statement : s.Condition.StringEquals["aws:SourceAccount"] == "123456789012" if s.Sid == "AlarmsAndBudgetsOfThisAccountPublish"])
    error_message = "only this account's alarms and budgets publish"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.api_5xx_rate.namespace == "AWS/ApiGateway" && aws_cloudwatch_metric_alarm.api_5xx_rate.metric_name == "5XXError" && aws_cloudwatch_metric_alarm.api_5xx_rate.dimensions == tomap({ ApiName = "aigw-test", Stage = "test" }) && aws_cloudwatch_metric_alarm.api_5xx_rate.threshold == 0.02 && aws_cloudwatch_metric_alarm.api_5xx_rate.statistic == "Average"
    error_message = "the 5XX rate alarm reads the stage's 5XXError average"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.api_p99_latency.extended_statistic == "p99" && aws_cloudwatch_metric_alarm.api_p99_latency.threshold == 25000
    error_message = "latency is alarmed on its p99"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.lambda_errors) == ["authorizer", "router"] && aws_cloudwatch_metric_alarm.lambda_errors["router"].dimensions == tomap({ FunctionName = "aigw-test-router" })
    error_message = "one errors alarm per function, on its name"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.lambda_duration["router"].threshold == 21600 && aws_cloudwatch_metric_alarm.lambda_duration["authorizer"].threshold == 4000
    error_message = "duration alarms at 80% of each function's own timeout"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.dynamodb_system_errors) == 3 && length(aws_cloudwatch_metric_alarm.dynamodb_system_errors["budgets"].metric_query) == 7
    error_message = "system errors are summed over the operations the gateway calls, per table"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.model_error_rate) == ["fast", "haiku", "llama"] && keys(aws_cloudwatch_metric_alarm.bedrock_throttles) == ["anthropic.claude-3-haiku-20240307-v1:0"]
    error_message = "router alarms per catalog alias, Bedrock alarms per Bedrock model id (two aliases, one model)"
  }
  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.model_error_rate["haiku"].metric_query : q.metric[0].dimensions if q.id == "m0"]) == tomap({ model = "haiku", service = "router" }) && one([for q in aws_cloudwatch_metric_alarm.model_error_rate["haiku"].metric_query : q.expression if q.id == "e0"]) == "IF(m1 >= 20, m0 / m1, 0)"
    error_message = "a model's error rate is judged once it served min_model_requests, on the router's per-model dimensions"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.tenant_token_budget) == ["acme"] && aws_cloudwatch_metric_alarm.tenant_token_budget["acme"].threshold == 80000 && length(aws_cloudwatch_metric_alarm.tenant_daily_spend) == 0
    error_message = "only budgeted tenants get the token warning, at 80% of their daily budget; spend alarms only when asked"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.waf_blocked_requests) == 0 && length(aws_budgets_budget.monthly_cost) == 0 && length(aws_sns_topic_subscription.email) == 0
    error_message = "no WAF alarm without a web ACL, no budget without an amount, no subscriptions without addresses"
  }
  assert {
    condition     = aws_cloudwatch_log_metric_filter.stage_throttled.log_group_name == "/aws/apigateway/aigw-test-test" && aws_cloudwatch_log_metric_filter.stage_throttled.metric_transformation[0].namespace == "AiGateway/aigw-test" && aws_cloudwatch_metric_alarm.throttled_requests.namespace == "AiGateway/aigw-test" && aws_cloudwatch_metric_alarm.throttled_requests.metric_name == aws_cloudwatch_log_metric_filter.stage_throttled.metric_transformation[0].name
    error_message = "the 429 alarm reads the metric the access-log filter writes"
  }
  assert {
    condition     = length(output.query_definition_names) == 3 && contains(output.query_definition_names, "aigw-test/chargeback/by-tenant-model-day")
    error_message = "the chargeback queries are saved"
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) > 20 && output.alarm_names["model-error-rate/haiku"] == "aigw-test-model-error-rate-haiku"
    error_message = "the dashboard draws every alarm and the usage rows; alarm names are listed by key"
  }
}

run "watches_the_web_acl_budgets_and_spend_when_given" {
  command = apply

  variables {
    web_acl_name            = "aigw-test"
    monthly_cost_budget_usd = 5000
    tenant_daily_spend_usd  = { acme = 25 }
    alarm_models            = ["haiku"]
    alarm_email_addresses   = ["oncall@example.com"]
    alarm_thresholds        = { model_error_rate = 0.1 }
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.waf_blocked_requests[0].dimensions == tomap({ WebACL = "aigw-test", Region = "us-east-1", Rule = "ALL" })
    error_message = "the WAF alarm reads BlockedRequests of the web ACL, all rules"
  }
  assert {
    condition     = aws_budgets_budget.monthly_cost[0].limit_amount == "5000.00" && length(aws_budgets_budget.monthly_cost[0].notification) == 4 && alltrue([for n in aws_budgets_budget.monthly_cost[0].notification : n.subscriber_sns_topic_arns == toset([aws_sns_topic.alarms.arn])])
    error_message = "the cost budget notifies the topic at 80% and 100%, actual and forecast"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.tenant_daily_spend["acme"].threshold == 25 && aws_cloudwatch_metric_alarm.tenant_daily_spend["acme"].period == 86400 && aws_cloudwatch_metric_alarm.tenant_daily_spend["acme"].dimensions == tomap({ tenant = "acme", service = "router" }) && aws_cloudwatch_metric_alarm.tenant_daily_spend["acme"].metric_name == "EstimatedCostUSD"
    error_message = "spend is the router's EstimatedCostUSD of the UTC day, per tenant"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.model_error_rate) == ["haiku"] && aws_cloudwatch_metric_alarm.model_error_rate["haiku"].threshold == 0.1 && aws_cloudwatch_metric_alarm.api_5xx_rate.threshold == 0.02
    error_message = "only the chosen models are alarmed; one threshold changed, the others keep their defaults"
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1
    error_message = "each address is subscribed"
  }
}

run "refuses_thresholds_aws_would_refuse_or_that_never_fire" {
  command = plan

  variables {
    alarm_thresholds = { api_5xx_rate = 2, api_p99_latency_ms = 60000, lambda_errors = 0.5 }
  }

  expect_failures = [var.alarm_thresholds]
}

run "refuses_tenants_and_models_the_gateway_does_not_have" {
  command = plan

  variables {
    tenant_daily_spend_usd = { initech = 10 }
    alarm_models           = ["gpt-9"]
  }

  expect_failures = [var.tenant_daily_spend_usd, var.alarm_models]
}

run "refuses_budget_percentages_and_addresses_aws_refuses" {
  command = plan

  variables {
    monthly_cost_budget_usd       = 0
    cost_budget_alert_percentages = [0]
    alarm_email_addresses         = ["not an address"]
  }

  expect_failures = [var.monthly_cost_budget_usd, var.cost_budget_alert_percentages, var.alarm_email_addresses]
}
