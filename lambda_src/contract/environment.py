"""Environment variable names of the gateway's functions (the module writes them, the Lambdas read them)."""

from __future__ import annotations

# Every function: powertools reads these.
SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"

# The router. Its catalog, routing and cache settings live in the configuration document;
# the environment names the document's table and exact version (its content address).
CONFIG_TABLE = "GATEWAY_CONFIG_TABLE"
CONFIG_VERSION = "GATEWAY_CONFIG_VERSION"
BUDGET_TABLE = "GATEWAY_BUDGET_TABLE"
CACHE_TABLE = "GATEWAY_CACHE_TABLE"
LOG_PROMPTS = "GATEWAY_LOG_PROMPTS"
DEADLINE_SECONDS = "GATEWAY_DEADLINE_SECONDS"
METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
# How often (seconds; 0 or unset: never) the router's containers merge their live windows through the budget table.
LIVE_STATS_SHARE_SECONDS = "GATEWAY_LIVE_STATS_SHARE_SECONDS"

# The router with response streaming (modules/ai_gateway_streaming): Lambda starts the function through
# the wrapper script the router's zip carries, which runs the gateway's own runtime loop
# (shared/stream_runtime.py) when streaming is on and the managed runtime otherwise.
EXEC_WRAPPER = "AWS_LAMBDA_EXEC_WRAPPER"
RESPONSE_STREAMING = "GATEWAY_RESPONSE_STREAMING"
# The script in the router's zip, and where a deployed function has it (Lambda unpacks a zip into /var/task).
STREAM_BOOTSTRAP = "shared/stream_bootstrap"
STREAM_BOOTSTRAP_PATH = f"/var/task/{STREAM_BOOTSTRAP}"

# The authorizer.
TENANT_TABLE = "GATEWAY_TENANT_TABLE"
ROUTES = "GATEWAY_ROUTES"
TENANT_CACHE_TTL_SECONDS = "GATEWAY_TENANT_CACHE_TTL_SECONDS"
JWT_ISSUER = "GATEWAY_JWT_ISSUER"
JWT_AUDIENCE = "GATEWAY_JWT_AUDIENCE"
JWT_JWKS_URL = "GATEWAY_JWT_JWKS_URL"
JWT_TENANT_CLAIM = "GATEWAY_JWT_TENANT_CLAIM"
JWKS_TTL_SECONDS = "GATEWAY_JWKS_TTL_SECONDS"
# With a Cognito pool: the resource server whose scopes its access tokens carry (tenants by app client).
COGNITO_RESOURCE_SERVER = "GATEWAY_COGNITO_RESOURCE_SERVER"

ROUTER = (
    CONFIG_TABLE,
    CONFIG_VERSION,
    BUDGET_TABLE,
    CACHE_TABLE,
    LOG_PROMPTS,
    DEADLINE_SECONDS,
    METRICS_NAMESPACE,
    LIVE_STATS_SHARE_SECONDS,
    TENANT_TABLE,  # the /iam routes' principal items
)
AUTHORIZER = (
    TENANT_TABLE,
    ROUTES,
    TENANT_CACHE_TTL_SECONDS,
    JWT_ISSUER,
    JWT_AUDIENCE,
    JWT_JWKS_URL,
    JWT_TENANT_CLAIM,
    JWKS_TTL_SECONDS,
    COGNITO_RESOURCE_SERVER,
)
# API Gateway gives an integration 29 s: the router's deadline and the Lambda timeout stay inside it.
MAX_DEADLINE_SECONDS = 29
