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
    # Prompts from prompts/, on this unit's model; `experiment` is an A/B test of two versions.
    prompts = {
      summarize         = { labels = ["production", "staging", "experiment"], model = "claude-3-haiku" }
      "classify-ticket" = { labels = ["production"], model = "claude-3-haiku" }
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

# A custom model served by the payments unit (uncomment with your artifact; it bills while it runs):
# sagemaker_endpoints = {
#   fraud = {
#     business_unit = "payments"
#     kind          = "prediction"
#     format        = "tabular"
#     models = {
#       # A local model.tar.gz (as `make model` builds build/models/iris/); the module uploads it under its SHA-256.
#       v1 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_archive = "../../build/models/fraud/model.tar.gz", environment = { SAGEMAKER_PROGRAM = "inference.py", SAGEMAKER_SUBMIT_DIRECTORY = "/opt/ml/model/code" } }] }
#       v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://<bucket>/fraud/v2/model.tar.gz" }] }
#     }
#     variants = {
#       blue  = { model = "v1", weight = 90, instance_type = "ml.m5.large", autoscaling = { min_capacity = 1, max_capacity = 4, target_invocations_per_instance = 500 } }
#       green = { model = "v2", weight = 10, instance_type = "ml.m5.large" }
#     }
#     deployment = { traffic = "CANARY", canary_percent = 10, wait_interval_seconds = 600 }
#     transform = {
#       features = [{ name = "amount", minimum = 0 }, { name = "country", type = "category", categories = { US = 0, GB = 1 }, unknown_category = 2 }, { name = "new_customer", type = "boolean", default = "false" }]
#       output   = { kind = "score", decisions = [{ at_least = 0.9, decision = "deny" }, { at_least = 0.5, decision = "review" }], default_decision = "approve" }
#       sticky   = "user"
#     }
#   }
# }
