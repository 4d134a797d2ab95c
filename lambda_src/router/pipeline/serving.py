"""Serve one model request: route, cache, budget, call with resilience, settle, measure.

The order matters: the route is chosen inside the tenant's allow-list first (so
nothing outside it is ever cached, budgeted or called), then an answer that could
not fit is refused, then the cache is asked (a hit costs no tokens), then each
attempt holds its token allowance before it is made (`metering`); the hold is
always settled to what the attempts charged, whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from contract import prompts
from contract.catalog import DEFAULT_EMBEDDING_DIMENSIONS
from contract.routing import ROUTE_HEADER
from router.api.render import chat_completion, embedding_list
from router.backends.registry import Backends
from router.chat import ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.live_stats import LiveStats
from router.pipeline import refusals
from router.pipeline.budgets import DynamoBudgets, Limits
from router.pipeline.cache_entries import from_cache, to_cache
from router.pipeline.metering import Meter
from router.pipeline.refusals import embedding_size_refusal
from router.pipeline.response_cache import DynamoResponseCache, cache_key
from router.pipeline.served import Served
from router.pipeline.usage_draft import UsageDraft
from router.request_features import RequestFeatures, chat_features
from router.routing import NoRouteError, Plan, choose
from router.tokens import DEFAULT_MAX_OUTPUT_TOKENS, chat_input_bound, inputs_bound
from shared import upstream_refusals
from shared.backend_errors import BackendError
from shared.errors import GatewayError
from shared.http import EventStream, Reply
from shared.resilience import AllTargetsFailed, Caller

if TYPE_CHECKING:
    from router.api.parse import ParsedChat, ParsedEmbedding
    from router.backends.base import Backend
    from router.catalog import ModelEntry
    from router.chat import ChatRequest
    from router.guardrails.checks import Screening
    from router.settings import Settings
    from shared.proxy_event import ProxyRequest, TenantContext

CACHE_HEADER = "x-aigw-cache"


@dataclass(frozen=True)
class Job:
    """What one model request asks of the backends, and how many tokens one attempt may bill.

    `allowance(alias)` bounds the next attempt on that model (its input bound plus the
    output cap it sends); `run(backend, alias, model_id, seconds)` makes the attempt and
    returns the answer with the tokens that attempt billed.
    """

    kind: str
    request: ChatRequest | EmbeddingRequest
    estimate: tuple[int, int]
    allowance: Callable[[str], int]
    run: Callable[[Backend, str, str, float], tuple[ChatResult | EmbeddingResult, int]]
    # What routing rules see of the request, given the caller (none: no rule applies to this kind of job).
    features: Callable[[ProxyRequest, TenantContext], RequestFeatures] | None = None


def chat_job(parsed: ParsedChat) -> Job:
    """The chat job: the output cap the client set, or the default one, is both reserved and sent."""
    request = parsed.request
    sent = request if request.max_tokens is not None else replace(request, max_tokens=DEFAULT_MAX_OUTPUT_TOKENS)
    cap = sent.max_tokens or DEFAULT_MAX_OUTPUT_TOKENS
    input_bound = chat_input_bound(sent)

    def run(backend: Backend, _alias: str, model_id: str, seconds: float) -> tuple[ChatResult, int]:
        result = backend.complete(sent, model_id, seconds)
        return result, result.input_tokens + result.output_tokens

    def features(proxy: ProxyRequest, tenant: TenantContext) -> RequestFeatures:
        return chat_features(
            sent,
            tier=tenant.tier,
            metadata=dict(parsed.metadata),
            headers=proxy.headers,
            input_tokens=input_bound,
            # A registered prompt's name once resolved (before, `prompt` is only the request's own label).
            prompt=parsed.prompt if parsed.prompt_version is not None else None,
        )

    return Job("chat", sent, (input_bound, cap), lambda _alias: input_bound + cap, run, features)


def embedding_job(request: EmbeddingRequest) -> Job:
    """The embeddings job: a batch that failed part-way resumes after the inputs already embedded (and billed)."""
    done: dict[str, EmbeddingResult] = {}

    def remaining(alias: str) -> tuple[str, ...]:
        return request.inputs[len(done[alias].vectors) :] if alias in done else request.inputs

    def run(backend: Backend, alias: str, model_id: str, seconds: float) -> tuple[EmbeddingResult, int]:
        before = done.get(alias, EmbeddingResult((), 0))
        try:
            result = backend.embed(replace(request, inputs=remaining(alias)), model_id, seconds)
        except BackendError as err:
            partial = err.partial if isinstance(err.partial, EmbeddingResult) else None
            if partial is not None and partial.vectors:
                done[alias] = EmbeddingResult(
                    before.vectors + partial.vectors, before.input_tokens + partial.input_tokens
                )
            raise
        whole = EmbeddingResult(before.vectors + result.vectors, before.input_tokens + result.input_tokens)
        return whole, result.input_tokens

    bound = inputs_bound(request.inputs)
    return Job("embedding", request, (bound, 0), lambda alias: inputs_bound(remaining(alias)), run)


class ModelService:
    def __init__(
        self,
        settings: Settings,
        backends: Backends,
        caller: Caller[Any],
        budgets: DynamoBudgets | None,
        cache: DynamoResponseCache | None,
        *,
        clock: Callable[[], float] = time.time,
        log: Callable[[str, dict[str, Any]], None] = lambda _message, _extra: None,
        stats: LiveStats | None = None,
    ) -> None:
        self.settings, self.backends, self.caller = settings, backends, caller
        self.budgets, self.cache, self.clock, self.log = budgets, cache, clock, log
        # What this container has seen of each target (latency, errors), for lowest_latency and draining.
        self.stats = stats or LiveStats()

    # -- the two routes -------------------------------------------------------------------------------

    def chat(
        self,
        proxy: ProxyRequest,
        parsed: ParsedChat,
        remaining_seconds: float,
        screen_answer: Callable[[ChatResult], ChatResult] | None = None,
    ) -> Reply:
        """Serve a chat request; `screen_answer` (the guardrails' answer step) sees every answer, cached or not."""
        job = chat_job(parsed)

        def screen(result: ChatResult | EmbeddingResult) -> ChatResult | EmbeddingResult:
            return screen_answer(result) if screen_answer and isinstance(result, ChatResult) else result

        served = self._serve(
            proxy=proxy,
            alias=parsed.alias,
            prompt=parsed.prompt,
            prompt_version=parsed.prompt_version,
            job=job,
            cacheable=self.settings.cache.applies(parsed.alias, parsed.request.temperature, deterministic=False),
            remaining_seconds=remaining_seconds,
            screen=screen,
        )
        result = served.result
        if not isinstance(result, ChatResult):  # _serve answers with the kind it was asked for
            raise TypeError("a chat request was served an embedding")
        body = chat_completion(result, request_id=proxy.request_id, model=served.model.alias, created=int(self.clock()))
        return Reply(body, chat_headers(served, parsed))

    def chat_stream(
        self, proxy: ProxyRequest, parsed: ParsedChat, remaining_seconds: float, screening: Screening | None = None
    ) -> EventStream:
        """Serve a chat request as a stream of chunk events (router.pipeline.stream_serving)."""
        from router.pipeline.stream_serving import open_chat_stream

        return open_chat_stream(
            self,
            proxy,
            parsed,
            remaining_seconds=remaining_seconds,
            screening=screening,
            headers=lambda served: chat_headers(served, parsed),
        )

    def embeddings(self, proxy: ProxyRequest, parsed: ParsedEmbedding, remaining_seconds: float) -> Reply:
        request = parsed.request
        served = self._serve(
            proxy=proxy,
            alias=parsed.alias,
            prompt=parsed.prompt,
            job=embedding_job(request),
            cacheable=self.settings.cache.applies(parsed.alias, None, deterministic=True),
            remaining_seconds=remaining_seconds,
            admit=lambda plan: self._check_answer_size(plan, parsed),
        )
        result = served.result
        if not isinstance(result, EmbeddingResult):
            raise TypeError("an embeddings request was served a chat answer")
        body = embedding_list(result, model=served.model.alias, as_base64=parsed.base64)
        return Reply(body, _headers(served))

    # -- the common path ------------------------------------------------------------------------------

    def _serve(
        self,
        *,
        proxy: ProxyRequest,
        alias: str,
        prompt: str | None,
        job: Job,
        cacheable: bool,
        remaining_seconds: float,
        prompt_version: int | None = None,
        admit: Callable[[Plan], None] = lambda _plan: None,
        screen: Callable[[ChatResult | EmbeddingResult], ChatResult | EmbeddingResult] = lambda result: result,
    ) -> Served:
        started = time.perf_counter()
        tenant = _tenant(proxy)
        plan = self.plan(proxy=proxy, tenant=tenant, alias=alias, job=job)
        usage = UsageDraft(proxy, tenant.tenant_id, alias, plan, prompt=prompt, prompt_version=prompt_version)
        use_cache = cacheable and self.cache is not None and not cache_bypassed(proxy)
        key = cache_key(tenant.tenant_id, proxy.route, alias, job.request) if use_cache else ""
        try:
            admit(plan)
            if use_cache and self.cache is not None:
                hit = self.cache.get(key)
                served = from_cache(hit, job.kind, self.settings) if hit else None
                # Only an answer from a model this tenant may still be routed to.
                if served is not None and served.model.alias in plan.models:
                    served = replace(served, result=screen(served.result), decision=plan.decision)
                    usage.done(served, 200, 0, 0, None)
                    return served
            served = self._call(
                proxy=proxy, tenant=tenant, plan=plan, job=job, remaining_seconds=remaining_seconds, usage=usage
            )
            if use_cache and self.cache is not None:
                self.cache.put(key, to_cache(served), self.settings.cache.ttl_seconds)
            # The tokens were spent whatever the answer's screening says: a blocked answer is still counted.
            tokens, cost = served.tokens, self.cost(served)
            usage.tokens, usage.cost = tokens, cost
            served = replace(served, cache="miss" if use_cache else "off", result=screen(served.result))
            usage.done(served, 200, *tokens, cost)
            return served
        except GatewayError as err:
            usage.status = err.status
            raise
        finally:
            usage.emit(self.settings.metrics_namespace, (time.perf_counter() - started) * 1000, self.log)

    def plan(self, *, proxy: ProxyRequest, tenant: TenantContext, alias: str, job: Job) -> Plan:
        kind = job.kind
        served_kind = self.settings.kind_of(alias)
        allowed = self.settings.allowed_of_kind(tenant.allowed_models, kind)
        try:
            if served_kind is not None and served_kind != kind:
                raise NoRouteError(alias)
            describe = job.features
            self.stats.share()
            return choose(
                self.settings.routing,
                alias=alias,
                tenant=tenant.tenant_id,
                allowed=allowed,
                user=job.request.user,
                request_id=proxy.request_id,
                estimated_tokens=job.estimate,
                features=None if describe is None else lambda: describe(proxy, tenant),
                stats=self.stats,
            )
        except NoRouteError:
            other = {"chat": "/v1/chat/completions", "embedding": "/v1/embeddings"}.get(
                str(served_kind), f"/v1/transform/{alias}"
            )
            # Said only to a tenant that may use the model: others learn nothing about the catalog.
            usable = served_kind not in (None, kind) and alias in tenant.allowed_models
            raise refusals.model_not_found(alias, other if usable else None) from None

    def _call(
        self,
        *,
        proxy: ProxyRequest,
        tenant: TenantContext,
        plan: Plan,
        job: Job,
        remaining_seconds: float,
        usage: UsageDraft,
    ) -> Served:
        limits = Limits(day=tenant.daily_token_budget, month=tenant.monthly_token_budget)
        meter = Meter(
            self.budgets, tenant.tenant_id, limits, clock=self.clock, log=self.log, request_id=proxy.request_id
        )
        models = self.settings.by_alias

        def attempt(model: str, seconds: float) -> ChatResult | EmbeddingResult:
            entry = models[model]
            allowance = job.allowance(model)
            meter.admit(allowance)  # raises 429/503 before any work the budget cannot cover
            usage.tried(entry)
            began = time.perf_counter()
            try:
                result, billed = job.run(self.backends.for_model(entry), model, entry.model_id, seconds)
            except BackendError as err:
                self.stats.record(model, time.perf_counter() - began, ok=False)
                meter.charge(err.charge(allowance))
                self.log_failure(proxy, entry, err)
                raise
            self.stats.record(model, time.perf_counter() - began, ok=True)
            meter.charge(billed)
            return result

        try:
            budget_seconds = min(self.settings.deadline_seconds, remaining_seconds)
            model, result = self.caller.run(plan.models, attempt, budget_seconds, scope=tenant.tenant_id)
        except BackendError as err:
            raise upstream_refusals.client_refusal(err) from None
        except AllTargetsFailed as err:
            raise upstream_refusals.all_failed(err) from None
        finally:
            meter.settle()
        entry = models[model]
        first = model == plan.models[0]
        return Served(result, entry, plan.arm if first else "fallback", not first, "", plan.decision)

    def log_failure(self, proxy: ProxyRequest, entry: ModelEntry, err: BackendError) -> None:
        """The provider's own words go to the log only: they can name accounts, endpoints and ARNs."""
        self.log(
            "backend attempt failed",
            {
                "request_id": proxy.request_id,
                "model": entry.alias,
                "kind": err.kind,
                "status": err.status,
                "provider_message": err.message[:1000],
            },
        )

    def _check_answer_size(self, plan: Plan, parsed: ParsedEmbedding) -> None:
        """Refuse, before any backend is called, an embeddings answer that could not fit Lambda's response."""
        request = parsed.request
        widest = max(self.settings.by_alias[m].dimensions or DEFAULT_EMBEDDING_DIMENSIONS for m in plan.models)
        dimensions = request.dimensions or widest
        refusal = embedding_size_refusal(len(request.inputs), dimensions, parsed.base64)
        if refusal is not None:
            raise refusal

    def cost(self, served: Served) -> float | None:
        price = self.settings.routing.prices.get(served.model.alias)
        return price.estimate(*served.tokens) if price else None


def _tenant(proxy: ProxyRequest) -> TenantContext:
    if proxy.tenant is None:
        raise upstream_refusals.NO_TENANT
    return proxy.tenant


def cache_bypassed(proxy: ProxyRequest) -> bool:
    """The client asked to skip the response cache (`x-aigw-cache: bypass`)."""
    return proxy.headers.get(CACHE_HEADER, "").lower() == "bypass"


def chat_headers(served: Served, parsed: ParsedChat) -> dict[str, str]:
    """Who served the answer, and the registered prompt it rendered."""
    headers = _headers(served)
    if parsed.prompt_version is not None and parsed.prompt is not None:
        headers[prompts.PROMPT_HEADER] = parsed.prompt
        headers[prompts.PROMPT_VERSION_HEADER] = str(parsed.prompt_version)
        if parsed.prompt_label is not None:
            headers[prompts.PROMPT_LABEL_HEADER] = parsed.prompt_label
    return headers


def _headers(served: Served) -> dict[str, str]:
    return {
        "x-aigw-model": served.model.alias,
        "x-aigw-backend": served.model.provider,
        "x-aigw-arm": served.arm,
        "x-aigw-fallback": "true" if served.fallback else "false",
        CACHE_HEADER: served.cache,
        ROUTE_HEADER: served.decision,
    }
