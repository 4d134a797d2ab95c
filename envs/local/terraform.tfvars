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
    daily_token_budget   = 200000
    monthly_token_budget = 5000000
  }
  initech = {
    tier           = "free"
    allowed_models = ["llama3-8b"]
  }
}

# `chat` splits 90/10 between the two models and falls back to the other one.
routing = {
  aliases = {
    chat = {
      sticky    = "user"
      targets   = [{ model = "claude-3-haiku", weight = 90, arm = "A" }, { model = "llama3-8b", weight = 10, arm = "B" }]
      fallbacks = []
      # Code goes to Claude whatever the split (x-aigw-route: rule:code); `make route-explain` shows why.
      rules = [{ name = "code", when = { code = true }, target = "claude-3-haiku" }]
    }
    # The quicker of the two over the gateway's last minute (every container's figures, shared through the
    # budget table); one that fails half its calls is tried last.
    fast = {
      strategy         = "lowest_latency"
      targets          = [{ model = "claude-3-haiku" }, { model = "llama3-8b" }]
      drain_error_rate = 0.5
    }
  }
}

response_cache = {
  ttl_seconds = 300
}
