"""Inputs of the `ai_gateway` module, one file per concern, and the spec behind its Terraform and README."""

from __future__ import annotations

from modules_src.ai_gateway.outputs import OUTPUTS
from modules_src.ai_gateway.variables import (
    api,
    functions,
    guardrails,
    observability,
    prompts,
    router,
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
