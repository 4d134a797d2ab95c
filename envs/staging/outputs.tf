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
