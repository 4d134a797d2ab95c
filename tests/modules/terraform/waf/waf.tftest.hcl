# Unit level: the generated waf module against a mocked AWS provider (fully offline): the mocks are
# tests/modules/terraform/mocks/.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name      = "aigw-test"
  stage_arn = "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/test"
}

run "protects_the_stage_with_the_llm_profile_by_default" {
  command = apply

  variables {
    managed_rule_overrides = { common = { NoUserAgent_HEADER = "count" } }
    allow_ip_cidrs         = ["203.0.113.0/24"]
  }

  assert {
    condition     = aws_wafv2_web_acl_association.this.resource_arn == var.stage_arn && aws_wafv2_web_acl_association.this.web_acl_arn == aws_wafv2_web_acl.this.arn && aws_wafv2_web_acl.this.scope == "REGIONAL"
    error_message = "the regional web ACL protects the stage it is given"
  }
  assert {
    condition     = [for r in aws_wafv2_web_acl.this.rule : r.name if r.priority == 0] == ["AllowListedIps"] && length([for r in aws_wafv2_web_acl.this.rule : r if r.name == "DenyListedIps" || r.name == "BlockedCountries" || r.name == "AWSManagedRulesAnonymousIpList"]) == 0
    error_message = "only the lists and groups asked for exist: the allow list, no deny list, no geo block, no anonymous IP list"
  }
  assert {
    condition     = sort(flatten([for r in aws_wafv2_web_acl.this.rule : [for s in r.statement : [for m in s.managed_rule_group_statement : [for o in m.rule_action_override : o.name]]] if r.name == "AWSManagedRulesCommonRuleSet"])) == sort(["CrossSiteScripting_BODY", "EC2MetaDataSSRF_BODY", "GenericLFI_BODY", "GenericRFI_BODY", "NoUserAgent_HEADER", "SizeRestrictions_BODY"])
    error_message = "the LLM profile counts the core rule set's prompt-sensitive body rules, and the caller's override is added"
  }
  assert {
    condition     = length([for r in aws_wafv2_web_acl.this.rule : r if r.name == "BlockPromptRulesOffModelRoutes" && r.priority == 20 && try(length(r.action[0].block), 0) == 1]) == 1
    error_message = "the counted body rules still block off the model routes, right after the groups"
  }
  assert {
    condition     = one(flatten([for r in aws_wafv2_web_acl.this.rule : [for s in r.statement : [for a in s.and_statement : [for t in a.statement : [for n in t.not_statement : [for u in n.statement : [for x in u.regex_match_statement : x.regex_string]]]]]] if r.name == "BlockPromptRulesOffModelRoutes"])) == "^(/[^/]+)?/(v1/chat/completions|v1/responses|v1/embeddings|v1/prompts/[^/]+|v1/bedrock/[^/]+/converse|v1/predict/[^/]+|v1/transform/[^/]+)$"
    error_message = "the model routes are exactly the API's expensive routes, after an optional stage segment"
  }
  assert {
    condition     = sort(flatten([for r in aws_wafv2_web_acl.this.rule : [for s in r.statement : [for b in s.rate_based_statement : [for k in b.custom_key : [for h in k.header : h.name]]]]])) == tolist(["authorization", "x-api-key"]) && one([for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].aggregate_key_type if r.name == "RateLimitPerIp"]) == "IP"
    error_message = "rate limits apply per client IP and per credential header"
  }
  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : r.action[0].block[0].custom_response[0].response_code if r.name == "RateLimitPerIp"]) == 429 && jsondecode(one(aws_wafv2_web_acl.this.custom_response_body).content).error.code == "rate_limited"
    error_message = "a rate limit answers 429 with the gateway's JSON envelope"
  }
  assert {
    condition     = aws_wafv2_web_acl.this.association_config[0].request_body[0].api_gateway[0].default_size_inspection_limit == "KB_16"
    error_message = "API Gateway sends WAF the first 16 KB of a body by default"
  }
  assert {
    condition     = aws_cloudwatch_log_group.waf.name == "aws-waf-logs-aigw-test" && aws_cloudwatch_log_group.waf.kms_key_id == aws_kms_key.this[0].arn && aws_cloudwatch_log_group.waf.retention_in_days == 365
    error_message = "WAF logs go to an aws-waf-logs- group, KMS-encrypted, kept a year"
  }
  assert {
    condition     = sort([for f in aws_wafv2_web_acl_logging_configuration.this.redacted_fields : f.single_header[0].name]) == tolist(["authorization", "x-api-key"]) && length(aws_wafv2_web_acl_logging_configuration.this.logging_filter) == 0
    error_message = "credentials never reach the WAF logs; every request is logged by default"
  }
}

run "without_the_llm_profile_the_groups_block_everywhere" {
  command = plan

  variables {
    enable_llm_profile       = false
    enable_anonymous_ip_list = true
    deny_ip_cidrs            = ["198.51.100.7/32"]
    blocked_country_codes    = ["KP"]
    body_inspection_limit_kb = 64
    logging_filter           = "blocked"
  }

  assert {
    condition     = length([for r in aws_wafv2_web_acl.this.rule : r if r.name == "BlockPromptRulesOffModelRoutes"]) == 0 && length(flatten([for r in aws_wafv2_web_acl.this.rule : [for s in r.statement : [for m in s.managed_rule_group_statement : m.rule_action_override]]])) == 0
    error_message = "without the profile nothing is counted and no label rule is needed"
  }
  assert {
    condition     = length([for r in aws_wafv2_web_acl.this.rule : r if contains(["DenyListedIps", "BlockedCountries", "AWSManagedRulesAnonymousIpList"], r.name)]) == 3
    error_message = "the deny list, the geo block and the anonymous IP list exist when asked for"
  }
  assert {
    condition     = aws_wafv2_web_acl.this.association_config[0].request_body[0].api_gateway[0].default_size_inspection_limit == "KB_64" && one(aws_wafv2_web_acl_logging_configuration.this.logging_filter).default_behavior == "DROP"
    error_message = "the inspection limit and the logging filter follow their inputs"
  }
}

run "rejects_what_aws_would_refuse" {
  command = plan

  variables {
    name                      = "Bad_Name"
    stage_arn                 = "arn:aws:execute-api:us-east-1:123456789012:abc123/test"
    body_inspection_limit_kb  = 20
    oversize_handling         = "DROP"
    rate_limit_per_ip         = 5
    rate_limit_window_seconds = 90
    allow_ip_cidrs            = ["not-a-cidr"]
    blocked_country_codes     = ["Germany"]
    logging_filter            = "some"
    managed_rule_overrides    = { common = { NotARule = "count", SizeRestrictions_BODY = "ignore" }, nope = { x = "block" } }
  }

  expect_failures = [
    var.name,
    var.stage_arn,
    var.body_inspection_limit_kb,
    var.oversize_handling,
    var.rate_limit_per_ip,
    var.rate_limit_window_seconds,
    var.allow_ip_cidrs,
    var.blocked_country_codes,
    var.logging_filter,
    var.managed_rule_overrides,
  ]
}
