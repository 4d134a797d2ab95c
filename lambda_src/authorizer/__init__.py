"""The Lambda REQUEST authorizer: API keys and OIDC JWTs in, an IAM policy and tenant context out."""
