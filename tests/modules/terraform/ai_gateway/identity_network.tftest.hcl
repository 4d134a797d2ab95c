# Unit level: enterprise identity (Cognito, IAM routes) and network (private API, VPC, provisioned
# concurrency), each off by default and on when asked, and refused when inconsistent.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "leaves_identity_and_network_options_off_by_default" {
  command = apply

  assert {
    condition     = length(aws_cognito_user_pool.this) == 0 && length(aws_cognito_user_pool_client.tenant) == 0 && length(aws_secretsmanager_secret.tenant) == 0 && length(aws_dynamodb_table_item.cognito_client) == 0
    error_message = "no Cognito pool, client or secret without cognito"
  }
  assert {
    condition     = length(aws_api_gateway_method.post_iam_v1_chat_completions) == 0 && length(aws_api_gateway_resource.iam) == 0 && length(aws_dynamodb_table_item.iam_principal) == 0
    error_message = "no /iam routes without enable_iam_routes"
  }
  assert {
    condition     = aws_api_gateway_rest_api.this.endpoint_configuration[0].types == tolist(["REGIONAL"]) && length(aws_api_gateway_rest_api_policy.this) == 0
    error_message = "a regional public API by default, without a resource policy"
  }
  assert {
    condition     = length(aws_security_group.functions) == 0 && length(aws_vpc_endpoint.this) == 0 && length(aws_vpc_endpoint.dynamodb) == 0 && length(aws_lambda_function.router.vpc_config) == 0 && length(aws_iam_role_policy.router_network) == 0
    error_message = "the functions stay outside any VPC by default"
  }
  assert {
    condition     = aws_lambda_function.router.publish && aws_lambda_alias.router.name == "live" && aws_lambda_alias.router.function_version == aws_lambda_function.router.version && length(aws_lambda_provisioned_concurrency_config.router) == 0
    error_message = "the router publishes versions behind its live alias, with no provisioned concurrency by default"
  }
  assert {
    condition     = aws_lambda_permission.post_v1_chat_completions.qualifier == "live" && aws_api_gateway_integration.post_v1_chat_completions.uri == aws_lambda_alias.router.invoke_arn
    error_message = "the router's integrations call the alias, so warm capacity is used"
  }
  assert {
    condition     = aws_lambda_function.authorizer.environment[0].variables["GATEWAY_COGNITO_RESOURCE_SERVER"] == "" && aws_lambda_function.authorizer.environment[0].variables["GATEWAY_JWT_ISSUER"] == ""
    error_message = "the authorizer takes API keys only by default"
  }
  assert {
    condition     = output.cognito_user_pool_id == null && output.cognito_client_secret_arns == {} && output.lambda_security_group_id == null && output.vpc_endpoint_ids == {}
    error_message = "the identity and network outputs are empty when off"
  }
}

run "gives_every_tenant_a_client_credentials_app_client_with_its_secret_kept" {
  command = apply

  variables {
    cognito = {
      domain_prefix = "aigw-test-machines"
      tenant_scopes = { initech = ["models.read"] }
    }
  }

  assert {
    condition     = aws_cognito_user_pool.this[0].admin_create_user_config[0].allow_admin_create_user_only && aws_cognito_user_pool_domain.this[0].domain == "aigw-test-machines"
    error_message = "a pool nobody signs up to, with its token endpoint's domain"
  }
  assert {
    condition     = aws_cognito_resource_server.this[0].identifier == "aigw-test" && sort([for s in aws_cognito_resource_server.this[0].scope : s.scope_name]) == tolist(["inference", "models.read"])
    error_message = "the resource server is named after the gateway and declares the contract's scopes"
  }
  assert {
    condition     = sort(keys(aws_cognito_user_pool_client.tenant)) == tolist(["acme", "hooli", "initech"])
    error_message = "one app client per tenant"
  }
  assert {
    condition     = alltrue([for c in aws_cognito_user_pool_client.tenant : c.generate_secret && c.allowed_oauth_flows == toset(["client_credentials"]) && c.allowed_oauth_flows_user_pool_client && c.explicit_auth_flows == toset(["ALLOW_REFRESH_TOKEN_AUTH"])])
    error_message = "machine clients: a secret and the client-credentials grant only"
  }
  assert {
    condition     = aws_cognito_user_pool_client.tenant["initech"].allowed_oauth_scopes == toset(["aigw-test/models.read"]) && aws_cognito_user_pool_client.tenant["acme"].allowed_oauth_scopes == toset(["aigw-test/inference", "aigw-test/models.read"])
    error_message = "tenant_scopes narrows a client; the others get every scope"
  }
  assert {
    condition     = aws_secretsmanager_secret.tenant["acme"].kms_key_id == aws_kms_key.this[0].arn && aws_secretsmanager_secret.tenant["acme"].name == "aigw-test/cognito/acme"
    error_message = "each client's credentials are a secret encrypted with the module's key"
  }
  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.tenant["initech"].secret_string).token_url == "https://aigw-test-machines.auth.us-east-1.amazoncognito.com/oauth2/token" && jsondecode(aws_secretsmanager_secret_version.tenant["initech"].secret_string).scope == "aigw-test/models.read"
    error_message = "the secret holds what a client needs to ask for a token"
  }
  assert {
    condition     = aws_lambda_function.authorizer.environment[0].variables["GATEWAY_JWT_ISSUER"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Gateway1" && aws_lambda_function.authorizer.environment[0].variables["GATEWAY_JWT_JWKS_URL"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Gateway1/.well-known/jwks.json" && aws_lambda_function.authorizer.environment[0].variables["GATEWAY_JWT_AUDIENCE"] == "" && aws_lambda_function.authorizer.environment[0].variables["GATEWAY_COGNITO_RESOURCE_SERVER"] == "aigw-test"
    error_message = "the authorizer trusts the pool's issuer and keys without retyping them"
  }
  assert {
    condition     = startswith(jsondecode(aws_dynamodb_table_item.cognito_client["acme"].item).pk.S, "client#") && jsondecode(aws_dynamodb_table_item.cognito_client["acme"].item).tenant_id.S == "acme"
    error_message = "a tenant item per client maps the token's client_id to its tenant"
  }
  assert {
    condition     = output.cognito_token_url == "https://aigw-test-machines.auth.us-east-1.amazoncognito.com/oauth2/token" && sort(keys(output.cognito_client_secret_arns)) == tolist(["acme", "hooli", "initech"])
    error_message = "the outputs name the token endpoint and each tenant's secret (never the secret itself)"
  }
}

run "fetches_the_pools_keys_from_an_emulator_when_told" {
  command = apply

  variables {
    cognito = { domain_prefix = "local-machines", endpoint_url = "http://127.0.0.1:5000/" }
  }

  assert {
    condition     = aws_lambda_function.authorizer.environment[0].variables["GATEWAY_JWT_JWKS_URL"] == "http://127.0.0.1:5000/us-east-1_Gateway1/.well-known/jwks.json"
    error_message = "endpoint_url replaces the public Cognito host for the keys only"
  }
}

run "caps_the_authorizer_cache_with_a_pool_too" {
  command = plan

  variables {
    authorizer_result_ttl_in_seconds = 600
    cognito                          = { domain_prefix = "aigw-test-machines" }
  }

  expect_failures = [aws_api_gateway_authorizer.this]
}

run "rejects_a_pool_beside_an_oidc_issuer_and_bad_pool_settings" {
  command = plan

  variables {
    jwt_issuer   = "https://idp.example/"
    jwt_audience = "ai-gateway"
    jwt_jwks_url = "https://idp.example/.well-known/jwks.json"
    cognito = {
      domain_prefix                    = "my-aws-pool"
      resource_server_identifier       = "has space"
      access_token_validity_in_minutes = 2
      endpoint_url                     = "http://example.com"
      tenant_scopes                    = { nobody = ["inference"], acme = [], initech = ["admin"] }
    }
  }

  expect_failures = [var.cognito]
}

run "serves_the_router_routes_to_signed_callers_mapped_to_tenants" {
  command = apply

  variables {
    enable_iam_routes = true
    iam_principals = {
      "arn:aws:iam::123456789012:role/platform/ci-runner" = "acme"
      "arn:aws:iam::123456789012:user/batch"              = "initech"
    }
  }

  assert {
    condition     = aws_api_gateway_method.post_iam_v1_chat_completions[0].authorization == "AWS_IAM" && !aws_api_gateway_method.post_iam_v1_chat_completions[0].api_key_required && aws_api_gateway_method.post_iam_v1_chat_completions[0].request_models["application/json"] == "ChatCompletionRequest"
    error_message = "the /iam twin is SigV4-authorized, keyless and validated like its original"
  }
  assert {
    condition     = length(aws_api_gateway_method.get_iam_v1_models) == 1 && length(aws_api_gateway_method.post_iam_v1_prompts_promptname) == 1 && length(aws_api_gateway_method.get_iam_v1_models_modelalias) == 1
    error_message = "every router route has a twin (the direct routes have none: they have no resource under /iam)"
  }
  assert {
    condition     = aws_api_gateway_integration.post_iam_v1_chat_completions[0].uri == aws_lambda_alias.router.invoke_arn && aws_lambda_permission.post_iam_v1_chat_completions[0].source_arn == "arn:aws:execute-api:us-east-1:123456789012:abc123/test/POST/iam/v1/chat/completions"
    error_message = "the twin calls the router's alias, which only that method may invoke"
  }
  assert {
    condition     = jsondecode(aws_dynamodb_table_item.iam_principal["arn:aws:iam::123456789012:role/platform/ci-runner"].item).pk.S == "principal#arn:aws:iam::123456789012:role/ci-runner" && jsondecode(aws_dynamodb_table_item.iam_principal["arn:aws:iam::123456789012:user/batch"].item).tenant_id.S == "initech"
    error_message = "each principal's item is keyed by its canonical ARN (no path) and holds its tenant"
  }
  assert {
    condition     = contains([for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s.Sid], "ReadPrincipalTenants") && one([for s in jsondecode(aws_iam_role_policy.router.policy).Statement : s.Condition if s.Sid == "ReadPrincipalTenants"])["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["principal#*"]
    error_message = "the router reads principal items only"
  }
}

run "rejects_iam_routes_without_principals" {
  command = plan

  variables {
    enable_iam_routes = true
  }

  expect_failures = [var.enable_iam_routes]
}

run "rejects_wildcard_unknown_and_duplicate_principals" {
  command = plan

  variables {
    iam_principals = {
      "arn:aws:iam::123456789012:role/*"            = "acme"
      "arn:aws:iam::123456789012:role/ci-runner"    = "nobody"
      "arn:aws:iam::123456789012:role/a/ci-runner"  = "acme"
      "arn:aws:sts::123456789012:assumed-role/x/y"  = "acme"
      "arn:aws:iam::123456789012:group/admins"      = "acme"
    }
  }

  expect_failures = [var.iam_principals]
}

run "serves_a_private_api_only_through_its_endpoints" {
  command = apply

  variables {
    endpoint_type                = "PRIVATE"
    private_api_vpc_endpoint_ids = ["vpce-0123456789abcdef0"]
  }

  assert {
    condition     = aws_api_gateway_rest_api.this.endpoint_configuration[0].types == tolist(["PRIVATE"]) && aws_api_gateway_rest_api.this.endpoint_configuration[0].vpc_endpoint_ids == toset(["vpce-0123456789abcdef0"])
    error_message = "a PRIVATE API bound to its endpoints"
  }
  assert {
    condition     = one([for s in jsondecode(aws_api_gateway_rest_api_policy.this[0].policy).Statement : s if s.Effect == "Deny"]).Condition.StringNotEquals["aws:SourceVpce"] == ["vpce-0123456789abcdef0"]
    error_message = "the resource policy denies every request not through the given endpoints"
  }
}

run "rejects_a_private_api_without_endpoints" {
  command = plan

  variables {
    endpoint_type = "PRIVATE"
  }

  expect_failures = [var.private_api_vpc_endpoint_ids]
}

run "rejects_endpoints_of_a_regional_api_and_bad_ids" {
  command = plan

  variables {
    private_api_vpc_endpoint_ids = ["vpce-0123456789abcdef0", "endpoint-1"]
  }

  expect_failures = [var.private_api_vpc_endpoint_ids]
}

run "places_the_functions_in_a_vpc_behind_scoped_endpoints" {
  command = apply

  variables {
    vpc = {
      vpc_id             = "vpc-0123456789abcdef0"
      subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
      route_table_ids    = ["rtb-0123456789abcdef0"]
      https_egress_cidrs = ["10.20.0.0/16"]
    }
  }

  assert {
    condition     = alltrue([for f in [aws_lambda_function.router, aws_lambda_function.authorizer, aws_lambda_function.transform] : f.vpc_config[0].subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]) && f.vpc_config[0].security_group_ids == toset([aws_security_group.functions[0].id])])
    error_message = "every function's interfaces live in the given subnets, behind the functions' group"
  }
  assert {
    condition     = length(aws_iam_role_policy.router_network) == 1 && length(aws_iam_role_policy.authorizer_network) == 1
    error_message = "the roles may manage their functions' network interfaces"
  }
  assert {
    condition     = sort(keys(aws_vpc_endpoint.this)) == tolist(["apigateway", "bedrock_runtime", "logs", "sagemaker_runtime", "secretsmanager"]) && aws_vpc_endpoint.this["sagemaker_runtime"].service_name == "com.amazonaws.us-east-1.sagemaker.runtime" && aws_vpc_endpoint.this["logs"].private_dns_enabled
    error_message = "an interface endpoint per service the functions call"
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.this : length(jsondecode(e.policy).Statement[0].Principal.AWS) == 3]) && jsondecode(aws_vpc_endpoint.this["secretsmanager"].policy).Statement[0].Action == ["secretsmanager:GetSecretValue"]
    error_message = "each endpoint admits the gateway's three roles, for what they do there"
  }
  assert {
    condition     = aws_vpc_endpoint.dynamodb[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.dynamodb[0].route_table_ids == toset(["rtb-0123456789abcdef0"]) && length(jsondecode(aws_vpc_endpoint.dynamodb[0].policy).Statement[0].Resource) == 4
    error_message = "a DynamoDB gateway endpoint for the gateway's four tables"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.functions_to_endpoints[0].from_port == 443 && aws_vpc_security_group_egress_rule.functions_to_endpoints[0].referenced_security_group_id == aws_security_group.endpoints[0].id && aws_vpc_security_group_egress_rule.functions_to_dynamodb[0].prefix_list_id == "pl-02cd2c6b" && aws_vpc_security_group_egress_rule.functions_to_cidrs["10.20.0.0/16"].to_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_from_functions[0].referenced_security_group_id == aws_security_group.functions[0].id
    error_message = "HTTPS only: functions to the endpoints, DynamoDB and the named CIDRs; endpoints from the functions"
  }
  assert {
    condition     = output.lambda_security_group_id == "sg-0123456789abcdef0" && contains(keys(output.vpc_endpoint_ids), "dynamodb")
    error_message = "the outputs name the functions' group and the endpoints"
  }
}

run "rejects_vpc_placement_without_subnets_or_route_tables" {
  command = plan

  variables {
    vpc = { vpc_id = "vpc-0123456789abcdef0", subnet_ids = [], https_egress_cidrs = ["not-a-cidr"] }
  }

  expect_failures = [var.vpc]
}

run "warms_the_router_alias_when_asked" {
  command = apply

  variables {
    router_provisioned_concurrency = 5
  }

  assert {
    condition     = aws_lambda_provisioned_concurrency_config.router[0].qualifier == "live" && aws_lambda_provisioned_concurrency_config.router[0].provisioned_concurrent_executions == 5
    error_message = "provisioned concurrency is configured on the alias the integrations call"
  }
}

run "rejects_a_fractional_or_negative_concurrency" {
  command = plan

  variables {
    router_provisioned_concurrency = 1.5
  }

  expect_failures = [var.router_provisioned_concurrency]
}
