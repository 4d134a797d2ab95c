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
