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

# A custom model served by the payments unit (uncomment with your artifact; it bills while it runs):
# sagemaker_endpoints = {
#   fraud = {
#     business_unit = "payments"
#     kind          = "chat"
#     models = {
#       v1 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://<bucket>/fraud/v1/model.tar.gz" }] }
#       v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://<bucket>/fraud/v2/model.tar.gz" }] }
#     }
#     variants = {
#       blue  = { model = "v1", weight = 90, instance_type = "ml.m5.large", autoscaling = { min_capacity = 1, max_capacity = 4, target_invocations_per_instance = 500 } }
#       green = { model = "v2", weight = 10, instance_type = "ml.m5.large" }
#     }
#     deployment = { traffic = "CANARY", canary_percent = 10, wait_interval_seconds = 600 }
#   }
# }
