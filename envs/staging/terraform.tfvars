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

# Prompts from prompts/: staging serves the versions about to ship (`staging`) beside production's.
prompts = {
  summarize         = { labels = ["production", "staging"], model = "claude-3-haiku" }
  "classify-ticket" = { labels = ["production"], model = "claude-3-haiku" }
}
