region = "us-east-1"

models = {
  "claude-3-haiku" = {
    provider = "bedrock"
    model_id = "anthropic.claude-3-haiku-20240307-v1:0"
    owned_by = "anthropic"
  }
  "claude-3-5-sonnet" = {
    provider = "bedrock"
    model_id = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    owned_by = "anthropic"
  }
}
log_retention_in_days = 365

tiers = {
  standard = {
    throttle_rate_limit  = 10
    throttle_burst_limit = 20
    quota_limit          = 200000
  }
  premium = {
    throttle_rate_limit  = 100
    throttle_burst_limit = 200
    quota_limit          = 5000000
  }
}

tenants = {
  platform-smoke-tests = {
    tier           = "standard"
    allowed_models = ["claude-3-haiku"]
  }
}

# Prompts from prompts/: production serves the `production` label only (moving it is an edit of the
# prompt's meta.yaml and a plan and apply).
prompts = {
  summarize         = { labels = ["production"], model = "claude-3-haiku" }
  "classify-ticket" = { labels = ["production"], model = "claude-3-haiku" }
}
