"""The `api_gateway_account` module: API Gateway's account-level CloudWatch Logs role."""
