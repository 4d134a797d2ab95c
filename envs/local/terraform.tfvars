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
