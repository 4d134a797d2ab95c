"""What a provisioned router environment prepares during its init, so that its first request does not.

Lambda runs a provisioned-concurrency environment's init before any request reaches it (its
`AWS_LAMBDA_INITIALIZATION_TYPE` is `provisioned-concurrency`), so nothing done there is on a
request's path. An on-demand start keeps these steps lazy (the handler's cold-start budget); a
provisioned one does them up front: it imports the request path's modules, makes each catalog
model's adapter, and loads boto3 with the models of the AWS services the catalog calls (making a
client sends no request).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from shared.aws import aws_client

if TYPE_CHECKING:
    from router.pipeline.serving import ModelService
    from router.settings import Settings

INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"
PROVISIONED = "provisioned-concurrency"
# What the first request imports lazily beyond the model service (tests/lambda/handlers/test_router_warm_up.py
# runs a first request after this warm-up and fails on any gateway module it still imports).
REQUEST_MODULES = (
    "router.api.parse",
    "router.api.images",
    "router.api.responses",
    "router.api.responses_stream",
    "router.tokens",
    "router.guardrails.checks",
    "router.guardrails.usage",
    "router.guardrails.bedrock_guardrails",
    "shared.json_body",
)
# The AWS service each provider's adapter calls (an OpenAI-compatible provider's key is in Secrets Manager).
PROVIDER_SERVICES = {
    "bedrock": "bedrock-runtime",
    "sagemaker": "sagemaker-runtime",
    "openai_compatible": "secretsmanager",
}


def provisioned(environ: Mapping[str, str]) -> bool:
    """Whether this init is a provisioned-concurrency environment's, ahead of any request."""
    return environ.get(INITIALIZATION_TYPE) == PROVISIONED


def warm_up(settings: Settings, service: ModelService, client: Callable[[str], Any] = aws_client) -> tuple[str, ...]:
    """Import, build and load what the first request would; returns the AWS services whose clients were made."""
    for name in REQUEST_MODULES:
        importlib.import_module(name)
    for entry in settings.models:
        service.backends.for_model(entry)
    services = {PROVIDER_SERVICES[m.provider] for m in settings.models if m.provider in PROVIDER_SERVICES}
    if settings.budget_table or settings.cache_table:
        services.add("dynamodb")
    # boto3's default session keeps the service models it loaded: later clients of these services reuse them.
    for name in sorted(services):
        client(name)
    return tuple(sorted(services))
