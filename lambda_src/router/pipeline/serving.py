"""Serve one model request: route, cache, budget, call with resilience, settle, measure.

The order matters: the route is chosen inside the tenant's allow-list first (so
nothing outside it is ever cached, budgeted or called), then the cache is asked
(a hit costs no tokens), then tokens are reserved atomically, then the targets
are called; the reservation is always settled to what the backends reported,
whatever happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from router.api.render import chat_completion, embedding_list
from router.backends.errors import BackendError
from router.backends.registry import Backends
from router.chat import ChatResult
from router.embeddings import EmbeddingResult
from router.pipeline import refusals
from router.pipeline.budgets import BudgetExceeded, DynamoBudgets, Limits, Reservation
from router.pipeline.cache_entries import from_cache, to_cache
from router.pipeline.response_cache import DynamoResponseCache, cache_key
from router.pipeline.served import Served
from router.pipeline.usage_draft import UsageDraft
from router.resilience import AllTargetsFailed, Caller
from router.routing import NoRouteError, Plan, choose
from router.tokens import estimate_tokens
from shared.errors import GatewayError
from shared.http import Reply

if TYPE_CHECKING:
    from router.api.parse import ParsedChat, ParsedEmbedding
    from router.backends.base import Backend
    from router.chat import ChatRequest
    from router.embeddings import EmbeddingRequest
    from router.settings import Settings
    from shared.proxy_event import ProxyRequest, TenantContext

# Reserved for an answer whose request sets no max_tokens; settled to the real count after.
DEFAULT_OUTPUT_ESTIMATE = 1024
CACHE_HEADER = "x-aigw-cache"


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
    ) -> None:
        self.settings, self.backends, self.caller = settings, backends, caller
        self.budgets, self.cache, self.clock, self.log = budgets, cache, clock, log

    # -- the two routes -------------------------------------------------------------------------------

    def chat(self, proxy: ProxyRequest, parsed: ParsedChat, remaining_seconds: float) -> Reply:
        request = parsed.request
        estimate = (
            sum(estimate_tokens(m.content) for m in request.messages) + estimate_tokens(request.system or ""),
            request.max_tokens or DEFAULT_OUTPUT_ESTIMATE,
        )
        served = self._serve(
            proxy=proxy,
            kind="chat",
            alias=parsed.alias,
            request=request,
            estimate=estimate,
            call=lambda backend, model_id, seconds: backend.complete(request, model_id, seconds),
            cacheable=self.settings.cache.applies(parsed.alias, request.temperature, deterministic=False),
            remaining_seconds=remaining_seconds,
        )
        result = served.result
        if not isinstance(result, ChatResult):  # _serve answers with the kind it was asked for
            raise TypeError("a chat request was served an embedding")
        body = chat_completion(result, request_id=proxy.request_id, model=served.model.alias, created=int(self.clock()))
        return Reply(body, _headers(served))

    def embeddings(self, proxy: ProxyRequest, parsed: ParsedEmbedding, remaining_seconds: float) -> Reply:
        request = parsed.request
        served = self._serve(
            proxy=proxy,
            kind="embedding",
            alias=parsed.alias,
            request=request,
            estimate=(sum(estimate_tokens(t) for t in request.inputs), 0),
            call=lambda backend, model_id, seconds: backend.embed(request, model_id, seconds),
            cacheable=self.settings.cache.applies(parsed.alias, None, deterministic=True),
            remaining_seconds=remaining_seconds,
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
        kind: str,
        alias: str,
        request: ChatRequest | EmbeddingRequest,
        estimate: tuple[int, int],
        call: Callable[[Backend, str, float], ChatResult | EmbeddingResult],
        cacheable: bool,
        remaining_seconds: float,
    ) -> Served:
        started = time.perf_counter()
        tenant = _tenant(proxy)
        plan = self._plan(proxy=proxy, tenant=tenant, kind=kind, alias=alias, request=request, estimate=estimate)
        usage = UsageDraft(proxy, tenant.tenant_id, alias, plan)
        bypass = proxy.headers.get(CACHE_HEADER, "").lower() == "bypass"
        use_cache = cacheable and self.cache is not None and not bypass
        key = cache_key(tenant.tenant_id, proxy.route, alias, request) if use_cache else ""
        try:
            if use_cache and self.cache is not None:
                hit = self.cache.get(key)
                served = from_cache(hit, kind, self.settings) if hit else None
                # Only an answer from a model this tenant may still be routed to.
                if served is not None and served.model.alias in plan.models:
                    usage.done(served, 200, 0, 0, None)
                    return served
            served = self._call(
                tenant=tenant, plan=plan, estimate=estimate, call=call, remaining_seconds=remaining_seconds, usage=usage
            )
            if use_cache and self.cache is not None:
                self.cache.put(key, to_cache(served), self.settings.cache.ttl_seconds)
            served = replace(served, cache="miss" if use_cache else "off")
            usage.done(served, 200, *served.tokens, self._cost(served))
            return served
        except GatewayError as err:
            usage.status = err.status
            raise
        finally:
            usage.emit(self.settings.metrics_namespace, (time.perf_counter() - started) * 1000, self.log)

    def _plan(
        self,
        *,
        proxy: ProxyRequest,
        tenant: TenantContext,
        kind: str,
        alias: str,
        request: ChatRequest | EmbeddingRequest,
        estimate: tuple[int, int],
    ) -> Plan:
        served_kind = self.settings.kind_of(alias)
        allowed = self.settings.allowed_of_kind(tenant.allowed_models, kind)
        try:
            if served_kind is not None and served_kind != kind:
                raise NoRouteError(alias)
            return choose(
                self.settings.routing,
                alias=alias,
                tenant=tenant.tenant_id,
                allowed=allowed,
                user=request.user,
                request_id=proxy.request_id,
                estimated_tokens=estimate,
            )
        except NoRouteError:
            other = "/v1/embeddings" if kind == "chat" else "/v1/chat/completions"
            # Said only to a tenant that may use the model: others learn nothing about the catalog.
            usable = served_kind not in (None, kind) and alias in tenant.allowed_models
            raise refusals.model_not_found(alias, other if usable else None) from None

    def _call(
        self,
        *,
        tenant: TenantContext,
        plan: Plan,
        estimate: tuple[int, int],
        call: Callable[[Backend, str, float], ChatResult | EmbeddingResult],
        remaining_seconds: float,
        usage: UsageDraft,
    ) -> Served:
        reservation = self._reserve(tenant, sum(estimate))
        consumed = [0]
        models = self.settings.by_alias

        def attempt(model: str, seconds: float) -> ChatResult | EmbeddingResult:
            entry = models[model]
            usage.tried(entry)
            try:
                return call(self.backends.for_model(entry), entry.model_id, seconds)
            except BackendError as err:
                consumed[0] += err.consumed_tokens
                raise

        try:
            budget_seconds = min(self.settings.deadline_seconds, remaining_seconds)
            model, result = self.caller.run(plan.models, attempt, budget_seconds)
        except BackendError as err:
            self._settle(reservation, consumed[0])
            raise refusals.client_refusal(err) from None
        except AllTargetsFailed as err:
            self._settle(reservation, consumed[0])
            raise refusals.all_failed(err) from None
        except Exception:
            self._settle(reservation, consumed[0])
            raise
        entry = models[model]
        served = Served(result, entry, plan.arm if model == plan.models[0] else "fallback", model != plan.models[0], "")
        self._settle(reservation, consumed[0] + sum(served.tokens))
        return served

    def _reserve(self, tenant: TenantContext, tokens: int) -> Reservation | None:
        limits = Limits(day=tenant.daily_token_budget, month=tenant.monthly_token_budget)
        if limits.day is None and limits.month is None:
            return None
        if self.budgets is None:
            raise refusals.BUDGET_UNAVAILABLE
        now = datetime.fromtimestamp(self.clock(), UTC)
        try:
            return self.budgets.reserve(tenant.tenant_id, tokens, limits, now)
        except BudgetExceeded as err:
            raise refusals.budget_exceeded(err, now) from None
        except Exception as err:
            self.log("budget store unavailable", {"error": type(err).__name__, "tenant_id": tenant.tenant_id})
            raise refusals.BUDGET_UNAVAILABLE from None

    def _settle(self, reservation: Reservation | None, actual_tokens: int) -> None:
        if reservation is None or self.budgets is None:
            return
        try:
            self.budgets.settle(reservation, actual_tokens)
        except Exception as err:
            # The answer is not withheld; the log line lets an operator correct the counter.
            self.log(
                "budget settle failed",
                {
                    "error": type(err).__name__,
                    "tenant_id": reservation.tenant,
                    "reserved_tokens": reservation.tokens,
                    "actual_tokens": actual_tokens,
                    "counters": sorted(reservation.keys.values()),
                },
            )

    def _cost(self, served: Served) -> float | None:
        price = self.settings.routing.prices.get(served.model.alias)
        return price.estimate(*served.tokens) if price else None


def _tenant(proxy: ProxyRequest) -> TenantContext:
    if proxy.tenant is None:
        raise refusals.NO_TENANT
    return proxy.tenant


def _headers(served: Served) -> dict[str, str]:
    return {
        "x-aigw-model": served.model.alias,
        "x-aigw-backend": served.model.provider,
        "x-aigw-arm": served.arm,
        "x-aigw-fallback": "true" if served.fallback else "false",
        CACHE_HEADER: served.cache,
    }
