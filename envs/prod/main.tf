# prod: the shared gateway of this environment.

provider "aws" {
  region              = var.region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      environment = "prod"
      managed_by  = "terraform"
      project     = "ai-gateway"
    }
  }
}

locals {
  lambda_packages_dir = coalesce(var.lambda_packages_dir, "${path.root}/../../build/dist")
}

module "api_gateway_account" {
  source = "../../modules/api_gateway_account"
  count  = var.manage_api_gateway_account ? 1 : 0

  role_name = "aigw-prod-apigateway-logs"
}

module "gateway" {
  source = "../../modules/ai_gateway"

  name                  = "aigw-prod"
  stage_name            = "prod"
  models                = var.models
  tiers                 = var.tiers
  tenants               = var.tenants
  routing               = var.routing
  response_cache        = var.response_cache
  prompt_registry_path  = "${path.root}/../../prompts"
  prompts               = var.prompts
  lambda_packages_dir   = local.lambda_packages_dir
  log_retention_in_days = var.log_retention_in_days

  # Internal AI service: served only through the network's execute-api endpoints, the functions in its
  # private subnets behind endpoints scoped to the gateway, machine clients from a Cognito pool, AWS
  # workloads by SigV4, and warm router capacity.
  endpoint_type                = "PRIVATE"
  private_api_vpc_endpoint_ids = var.network.execute_api_vpc_endpoint_ids
  vpc = {
    vpc_id             = var.network.vpc_id
    subnet_ids         = var.network.subnet_ids
    route_table_ids    = var.network.route_table_ids
    https_egress_cidrs = var.network.https_egress_cidrs
  }
  cognito = {
    domain_prefix = var.cognito_domain_prefix
    tenant_scopes = var.cognito_tenant_scopes
  }
  enable_iam_routes              = length(var.iam_principals) > 0
  iam_principals                 = var.iam_principals
  router_provisioned_concurrency = var.router_provisioned_concurrency
  # Many warm containers: each routes on the gateway's live figures, not only its own share of traffic.
  live_stats_share_seconds = 10

  depends_on = [module.api_gateway_account]
}

# The web ACL in front of the stage: the module's defaults (LLM profile on, managed rules,
# rate limits per IP and credential, logs kept a year, encrypted, credentials redacted).
module "waf" {
  source = "../../modules/waf"

  name      = "aigw-prod"
  stage_arn = module.gateway.stage_arn
}

# Alarms on every part of the gateway to an encrypted topic, the dashboard, the chargeback
# queries, and the account's cost budget (the backstop behind the router's token budgets).
module "operations" {
  source = "../../modules/operations"

  name                    = "aigw-prod"
  gateway                 = module.gateway.monitoring
  web_acl_name            = module.waf.web_acl_name
  alarm_email_addresses   = var.alarm_email_addresses
  monthly_cost_budget_usd = var.monthly_cost_budget_usd
}
