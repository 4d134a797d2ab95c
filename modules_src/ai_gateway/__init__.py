"""The `ai_gateway` module: REST API, stage, access logs, tracing and the router Lambda."""
