output "stage_invoke_url" {
  description = "Base URL of the local stage (the emulator stores it but does not serve it)."
  value       = module.gateway.stage_invoke_url
}

output "rest_api_id" {
  description = "ID of the REST API in the emulator."
  value       = module.gateway.rest_api_id
}

output "stage_name" {
  description = "Name of the deployed stage."
  value       = module.gateway.stage_name
}

output "router_function_name" {
  description = "Name of the router Lambda function."
  value       = module.gateway.router_function_name
}

output "emulator_endpoint" {
  description = "Where the emulator answers AWS API calls."
  value       = var.emulator_endpoint
}

output "tenant_api_keys" {
  description = "API key of each tenant, keyed by tenant id (read with `terraform output -json tenant_api_keys`)."
  value       = module.gateway.tenant_api_keys
  sensitive   = true
}

output "config_version" {
  description = "Content address (SHA-256) of the configuration document the router runs on."
  value       = module.gateway.config_version
}

output "web_acl_arn" {
  description = "ARN of the web ACL associated with the local stage (stored by the emulator, not enforced)."
  value       = module.waf.web_acl_arn
}

output "alarm_topic_arn" {
  description = "ARN of the encrypted SNS topic the alarms notify (stored by the emulator, never published to)."
  value       = module.operations.alarm_topic_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the local gateway."
  value       = module.operations.dashboard_name
}

output "router_log_group_name" {
  description = "Log group of the router's usage records (what `make report ENV=local` reads)."
  value       = module.gateway.router_log_group_name
}

output "transform_function_name" {
  description = "Name of the transform Lambda (`POST /v1/transform/{model}`)."
  value       = module.gateway.transform_function_name
}

output "local_models" {
  description = "What the local stage serves as SageMaker: endpoint name -> the model archive and each variant's weight."
  value = {
    (module.iris.endpoint_name) = { archive = abspath(local.model_archive), variants = module.iris.variant_weights }
  }
}

output "local_provider_url" {
  description = "The OpenAI-compatible provider on 127.0.0.1 behind `local-echo` (null when none is set); the local stage's Converse stand-in answers the direct Bedrock route from it."
  value       = var.local_provider_url
}

output "iam_caller_role_arn" {
  description = "The role whose sessions may call the /iam routes (as tenant acme)."
  value       = aws_iam_role.local_caller.arn
}

output "cognito_user_pool_id" {
  description = "The Cognito pool of the gateway's machine clients (in the emulator)."
  value       = module.gateway.cognito_user_pool_id
}

output "cognito_client_ids" {
  description = "Each tenant's Cognito app client id."
  value       = module.gateway.cognito_client_ids
}

output "cognito_client_secret_arns" {
  description = "Secrets Manager ARN of each tenant's client credentials."
  value       = module.gateway.cognito_client_secret_arns
}
