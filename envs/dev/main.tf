# dev: one gateway per business unit, from the same module (for_each).

provider "aws" {
  region              = var.region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      environment = "dev"
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

  role_name = "aigw-dev-apigateway-logs"
}

module "gateway" {
  source   = "../../modules/ai_gateway"
  for_each = var.business_units

  name       = "aigw-dev-${each.key}"
  stage_name = "dev"
  # dev keeps the module's defaults: a regional public API, the functions outside any VPC, API keys (no
  # Cognito pool, no /iam routes) and no provisioned concurrency. envs/prod shows the private setup.
  # The unit's own catalog, plus the custom endpoints it serves (names from the endpoint module, never retyped).
  models = merge(each.value.models, {
    for k, e in var.sagemaker_endpoints : k => {
      provider = "sagemaker"
      model_id = module.sagemaker_endpoint[k].endpoint_name
      kind     = e.kind
      format   = e.format
      owned_by = each.key
    } if e.business_unit == each.key
  })
  # Transform specs of the unit's endpoints that have one, with the endpoint module's variant weights.
  transforms = {
    for k, e in var.sagemaker_endpoints : k => {
      input_format  = e.transform.input_format
      max_instances = e.transform.max_instances
      features      = e.transform.features
      output        = e.transform.output
      variants = {
        weights    = module.sagemaker_endpoint[k].variant_weights
        sticky     = e.transform.sticky
        targetable = e.transform.targetable
      }
    } if e.business_unit == each.key && e.transform != null
  }
  tiers                 = var.tiers
  tenants               = each.value.tenants
  routing               = each.value.routing
  response_cache        = each.value.response_cache
  prompt_registry_path  = "${path.root}/../../prompts"
  prompts               = each.value.prompts
  lambda_packages_dir   = local.lambda_packages_dir
  log_retention_in_days = var.log_retention_in_days
  tags                  = merge(each.value.tags, { business_unit = each.key })

  depends_on = [module.api_gateway_account]
}

# A web ACL in front of each business unit's stage, with the module's defaults.
module "waf" {
  source   = "../../modules/waf"
  for_each = var.business_units

  name      = "aigw-dev-${each.key}"
  stage_arn = module.gateway[each.key].stage_arn
  tags      = merge(each.value.tags, { business_unit = each.key })
}

# Alarms, dashboard and chargeback queries per business unit. AWS Budgets counts the whole
# account, so the one cost budget of this account sits with the first business unit.
module "operations" {
  source   = "../../modules/operations"
  for_each = var.business_units

  name                    = "aigw-dev-${each.key}"
  gateway                 = module.gateway[each.key].monitoring
  web_acl_name            = module.waf[each.key].web_acl_name
  alarm_email_addresses   = var.alarm_email_addresses
  monthly_cost_budget_usd = each.key == sort(keys(var.business_units))[0] ? var.monthly_cost_budget_usd : null
  tags                    = merge(each.value.tags, { business_unit = each.key })
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# Custom models: one SageMaker endpoint per entry (A/B variants, blue/green with rollback alarms).
module "sagemaker_endpoint" {
  source   = "../../modules/sagemaker_endpoint"
  for_each = var.sagemaker_endpoints

  name         = "aigw-dev-${each.key}"
  models       = each.value.models
  variants     = each.value.variants
  deployment   = each.value.deployment
  data_capture = each.value.data_capture
  # The variants' alarms notify the unit's operations topic too. Its ARN is built from the topic's name
  # (`<name>-alarms`, the operations module's): `module.operations[<unit>]` with a key known only per
  # entry would make this module wait on all of operations, which waits on the gateway, which waits on
  # this endpoint's name: a cycle.
  alarm_topic_arn = "arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:aigw-dev-${each.value.business_unit}-alarms"
  tags            = merge(var.business_units[each.value.business_unit].tags, { business_unit = each.value.business_unit })
}
