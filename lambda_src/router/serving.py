"""Serve one model request: route, cache, budget, call with resilience, settle, measure.

The order matters: the route is chosen inside the tenant's allow-list first (so
nothing outside it is ever cached, budgeted or called), then the cache is asked
(a hit costs no tokens), then tokens are reserved atomically, then the targets
are called; the reservation is always settled to what the backends reported,
whatever happened.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from router.backends.registry import Backends
from router.budgets import BudgetExceeded, DynamoBudgets, Limits, Reservation
from router.chat import ChatRequest, ChatResult, EmbeddingRequest, EmbeddingResult, estimate_tokens
from router.openai_api import ParsedChat, ParsedEmbedding, chat_completion, embedding_list
from router.resilience import AllTargetsFailed, BackendError, Caller
from router.response_cache import DynamoResponseCache, cache_key
from router.routing import NoRouteError, Plan, choose
from router.usage import Usage, emit
from shared.errors import GatewayError
from shared.http import Reply

if TYPE_CHECKING:
    from router.backends import Backend
    from router.catalog import ModelEntry
    from router.settings import Settings
    from shared.proxy_event import ProxyRequest, TenantContext

# Reserved for an answer whose request sets no max_tokens; settled to the real count after.
DEFAULT_OUTPUT_ESTIMATE = 1024
CACHE_HEADER = "x-aigw-cache"
# Statuses a provider uses to say the gateway's own setup is wrong (key, model access, model id).
CONFIGURATION_STATUSES = (401, 403, 404)


@dataclass(frozen=True)
class Served:
    """A backend's answer and who gave it."""

    result: ChatResult | EmbeddingResult
    model: ModelEntry
    arm: str
    fallback: bool
    cache: str


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
        usage = _UsageDraft(proxy, tenant.tenant_id, alias, plan)
        bypass = proxy.headers.get(CACHE_HEADER, "").lower() == "bypass"
        use_cache = cacheable and self.cache is not None and not bypass
        key = cache_key(tenant.tenant_id, proxy.route, alias, request) if use_cache else ""
        try:
            if use_cache and self.cache is not None:
                hit = self.cache.get(key)
                served = _from_cache(hit, kind, self.settings) if hit else None
                # Only an answer from a model this tenant may still be routed to.
                if served is not None and served.model.alias in plan.models:
                    usage.done(served, 200, 0, 0, None)
                    return served
            served = self._call(
                tenant=tenant, plan=plan, estimate=estimate, call=call, remaining_seconds=remaining_seconds, usage=usage
            )
            if use_cache and self.cache is not None:
                self.cache.put(key, _to_cache(served), self.settings.cache.ttl_seconds)
            served = replace(served, cache="miss" if use_cache else "off")
            usage.done(served, 200, *_tokens(served.result), self._cost(served))
            return served
        except GatewayError as err:
            usage.status = err.status
            raise
        finally:
            usage.emit(self.settings, (time.perf_counter() - started) * 1000, self.log)

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
        allowed = frozenset(a for a in tenant.allowed_models if self.settings.kind_of(a) == kind)
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
            hint = f"; it is served on {other}" if usable else ""
            raise GatewayError(
                404,
                "model_not_found",
                f"model '{alias}' does not exist or is not available to this tenant{hint}; "
                "GET /v1/models lists the models you may use",
                param="model",
            ) from None

    def _call(
        self,
        *,
        tenant: TenantContext,
        plan: Plan,
        estimate: tuple[int, int],
        call: Callable[[Backend, str, float], ChatResult | EmbeddingResult],
        remaining_seconds: float,
        usage: _UsageDraft,
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
            raise _client_refusal(err) from None
        except AllTargetsFailed as err:
            self._settle(reservation, consumed[0])
            raise _all_failed(err) from None
        except Exception:
            self._settle(reservation, consumed[0])
            raise
        self._settle(reservation, consumed[0] + sum(_tokens(result)))
        entry = models[model]
        return Served(result, entry, plan.arm if model == plan.models[0] else "fallback", model != plan.models[0], "")

    def _reserve(self, tenant: TenantContext, tokens: int) -> Reservation | None:
        limits = Limits(day=tenant.daily_token_budget, month=tenant.monthly_token_budget)
        if limits.day is None and limits.month is None:
            return None
        if self.budgets is None:
            raise BUDGET_UNAVAILABLE
        now = datetime.fromtimestamp(self.clock(), UTC)
        try:
            return self.budgets.reserve(tenant.tenant_id, tokens, limits, now)
        except BudgetExceeded as err:
            raise GatewayError(
                429,
                "token_budget_exceeded",
                f"{err}; it resets at {_reset_text(err.period)} UTC",
                error_type="insufficient_quota",
                headers={"retry-after": str(_seconds_to_reset(err.period, now))},
            ) from None
        except Exception as err:
            self.log("budget store unavailable", {"error": type(err).__name__, "tenant_id": tenant.tenant_id})
            raise BUDGET_UNAVAILABLE from None

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
        return price.estimate(*_tokens(served.result)) if price else None


BUDGET_UNAVAILABLE = GatewayError(
    503,
    "budget_unavailable",
    "the gateway cannot check this tenant's token budget right now; retry shortly",
    error_type="server_error",
    headers={"retry-after": "1"},
)


class _UsageDraft:
    """What one request's usage record will say, filled in as the request goes."""

    def __init__(self, proxy: ProxyRequest, tenant: str, alias: str, plan: Plan) -> None:
        self.proxy, self.tenant, self.alias, self.plan = proxy, tenant, alias, plan
        self.model, self.backend, self.arm, self.cache = plan.models[0], "", plan.arm, "off"
        self.status, self.fallback = 500, False
        self.tokens: tuple[int, int] = (0, 0)
        self.cost: float | None = None

    def tried(self, entry: ModelEntry) -> None:
        self.model, self.backend = entry.alias, entry.provider

    def done(self, served: Served, status: int, input_tokens: int, output_tokens: int, cost: float | None) -> None:
        self.model, self.backend = served.model.alias, served.model.provider
        self.arm, self.cache, self.fallback = served.arm, served.cache, served.fallback
        self.status, self.tokens, self.cost = status, (input_tokens, output_tokens), cost

    def emit(self, settings: Settings, latency_ms: float, log: Callable[[str, dict[str, Any]], None]) -> None:
        try:
            emit(
                Usage(
                    request_id=self.proxy.request_id,
                    tenant=self.tenant,
                    route=self.proxy.route,
                    alias=self.alias,
                    model=self.model,
                    backend=self.backend,
                    arm=self.arm,
                    status=self.status,
                    cache=self.cache,
                    fallback=self.fallback,
                    input_tokens=self.tokens[0],
                    output_tokens=self.tokens[1],
                    cost=self.cost,
                    latency_ms=latency_ms,
                ),
                settings.metrics_namespace,
            )
        except Exception as err:  # metrics must never fail a request
            log("usage metrics failed", {"error": type(err).__name__})


def _tenant(proxy: ProxyRequest) -> TenantContext:
    if proxy.tenant is None:
        raise GatewayError(
            403,
            "no_tenant",
            "the request carries no tenant; call the gateway through its API stage with a tenant credential",
            error_type="permission_error",
        )
    return proxy.tenant


def _tokens(result: ChatResult | EmbeddingResult) -> tuple[int, int]:
    if isinstance(result, ChatResult):
        return result.input_tokens, result.output_tokens
    return result.input_tokens, 0


def _headers(served: Served) -> dict[str, str]:
    return {
        "x-aigw-model": served.model.alias,
        "x-aigw-backend": served.model.provider,
        "x-aigw-arm": served.arm,
        "x-aigw-fallback": "true" if served.fallback else "false",
        CACHE_HEADER: served.cache,
    }


def _to_cache(served: Served) -> dict[str, Any]:
    result = asdict(served.result)
    return {"model": served.model.alias, "arm": served.arm, "fallback": served.fallback, "result": result}


def _from_cache(item: dict[str, Any], kind: str, settings: Settings) -> Served | None:
    """A cached answer, or None when it no longer fits the configuration (model gone, other kind)."""
    entry = settings.by_alias.get(str(item.get("model")))
    raw = item.get("result")
    if entry is None or entry.kind != kind or not isinstance(raw, dict):
        return None
    try:
        result: ChatResult | EmbeddingResult
        if kind == "chat":
            result = ChatResult(**raw)
        else:
            result = EmbeddingResult(tuple(tuple(v) for v in raw["vectors"]), int(raw["input_tokens"]))
    except (TypeError, KeyError, ValueError):
        return None
    return Served(result, entry, str(item.get("arm") or entry.alias), bool(item.get("fallback")), "hit")


def _client_refusal(err: BackendError) -> GatewayError:
    if err.status in CONFIGURATION_STATUSES:
        return GatewayError(
            502,
            "upstream_configuration",
            "the model provider refused the gateway's credentials or model id; an operator must fix the deployment",
            error_type="server_error",
        )
    return GatewayError(400, "upstream_rejected", f"the model provider rejected the request: {err.message[:500]}")


def _all_failed(err: AllTargetsFailed) -> GatewayError:
    status = err.status
    messages = {
        503: ("upstream_unavailable", "every model that may serve this request is throttled or unavailable"),
        504: ("upstream_timeout", "the model did not answer within the gateway's time budget"),
        502: ("upstream_failed", "every model that may serve this request failed"),
    }
    code, message = messages[status]
    retry = err.retry_after_seconds
    return GatewayError(
        status,
        code,
        f"{message}; retry later and quote the request id if it persists",
        error_type="server_error",
        headers={"retry-after": str(retry)} if retry is not None else None,
    )


def _reset_text(period: str) -> str:
    return "midnight" if period == "day" else "midnight on the first of next month"


def _seconds_to_reset(period: str, now: datetime) -> int:
    if period == "day":
        return 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    days = calendar.monthrange(now.year, now.month)[1]
    return (days - now.day) * 86400 + 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
