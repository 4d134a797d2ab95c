output "stage_invoke_url" {
  description = "Base URL of the stage; the OpenAI-compatible API lives under `<url>/v1`."
  value       = module.gateway.stage_invoke_url
}

output "rest_api_id" {
  description = "ID of the REST API."
  value       = module.gateway.rest_api_id
}

output "router_function_name" {
  description = "Name of the router Lambda function."
  value       = module.gateway.router_function_name
}

output "tenant_api_keys" {
  description = "API key of each tenant, keyed by tenant id (read with `terraform output -json tenant_api_keys`)."
  value       = module.gateway.tenant_api_keys
  sensitive   = true
}

output "web_acl_arn" {
  description = "ARN of the web ACL protecting the stage."
  value       = module.waf.web_acl_arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic the alarms and the cost budget notify."
  value       = module.operations.alarm_topic_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the gateway."
  value       = module.operations.dashboard_name
}

output "router_log_group_name" {
  description = "Log group of the router's usage records (what `make report` reads)."
  value       = module.gateway.router_log_group_name
}

output "region" {
  description = "Region the environment runs in (where `make report` reads the router's records)."
  value       = var.region
}

output "cognito_token_url" {
  description = "OAuth2 token endpoint where tenants exchange their client credentials for access tokens."
  value       = module.gateway.cognito_token_url
}

output "cognito_client_secret_arns" {
  description = "Secrets Manager ARN of each tenant's client credentials; grant each tenant its own."
  value       = module.gateway.cognito_client_secret_arns
}

output "router_alias_arn" {
  description = "The router alias API Gateway calls (provisioned concurrency lives on it)."
  value       = module.gateway.router_alias_arn
}
