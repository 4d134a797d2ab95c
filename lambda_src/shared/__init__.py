"""Code every gateway Lambda shares: the error envelope and API Gateway proxy responses."""
