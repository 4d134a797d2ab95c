"""Router Lambda entry point: OpenAI-compatible `/v1/models` (and `/v1/models/{id}`), `/v1/chat/completions`,
`/v1/responses` and `/v1/embeddings`, and the registered prompts as an API (`/v1/prompts/{promptName}`);
`handler` answers whole, `stream_handler` in Lambda's streaming response mode.

Cold start budget: the standard library, powertools' Logger, the settings, the
catalog and one signed GetItem of the configuration document (no boto3). The model
pipeline (validation, routing, resilience, budgets, cache) is imported and built on
the first model request, boto3 on the first AWS call, Jinja2 on the first prompt. A
provisioned-concurrency environment does all but Jinja2 during its init instead (router.warm_up).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from contract.catalog import PREDICTION_KIND
from contract.routes import MODEL_ALIAS_PARAMETER, PROMPT_NAME_PARAMETER
from contract.routing import ROUTE_INFO
from router.api.render import model_list
from router.catalog import ModelEntry
from router.iam_callers import IamCallers, default_store, with_signed_routes
from router.routing import NoRouteError, choose
from router.settings import Settings, SettingsError
from router.warm_up import provisioned, warm_up
from shared.http import EventStream, Reply
from shared.proxy_handler import RouteTable, Write, handle_proxy_event, handle_proxy_stream
from shared.settings_holder import SettingsHolder
from shared.ttl_cache import TtlCache, never_expires

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from router.api.parse import ParsedChat
    from router.guardrails.bedrock_guardrails import BedrockGuardrails
    from router.guardrails.checks import Screening
    from router.pipeline.serving import ModelService
    from shared.proxy_event import ProxyRequest

logger = Logger(service="router")

# What API Gateway's 29 s leaves the router to answer in JSON after its last attempt.
ANSWER_MARGIN_SECONDS = 1.0


def build_service(settings: Settings) -> ModelService:
    """The container's long-lived service: adapters, circuit breakers and tables (clients made on first use)."""
    from router.backends.aws_clients import boto3_client
    from router.backends.registry import Backends
    from router.live_stats import LiveStats
    from router.pipeline.budgets import DynamoBudgets
    from router.pipeline.response_cache import DynamoResponseCache
    from router.pipeline.serving import ModelService
    from router.shared_stats import shared_window
    from shared.aws import LazyClient
    from shared.resilience import Caller, CircuitBreaker, RetryPolicy

    # One try per write: a retried ADD after a lost answer could count tokens twice.
    dynamodb = LazyClient(lambda: boto3_client("dynamodb", 2))

    def log(message: str, extra: dict[str, Any]) -> None:
        logger.warning(message, extra=extra)

    return ModelService(
        settings,
        Backends(),
        Caller(breakers={}, policy=RetryPolicy(), breaker_factory=CircuitBreaker),
        DynamoBudgets(settings.budget_table, dynamodb) if settings.budget_table else None,
        DynamoResponseCache(settings.cache_table, lambda: dynamodb, time.time) if settings.cache_table else None,
        log=log,
        stats=LiveStats(shared=shared_window(settings, dynamodb, log=log)),
    )


# Read at cold start, inside Lambda's init phase.
SETTINGS = SettingsHolder(Settings.load, SettingsError, lambda message, extra: logger.error(message, extra=extra))
SETTINGS.load()
# Built on the first model request and kept for the container's life (breakers, clients, caches).
SERVICE: ModelService | None = None


def model_service() -> tuple[Settings, ModelService]:
    """The settings and the model service, building the service on first use."""
    global SERVICE  # noqa: PLW0603 - one per container, made on demand to keep the cold start small
    settings = SETTINGS.get()
    if SERVICE is None:
        SERVICE = build_service(settings)
    return settings, SERVICE


# Model lists already built, by tenant and allow-list: the configuration never changes in a container.
MODEL_LISTS: TtlCache[dict[str, Any]] = TtlCache(max_entries=256)


def list_models(request: ProxyRequest) -> dict[str, Any]:
    """The OpenAI model list: the catalog models the tenant may use, and the routed aliases that can serve it."""
    settings = SETTINGS.get()
    if request.tenant is None:
        return model_list(tuple(m for m in settings.models if m.kind != PREDICTION_KIND))
    tenant, allowed = request.tenant.tenant_id, request.tenant.allowed_models
    return MODEL_LISTS.get((tenant, allowed), lambda: _models_for(settings, tenant, allowed), never_expires)


def retrieve_model(request: ProxyRequest) -> dict[str, Any]:
    """One model of the tenant's list; any other alias is a 404 that says nothing about the catalog."""
    alias = request.path_parameters.get(MODEL_ALIAS_PARAMETER, "")
    for model in list_models(request)["data"]:
        if model["id"] == alias:
            return dict(model)
    from router.pipeline.refusals import model_not_found

    raise model_not_found(alias[:128], None)


def _models_for(settings: Settings, tenant: str, allowed: frozenset[str]) -> dict[str, Any]:
    # Prediction models are served on the transform route, not by OpenAI's API: not listed.
    listed = [
        m
        for m in settings.models
        if m.alias in allowed and m.alias not in settings.routing.aliases and m.kind != PREDICTION_KIND
    ]
    for alias, route in sorted(settings.routing.aliases.items()):
        try:
            choose(settings.routing, alias=alias, tenant=tenant, allowed=allowed, user=None, request_id="models")
        except NoRouteError:
            continue
        first = settings.by_alias[route.targets[0].model]
        # A routed alias is listed as the gateway's own model, of its first target's kind.
        listed.append(ModelEntry(alias, first.provider, first.model_id, "ai-gateway", first.created, kind=first.kind))
    body = model_list(tuple(sorted(listed, key=lambda m: m.alias)))
    for item in body["data"]:
        # How the gateway chooses a routed alias's model: its rules in order, then its strategy.
        if (routed := settings.routing.aliases.get(item["id"])) is not None:
            item[ROUTE_INFO] = {"strategy": routed.strategy, "rules": [rule.name for rule in routed.rules]}
    return body


def chat_completions(request: ProxyRequest) -> Reply | EventStream:
    from router.api.images import ImagePolicy
    from router.api.parse import parse_chat
    from shared.json_body import parse_json_object

    images = ImagePolicy(SETTINGS.get().image_hosts)
    return _chat(request, parse_chat(parse_json_object(request.body), images=images))


def responses(request: ProxyRequest) -> Reply | EventStream:
    """OpenAI's Responses API on the chat pipeline (router.api.responses), streamed as its own events with
    `stream: true` (router.api.responses_stream)."""
    from dataclasses import replace
    from functools import partial

    from router.api.images import ImagePolicy
    from router.api.parse import parse_chat
    from router.api.responses import chat_document, renamed, response_object
    from router.api.responses_stream import ResponseFraming
    from shared.errors import GatewayError
    from shared.json_body import parse_json_object

    document = parse_json_object(request.body)
    chat, origins = chat_document(document)
    try:
        parsed = parse_chat(chat, images=ImagePolicy(SETTINGS.get().image_hosts))
        if parsed.stream:
            return _chat(request, replace(parsed, framing=partial(ResponseFraming, document)))
        answer = _chat(request, parsed)
    except GatewayError as err:
        raise renamed(err, origins) from None
    if not isinstance(answer, Reply):  # _chat streams only what asks for it
        raise TypeError("a Responses request was answered as a stream")
    return Reply(response_object(answer.body, document), answer.headers)


def prompt_completion(request: ProxyRequest) -> Reply | EventStream:
    """A registered prompt as an API: its variables in, a chat completion of its rendered messages out."""
    from router.api.parse import parse_prompt_call
    from shared.json_body import parse_json_object

    name = request.path_parameters.get(PROMPT_NAME_PARAMETER, "")
    return _chat(request, parse_prompt_call(name, parse_json_object(request.body)))


def _chat(request: ProxyRequest, parsed: ParsedChat) -> Reply | EventStream:
    settings, service = model_service()
    if parsed.reference is not None:
        from router.prompts.resolve import PromptRenderFailed, resolve

        try:
            parsed = resolve(settings.prompts, parsed, request.request_id)
        except PromptRenderFailed as err:
            logger.error("prompt template failed", extra={"request_id": request.request_id, "cause": err.detail})
            raise
    screening = _screening(settings, request)
    if screening is None:
        return _serve_chat(settings, service, request, parsed, None)
    from dataclasses import replace

    from router.tokens import chat_input_bound

    streaming = False
    try:
        screened = screening.screen_request(parsed.request, chat_input_bound(parsed.request))
        answer = _serve_chat(settings, service, request, replace(parsed, request=screened), screening)
        if isinstance(answer, EventStream):
            # The answer is screened at the stream's end: its guardrail record is written then.
            streaming = True
            return replace(answer, chunks=_then(answer.chunks, lambda: _guardrail_record(settings, request, screening)))
        return answer
    finally:
        if not streaming:
            _guardrail_record(settings, request, screening)


def _guardrail_record(settings: Settings, request: ProxyRequest, screening: Screening) -> None:
    from router.guardrails.usage import emit

    if screening.failure:
        logger.error("guardrail step failed", extra={"request_id": request.request_id, "cause": screening.failure})
    emit(screening, request, settings.metrics_namespace)


def _then(chunks: Iterable[str], after: Callable[[], None]) -> Iterator[str]:
    """`chunks`, then `after()` however they end."""
    try:
        yield from chunks
    finally:
        after()


def _serve_chat(
    settings: Settings,
    service: ModelService,
    request: ProxyRequest,
    parsed: ParsedChat,
    screening: Screening | None,
) -> Reply | EventStream:
    if settings.log_prompts:
        # What the model is sent: after the guardrails masked it.
        logger.info(
            "prompt",
            extra={"request_id": request.request_id, "system": parsed.request.system,
                   "messages": [[m.role, m.content] for m in parsed.request.messages]},
        )  # fmt: skip
    seconds = request.seconds_left(ANSWER_MARGIN_SECONDS)
    if parsed.stream:
        return service.chat_stream(request, parsed, seconds, screening)
    return service.chat(request, parsed, seconds, screening.screen_answer if screening else None)


# Bedrock Guardrails' client for the container, made on the first policy step that calls it.
BEDROCK_GUARDRAILS: BedrockGuardrails | None = None


def _screening(settings: Settings, request: ProxyRequest) -> Screening | None:
    """The guardrails of the caller's policy (its tenant's, else its tier's, else the default), or None."""
    global BEDROCK_GUARDRAILS  # noqa: PLW0603 - one client per container, made on demand
    if request.tenant is None:
        return None
    policy = settings.guardrails.policy_for(request.tenant.tenant_id, request.tenant.tier)
    if policy is None:
        return None
    from router.guardrails.bedrock_guardrails import BedrockGuardrails
    from router.guardrails.checks import Screening

    if BEDROCK_GUARDRAILS is None:
        BEDROCK_GUARDRAILS = BedrockGuardrails()
    return Screening(policy, BEDROCK_GUARDRAILS.check)


def embeddings(request: ProxyRequest) -> Reply:
    from router.api.parse import parse_embedding
    from shared.json_body import parse_json_object

    settings, service = model_service()
    parsed = parse_embedding(parse_json_object(request.body))
    if settings.log_prompts:
        logger.info("prompt", extra={"request_id": request.request_id, "input": list(parsed.request.inputs)})
    return service.embeddings(request, parsed, request.seconds_left(ANSWER_MARGIN_SECONDS))


IAM_CALLERS = IamCallers(default_store)
ROUTES: RouteTable = with_signed_routes(
    {
        "/v1/models": {"GET": list_models},
        f"/v1/models/{{{MODEL_ALIAS_PARAMETER}}}": {"GET": retrieve_model},
        "/v1/chat/completions": {"POST": chat_completions},
        "/v1/embeddings": {"POST": embeddings},
        "/v1/responses": {"POST": responses},
        f"/v1/prompts/{{{PROMPT_NAME_PARAMETER}}}": {"POST": prompt_completion},
    },
    IAM_CALLERS,
)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point for the API Gateway proxy integration."""
    return handle_proxy_event(event, context, ROUTES, logger)


def stream_handler(event: dict[str, Any], context: LambdaContext, write: Write) -> None:
    """The entry point in Lambda's streaming response mode (API Gateway's STREAM transfer mode): the answer is
    written to `write` as it is made, a JSON prelude first (see shared.proxy_handler.handle_proxy_stream)."""
    handle_proxy_stream(event, context, ROUTES, logger, write)


if provisioned(os.environ):
    try:
        warm_up(*model_service())
    except Exception:  # a warm-up is an optimisation: the first request prepares what is missing
        logger.exception("provisioned warm-up failed; the first request prepares what it needs")
