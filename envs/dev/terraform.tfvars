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
    tags = { cost_center = "payments-ml" }
  }
}
