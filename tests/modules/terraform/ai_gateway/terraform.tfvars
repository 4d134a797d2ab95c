# The inputs every unit test of the ai_gateway modules starts from (a run's `variables` override them).
name                = "aigw-test"
stage_name          = "test"
lambda_packages_dir = "fixtures"
models = {
  "claude-3-haiku" = { provider = "bedrock", model_id = "anthropic.claude-3-haiku-20240307-v1:0", owned_by = "anthropic" }
  "llama3-8b"      = { provider = "sagemaker", model_id = "llama3-8b-instruct" }
}
tiers = {
  free    = { throttle_rate_limit = 2, throttle_burst_limit = 4, quota_limit = 1000, quota_period = "DAY" }
  premium = { throttle_rate_limit = 50, throttle_burst_limit = 100 }
}
tenants = {
  acme    = { tier = "premium", allowed_models = ["claude-3-haiku", "llama3-8b"], monthly_token_budget = 5000000 }
  initech = { tier = "free", allowed_models = ["llama3-8b"] }
  hooli   = { tier = "free", allowed_models = ["llama3-8b"], throttle_rate_limit = 5, throttle_burst_limit = 10, enabled = false }
}
