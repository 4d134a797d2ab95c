output "stage_invoke_urls" {
  description = "Base URL of each business unit's stage, keyed by business unit."
  value       = { for unit, gateway in module.gateway : unit => gateway.stage_invoke_url }
}

output "rest_api_ids" {
  description = "REST API id of each business unit's gateway, keyed by business unit."
  value       = { for unit, gateway in module.gateway : unit => gateway.rest_api_id }
}

output "router_function_names" {
  description = "Router Lambda of each business unit's gateway, keyed by business unit."
  value       = { for unit, gateway in module.gateway : unit => gateway.router_function_name }
}

output "tenant_api_keys" {
  description = "API key of each tenant, keyed by business unit, then tenant id."
  value       = { for unit, gateway in module.gateway : unit => gateway.tenant_api_keys }
  sensitive   = true
}

output "web_acl_arns" {
  description = "ARN of the web ACL protecting each business unit's stage."
  value       = { for unit, waf in module.waf : unit => waf.web_acl_arn }
}

output "alarm_topic_arns" {
  description = "ARN of each business unit's alarm topic, keyed by business unit."
  value       = { for unit, ops in module.operations : unit => ops.alarm_topic_arn }
}

output "dashboard_names" {
  description = "Name of each business unit's CloudWatch dashboard, keyed by business unit."
  value       = { for unit, ops in module.operations : unit => ops.dashboard_name }
}

output "router_log_group_names" {
  description = "Log group of each business unit's router usage records (what `make report` reads)."
  value       = { for unit, gateway in module.gateway : unit => gateway.router_log_group_name }
}

output "region" {
  description = "Region the environment runs in (where `make report` reads the router's records)."
  value       = var.region
}

output "sagemaker_endpoints" {
  description = "Each custom model endpoint: its name, ARN and variant names, keyed as in sagemaker_endpoints."
  value = { for k, e in module.sagemaker_endpoint : k => {
    endpoint_name = e.endpoint_name
    endpoint_arn  = e.endpoint_arn
    variant_names = e.variant_names
  } }
}
