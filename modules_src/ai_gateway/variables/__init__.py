"""Inputs of the `ai_gateway` module, one file per concern, and the spec behind its Terraform and README."""

from __future__ import annotations

from modules_src.ai_gateway.outputs import OUTPUTS
from modules_src.ai_gateway.variables import (
    api,
    functions,
    guardrails,
    identity,
    network,
    observability,
    prompts,
    router,
    streaming,
    tenants,
    transforms,
)
from modules_src.common.spec import ModuleSpec

SPEC = ModuleSpec(
    name="ai_gateway",
    purpose=(
        "An AI gateway stage on API Gateway (REST, regional): an OpenAI-compatible API served by a router "
        "Lambda, with JSON access logs, X-Ray tracing and KMS encryption of everything it stores. "
        "Every route sits behind a Lambda REQUEST authorizer (API keys and optional OIDC JWTs) with usage "
        "plans per tier and per-tenant keys; API Gateway's own errors share the gateway's JSON error envelope. "
        "The router serves `POST /v1/chat/completions`, `POST /v1/embeddings` and `GET /v1/models` over "
        "Bedrock, SageMaker and OpenAI-compatible providers, with weighted and cost-aware routing, retries, "
        "circuit breakers and fallbacks, token budgets per tenant, an optional response cache and usage "
        "metrics per tenant; `/v1/bedrock/{modelId}/converse` and `/v1/predict/{model}` call Bedrock and "
        "SageMaker straight from API Gateway; `/v1/transform/{transformModel}` scores named features with a custom "
        "model through a transform Lambda (checked and shaped input, labels, scores and decisions out, A/B "
        "variant targeting). The catalog, routing and cache settings reach the router as one "
        "KMS-encrypted, content-addressed configuration document in DynamoDB."
    ),
    variables=(
        api.VARIABLES
        + tenants.VARIABLES
        + identity.VARIABLES
        + network.VARIABLES
        + router.VARIABLES
        + transforms.VARIABLES
        + prompts.VARIABLES
        + guardrails.VARIABLES
        + functions.VARIABLES
        + observability.VARIABLES
    ),
    outputs=OUTPUTS,
    notes=(
        "Stage access logging needs the account-level CloudWatch role of API Gateway, once per account "
        "and region: call the `api_gateway_account` module from the environment root, not from here.",
        "A change to any route or integration creates a new deployment (its trigger hashes the route "
        "model), and the stage moves to it.",
        "A change to `models`, `routing`, `response_cache` or `transforms` writes a new configuration item "
        "(keyed by the document's SHA-256) before the functions' environment names it, then deletes the old "
        "one: running containers keep the document they read, new ones read the new one, and none mixes two.",
        "The router and API Gateway's service role may invoke exactly the configured Bedrock models and "
        "SageMaker endpoints, granted in managed policies that each stay within IAM's 6,144 characters "
        "(`aws_iam_policy.model_access`); a catalog that would need more than the 10 a role attaches by "
        "default fails at plan. API Gateway's service role trusts API Gateway acting for this REST API "
        "only (`aws:SourceArn`).",
        "Token budgets are upper bounds on the router's routes; the direct routes (`/v1/bedrock/...`, "
        "`/v1/predict/...`) call models without the router, so they are closed to every tenant with a "
        "`daily_token_budget` or `monthly_token_budget` (no such resource in its authorizer policy) and, "
        "for the others, list only the tenant's aliases of that route's provider. The transform route spends "
        "no tokens and is open to every tenant for the aliases of its `allowed_models` that have a transform.",
    ),
)

STREAMING_SPEC = ModuleSpec(
    name="ai_gateway_streaming",
    purpose=(
        "The `ai_gateway` module with response streaming, for AWS provider 6.25 and later: the same inputs, "
        "outputs and resource addresses, plus `response_streaming` (default `true`), which puts the router's "
        "routes in API Gateway's STREAM transfer mode so that `stream: true` chat completions reach the client "
        "token by token. " + SPEC.purpose
    ),
    variables=SPEC.variables + streaming.VARIABLES,
    outputs=SPEC.outputs,
    notes=(
        "Switching a root from `modules/ai_gateway` to `modules/ai_gateway_streaming` (same module name) "
        "changes the router's integrations in place and redeploys the stage: every address is the same. "
        "The root needs AWS provider 6.25 or later (`response_transfer_mode`).",
        "With `response_streaming` on, the router's routes are STREAM integrations calling "
        "`InvokeWithResponseStream` (allowed by the same `lambda:InvokeFunction` permission), and the router "
        "starts through its exec wrapper (`AWS_LAMBDA_EXEC_WRAPPER`, `shared/stream_bootstrap` in its zip), "
        "which runs the gateway's runtime loop in Lambda's streaming response mode. Every router answer, "
        "streamed or not, then carries API Gateway's prelude (status and headers, 8 NUL bytes, the body).",
        "API Gateway neither caches nor transforms STREAM integrations: `enable_models_cache` must be off. "
        "A stream still ends within `router_timeout_seconds` (API Gateway would allow 15 minutes).",
        *SPEC.notes,
    ),
)
