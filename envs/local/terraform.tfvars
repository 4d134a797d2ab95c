models = {
  "claude-3-haiku" = {
    provider = "bedrock"
    model_id = "anthropic.claude-3-haiku-20240307-v1:0"
    owned_by = "anthropic"
  }
  "llama3-8b" = {
    provider = "sagemaker"
    model_id = "llama3-8b-instruct"
    owned_by = "meta"
  }
}

tiers = {
  free = {
    throttle_rate_limit  = 2
    throttle_burst_limit = 4
    quota_limit          = 1000
    quota_period         = "DAY"
  }
  premium = {
    throttle_rate_limit  = 50
    throttle_burst_limit = 100
    quota_limit          = 1000000
  }
}

tenants = {
  acme = {
    tier                 = "premium"
    allowed_models       = ["claude-3-haiku", "llama3-8b"]
    monthly_token_budget = 5000000
  }
  initech = {
    tier           = "free"
    allowed_models = ["llama3-8b"]
  }
}
