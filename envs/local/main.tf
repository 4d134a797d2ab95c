# The embedded local environment: real Terraform and the real AWS provider, pointed
# at a moto server on 127.0.0.1 that `make up` starts. Nothing here reaches AWS.

provider "aws" {
  region = var.region
  # The emulator accepts any credentials; these are not secrets.
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  # Keep false: with true, ARNs built by the provider get an empty account id.
  skip_requesting_account_id = false
  # The emulator answers unimplemented calls with 500, which the provider would retry for
  # minutes by default; a few retries still ride out the emulator dropping a kept-alive
  # connection ("use of closed network connection"), seen under load in CI.
  max_retries = 3

  endpoints {
    apigateway     = var.emulator_endpoint
    iam            = var.emulator_endpoint
    kms            = var.emulator_endpoint
    lambda         = var.emulator_endpoint
    logs           = var.emulator_endpoint
    sts            = var.emulator_endpoint
    dynamodb       = var.emulator_endpoint
    secretsmanager = var.emulator_endpoint
    wafv2          = var.emulator_endpoint
    sns            = var.emulator_endpoint
    cloudwatch     = var.emulator_endpoint
    s3             = var.emulator_endpoint
    sagemaker      = var.emulator_endpoint
    cognitoidp     = var.emulator_endpoint
  }
  # The emulator serves S3 on its own host name only when asked by path.
  s3_use_path_style = true

  default_tags {
    tags = {
      environment = "local"
      managed_by  = "terraform"
    }
  }
}

locals {
  lambda_packages_dir = coalesce(var.lambda_packages_dir, "${path.root}/../../build/dist")
  # With a local provider, the model `local-echo` serves from it and every tenant may use it:
  # the one chat model the emulator can answer end to end (it runs no Bedrock or SageMaker).
  local_provider = var.local_provider_url == null ? {} : {
    "local-echo" = {
      provider   = "openai_compatible"
      model_id   = var.local_provider_model
      owned_by   = "local"
      base_url   = var.local_provider_url
      secret_arn = aws_secretsmanager_secret.local_provider[0].arn
    }
  }
  # The iris model, served by the endpoint module below: a prediction model clients score through the
  # transform route (the local stage sends its calls to the local model server).
  iris = {
    iris = { provider = "sagemaker", model_id = module.iris.endpoint_name, kind = "prediction", owned_by = "local" }
  }
  models = merge(var.models, local.local_provider, local.iris)
  tenants = {
    for id, t in var.tenants : id => merge(t, { allowed_models = concat(t.allowed_models, keys(local.local_provider), keys(local.iris)) })
  }
  # The repository's prompts, every label; with a local provider they run on its model (the emulator
  # answers no Bedrock or SageMaker chat), else on the catalog's `chat` alias.
  prompts = {
    for name, labels in { summarize = ["production", "staging", "experiment"], "classify-ticket" = ["production"] } :
    name => { labels = labels, model = var.local_provider_url == null ? null : "local-echo" }
  }
  model_archive = coalesce(var.iris_model_archive, "${path.root}/../../build/models/iris/model.tar.gz")
  # The transform spec of the iris model: four measurements in cm, three species, a decision on how
  # sure the model is, and an A/B split over the endpoint's two variants, sticky per tenant.
  transforms = {
    iris = {
      input_format = "csv"
      features = [for name in ["sepal_length", "sepal_width", "petal_length", "petal_width"] :
        { name = name, type = "number", minimum = 0, maximum = 30 }
      ]
      max_instances = 100
      output = {
        kind             = "probabilities"
        labels           = ["setosa", "versicolor", "virginica"]
        top_k            = 2
        decisions        = [{ at_least = 0.9, decision = "accept" }, { at_least = 0.6, decision = "review" }]
        default_decision = "reject"
      }
      variants = {
        weights    = module.iris.variant_weights
        sticky     = "tenant"
        targetable = { acme = keys(module.iris.variant_weights) }
      }
    }
  }
}

# A real model (scikit-learn's iris data, `make model`) on a SageMaker endpoint with two variants. The
# emulator stores the archive, models, configuration and endpoint, but runs no container: the local
# stage's SageMaker runtime sends InvokeEndpoint to a local server running the archive's own inference
# script. What the emulator cannot store is turned off here: deployment guardrails (no DeploymentConfig,
# no UpdateEndpoint) and autoscaling targets.
module "iris" {
  source = "../../modules/sagemaker_endpoint"

  name = "aigw-local-iris"
  models = {
    v1 = {
      containers = [{
        image         = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
        model_archive = local.model_archive
        environment   = { SAGEMAKER_PROGRAM = "inference.py", SAGEMAKER_SUBMIT_DIRECTORY = "/opt/ml/model/code" }
      }]
    }
  }
  variants = {
    blue  = { model = "v1", weight = 1, instance_type = "ml.m5.large" }
    green = { model = "v1", weight = 1, instance_type = "ml.m5.large" }
  }
  deployment                      = { strategy = "none" }
  enable_autoscaling              = false
  alarm_topic_arn                 = module.operations.alarm_topic_arn
  kms_key_deletion_window_in_days = 7
}

# The local provider's key, in the emulator's Secrets Manager as it would be in AWS.
resource "aws_secretsmanager_secret" "local_provider" {
  count = var.local_provider_url == null ? 0 : 1

  name = "aigw-local/local-provider-key"
  # The emulator forgets everything on stop: no recovery window to wait out.
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "local_provider" {
  count = var.local_provider_url == null ? 0 : 1

  secret_id = aws_secretsmanager_secret.local_provider[0].id
  # A placeholder the local provider accepts; no real provider key ever lives in this root.
  secret_string = "local-provider-placeholder-key"
}

# An AWS workload's role that calls the gateway's /iam routes, with the caller policy the README shows.
data "aws_caller_identity" "current" {}

locals {
  # Built from the account (known at plan), not the role's own ARN: it is a key of iam_principals.
  iam_caller_arn = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/aigw-local-caller"
}

resource "aws_iam_role" "local_caller" {
  name = "aigw-local-caller"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      # Only the identity that applied this root (not every principal of the account) may assume it.
      Principal = { AWS = data.aws_caller_identity.current.arn }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "local_caller" {
  name = "invoke-ai-gateway"
  role = aws_iam_role.local_caller.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "execute-api:Invoke"
      Resource = "${module.gateway.rest_api_execution_arn}/${module.gateway.stage_name}/*/iam/v1/*"
    }]
  })
}

module "api_gateway_account" {
  source = "../../modules/api_gateway_account"

  role_name = "aigw-local-apigateway-logs"
}

module "gateway" {
  source = "../../modules/ai_gateway"

  name                  = "aigw-local"
  stage_name            = "local"
  models                = local.models
  lambda_packages_dir   = local.lambda_packages_dir
  log_retention_in_days = 7
  tiers                 = var.tiers
  tenants               = local.tenants
  routing               = var.routing
  response_cache        = var.response_cache
  transforms            = local.transforms
  prompt_registry_path  = "${path.root}/../../prompts"
  prompts               = local.prompts
  # Router containers share their live windows every 5 s (the `fast` alias routes on them).
  live_stats_share_seconds = 5
  # A short window and no deletion protection: local state is thrown away with the emulator.
  kms_key_deletion_window_in_days = 7
  enable_deletion_protection      = false
  # Emulator gaps: it stores per-route method settings under an escaped path (so every
  # re-plan would differ) and has no CloudWatch role for execution logs.
  enable_route_method_settings = false

  # Machine clients from a Cognito pool (initech's client is read-only): the emulator serves the pool's
  # keys on its own host, and issues tokens for its user-password flows (it has no OAuth2 token endpoint).
  cognito = {
    domain_prefix = "aigw-local-machines"
    endpoint_url  = var.emulator_endpoint
    tenant_scopes = { initech = ["models.read"] }
  }
  # SigV4 callers: the local caller role is acme's. The local stage asks the emulator who signed.
  enable_iam_routes = true
  iam_principals    = { (local.iam_caller_arn) = "acme" }

  depends_on = [module.api_gateway_account]
}

# The web ACL in front of the stage, as in the real environments: the emulator stores it, its
# IP sets, the stage association and the logging configuration, but filters no request (the
# local stage serves without WAF).
module "waf" {
  source = "../../modules/waf"

  name                            = "aigw-local"
  stage_arn                       = module.gateway.stage_arn
  log_retention_in_days           = 7
  kms_key_deletion_window_in_days = 7
}

# Alarms, log metric filters and the dashboard, as in the real environments: the emulator stores
# them (and the encrypted topic) but evaluates no alarm. Turned off here, because the emulator
# lacks them: the saved Logs Insights queries (no PutQueryDefinition; `make report` reads the
# router's records without them) and the AWS Budgets budget (billing data exists only in AWS).
module "operations" {
  source = "../../modules/operations"

  name                            = "aigw-local"
  gateway                         = module.gateway.monitoring
  web_acl_name                    = module.waf.web_acl_name
  alarm_models                    = var.alarm_models
  enable_query_definitions        = false
  monthly_cost_budget_usd         = null
  kms_key_deletion_window_in_days = 7
}
