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

# The network the platform team runs the gateway in: replace these with your VPC's ids. Clients reach the
# private API only through the execute-api endpoint; the functions' subnets reach Cognito's keys through a NAT.
network = {
  vpc_id                       = "vpc-0a1b2c3d4e5f60718"
  subnet_ids                   = ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
  route_table_ids              = ["rtb-0a1b2c3d4e5f60718"]
  execute_api_vpc_endpoint_ids = ["vpce-0a1b2c3d4e5f60718"]
  https_egress_cidrs           = ["0.0.0.0/0"]
}
cognito_domain_prefix = "example-corp-ai-gateway"
cognito_tenant_scopes = { platform-smoke-tests = ["models.read"] }
