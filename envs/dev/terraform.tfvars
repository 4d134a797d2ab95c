region = "us-east-1"

business_units = {
  retail = {
    models = {
      "claude-3-haiku" = {
        provider = "bedrock"
        model_id = "anthropic.claude-3-haiku-20240307-v1:0"
        owned_by = "anthropic"
      }
    }
    tenants = {
      storefront = {
        tier                 = "standard"
        allowed_models       = ["claude-3-haiku"]
        monthly_token_budget = 20000000
      }
      recommendations = {
        tier                 = "premium"
        allowed_models       = ["claude-3-haiku"]
        throttle_rate_limit  = 200
        throttle_burst_limit = 400
      }
    }
  }
  payments = {
    models = {
      "claude-3-5-sonnet" = {
        provider = "bedrock"
        model_id = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
        owned_by = "anthropic"
      }
      "fraud-scorer" = {
        provider = "sagemaker"
        model_id = "payments-fraud-scorer"
        owned_by = "payments"
      }
    }
    tenants = {
      fraud-analytics = {
        tier           = "premium"
        allowed_models = ["claude-3-5-sonnet", "fraud-scorer"]
      }
    }
    tags = { cost_center = "payments-ml" }
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
