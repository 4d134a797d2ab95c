"""Serve a chat request as a stream: the same route, cache, budget and resilience as a whole answer, with
the answer relayed as it arrives.

Before the first byte (refusals keep their status): the route is chosen, the cache asked,
and each attempt holds its budget and is made up to its first event, so a backend that
fails before answering is retried or failed over as usual. The hold is a grant: the
input bound plus as much of the output cap as the tenant's budget has room for (at
least `MIN_STREAM_OUTPUT_TOKENS`), and the model is sent that grant as its `max_tokens`.
So the provider can never bill past the budget, and a stream the budget cut short ends
with `finish_reason: "length"` and an `aigw.stop` note saying so.

After the first byte, a failure is an error event (then `[DONE]`), never a broken answer.
Charges: the provider's own counts when its stream reports them; else the bounds of what
arrived; a stream cut mid-way (or abandoned by the client) is charged its whole grant.
Output guardrails: the PII step screens the text as it streams through a window
(router.guardrails.stream_screen: an entity is always judged whole) and tool calls at the
end; with Bedrock's guardrail on the answer, the answer is held to its end and screened
whole before any of it is sent. Nothing unscreened ever leaves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain
from typing import TYPE_CHECKING

from router.api.sse import ChatFraming, Framing, StreamIdentity
from router.chat import ChatResult, ToolCall
from router.guardrails.stream_screen import StreamScreen, streams_answer
from router.pipeline.budgets import Limits
from router.pipeline.cache_entries import from_cache, to_cache
from router.pipeline.metering import Meter
from router.pipeline.response_cache import cache_key
from router.pipeline.served import Served
from router.pipeline.usage_draft import UsageDraft
from router.streaming.events import Delta, Finish, StreamEvent, whole_answer
from router.tokens import DEFAULT_MAX_OUTPUT_TOKENS, answer_bound, chat_input_bound
from shared import upstream_refusals
from shared.backend_errors import BackendError
from shared.errors import GatewayError
from shared.http import EventStream, error_body
from shared.resilience import AllTargetsFailed

if TYPE_CHECKING:
    from router.api.parse import ParsedChat
    from router.backends.base import Backend
    from router.catalog import ModelEntry
    from router.chat import ChatRequest
    from router.guardrails.checks import Screening
    from router.pipeline.serving import ModelService
    from shared.proxy_event import ProxyRequest

# The least output a stream is started with: below it the budget refuses (429) rather than cut at once.
MIN_STREAM_OUTPUT_TOKENS = 16
BUDGET_STOP = "token_budget"


def backend_stream(backend: Backend, request: ChatRequest, model_id: str, seconds: float) -> Iterator[StreamEvent]:
    """The backend's own stream, or its whole answer as stream events when it cannot stream."""
    stream: Callable[[ChatRequest, str, float], Iterator[StreamEvent]] | None = getattr(backend, "stream", None)
    if stream is None:
        return whole_answer(backend.complete(request, model_id, seconds))
    return stream(request, model_id, seconds)


@dataclass
class Opened:
    """An attempt that answered: its model, first event, the rest, and the tokens it may bill."""

    entry: ModelEntry
    first: StreamEvent
    rest: Iterator[StreamEvent]
    allowance: int
    budget_cut: bool


class _Answer:
    """What has arrived: text and tool calls, assembled from deltas."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, list[str]] = {}
        self.names: dict[int, tuple[str, str]] = {}

    def add(self, delta: Delta) -> None:
        if delta.text:
            self.text.append(delta.text)
        if delta.tool_index is not None:
            if delta.tool_index not in self.names:
                self.names[delta.tool_index] = (delta.tool_id or "", delta.tool_name or "")
                self.calls[delta.tool_index] = []
            self.calls[delta.tool_index].append(delta.arguments)

    def result(self, finish: Finish, input_bound: int) -> ChatResult:
        calls = tuple(ToolCall(*self.names[i], "".join(self.calls[i])) for i in sorted(self.names))
        partial = ChatResult("".join(self.text), finish.reason, 0, 0, calls)
        return replace(
            partial,
            input_tokens=input_bound if finish.input_tokens is None else finish.input_tokens,
            output_tokens=answer_bound(partial) if finish.output_tokens is None else finish.output_tokens,
        )


def _pieces(frame: Framing, delta: Delta) -> Iterator[str]:
    if delta.text:
        yield frame.text(delta.text)
    if delta.tool_index is not None:
        if delta.tool_name is not None:
            yield frame.tool_start(delta.tool_index, delta.tool_id or "", delta.tool_name)
        if delta.arguments:
            yield frame.tool_arguments(delta.tool_index, delta.arguments)


@dataclass
class _Account:
    """One streamed request's account: its budget meter, usage record and the bounds it charges by."""

    service: ModelService
    proxy: ProxyRequest
    meter: Meter
    usage: UsageDraft
    input_bound: int
    started: float

    def finish(self, status: int) -> None:
        self.usage.status = status
        self.usage.emit(self.service.settings.metrics_namespace, (time.perf_counter() - self.started) * 1000,
                        self.service.log)  # fmt: skip


def open_chat_stream(
    service: ModelService,
    proxy: ProxyRequest,
    parsed: ParsedChat,
    *,
    remaining_seconds: float,
    screening: Screening | None,
    headers: Callable[[Served], dict[str, str]],
) -> EventStream:
    """The stream of one chat request, opened up to its first event (refusals raise before it)."""
    from router.pipeline.serving import cache_bypassed, chat_job

    settings = service.settings
    job = chat_job(parsed)
    sent: ChatRequest = job.request  # type: ignore[assignment]  # a chat job's request is a ChatRequest
    tenant = proxy.tenant
    if tenant is None:
        raise upstream_refusals.NO_TENANT
    plan = service.plan(proxy=proxy, tenant=tenant, alias=parsed.alias, job=job)
    usage = UsageDraft(proxy, tenant.tenant_id, parsed.alias, plan, prompt=parsed.prompt,
                       prompt_version=parsed.prompt_version)  # fmt: skip
    use_cache = (
        settings.cache.applies(parsed.alias, sent.temperature, deterministic=False)
        and service.cache is not None
        and not cache_bypassed(proxy)
    )
    key = cache_key(tenant.tenant_id, proxy.route, parsed.alias, sent) if use_cache else ""
    limits = Limits(tenant.daily_token_budget, tenant.monthly_token_budget)
    meter = Meter(service.budgets, tenant.tenant_id, limits, clock=service.clock, log=service.log,
                  request_id=proxy.request_id)  # fmt: skip
    account = _Account(service, proxy, meter, usage, chat_input_bound(sent), time.perf_counter())
    try:
        hit = service.cache.get(key) if use_cache and service.cache is not None else None
        cached = from_cache(hit, "chat", settings) if hit else None
        if cached is not None and cached.model.alias in plan.models and isinstance(cached.result, ChatResult):
            events = whole_answer(cached.result)
            opened, served = Opened(cached.model, next(events), events, 0, budget_cut=False), cached
            served = replace(served, decision=plan.decision)
        else:
            opened = _open(account, plan.models, sent, remaining_seconds)
            first = opened.entry.alias == plan.models[0]
            served = Served(ChatResult("", "stop", 0, 0), opened.entry, plan.arm if first else "fallback",
                            not first, "miss" if use_cache else "off", plan.decision)  # fmt: skip
    except GatewayError as err:
        meter.settle()
        account.finish(err.status)
        raise
    cache = service.cache if use_cache and served.cache == "miss" else None

    def store(answer: Served) -> None:
        if cache is not None:
            cache.put(key, to_cache(answer), settings.cache.ttl_seconds)

    identity = StreamIdentity(proxy.request_id, int(service.clock()), served.model.alias)
    if parsed.framing is not None:
        frame = parsed.framing(identity)
    else:
        frame = ChatFraming(identity, include_usage=parsed.include_usage)
    relay = _Relay(account, opened, served, screening, store, frame=frame)
    return EventStream(relay.events(), headers(served))


def _open(account: _Account, models: tuple[str, ...], sent: ChatRequest, remaining_seconds: float) -> Opened:
    service, meter, input_bound = account.service, account.meter, account.input_bound
    catalog = service.settings.by_alias
    cap = sent.max_tokens or DEFAULT_MAX_OUTPUT_TOKENS

    def attempt(model: str, seconds: float) -> Opened:
        entry = catalog[model]
        granted = meter.admit_up_to(input_bound + min(cap, MIN_STREAM_OUTPUT_TOKENS), input_bound + cap)
        output = granted - input_bound
        account.usage.tried(entry)
        began = time.perf_counter()
        try:
            events = backend_stream(
                service.backends.for_model(entry), replace(sent, max_tokens=output), entry.model_id, seconds
            )
            first = next(events, None)
            if first is None:
                raise BackendError("unavailable", "the stream ended before its first event")
        except BackendError as err:
            service.stats.record(model, time.perf_counter() - began, ok=False)
            meter.charge(err.charge(granted))
            service.log_failure(account.proxy, entry, err)
            raise
        # A stream's latency is its time to the first event: what a streaming client waits for.
        service.stats.record(model, time.perf_counter() - began, ok=True)
        return Opened(entry, first, events, granted, budget_cut=output < cap)

    try:
        budget_seconds = min(service.settings.deadline_seconds, remaining_seconds)
        opened: Opened = service.caller.run(models, attempt, budget_seconds, scope=account.usage.tenant)[1]
    except BackendError as err:
        raise upstream_refusals.client_refusal(err) from None
    except AllTargetsFailed as err:
        raise upstream_refusals.all_failed(err) from None
    return opened


class _Relay:
    """Relays one opened stream as events (its framing's) and settles its account once, however it ends."""

    def __init__(
        self,
        account: _Account,
        opened: Opened,
        served: Served,
        screening: Screening | None,
        store: Callable[[Served], None],
        *,
        frame: Framing,
    ) -> None:
        self.account, self.opened, self.served, self.store = account, opened, served, store
        self.screening = screening
        # The answer's text screened as it streams when the policy allows, else held and screened whole.
        self.window: StreamScreen | None = None
        if screening is not None and streams_answer(screening):
            self.window = StreamScreen(screening)
        self.frame = frame
        self.sent_any = False
        self.answer = _Answer()
        # A cache hit bills nothing.
        self.billed = opened.allowance > 0

    def _start(self) -> Iterator[str]:
        if not self.sent_any:
            self.sent_any = True
            yield self.frame.opening()

    def _relay(self) -> Iterator[str | Finish]:
        """The chunks of the deltas as they arrive (none while the answer is held for screening), then the Finish."""
        for item in chain([self.opened.first], self.opened.rest):
            if isinstance(item, Finish):
                yield item
                return
            self.answer.add(item)
            if self.screening is None:
                yield from self._start()
                yield from _pieces(self.frame, item)
            elif self.window is not None and item.text:
                # Tool calls are held to the end and screened whole; text leaves as the window releases it.
                released = self.window.feed(item.text)
                if released:
                    yield from self._start()
                    yield self.frame.text(released)
        raise BackendError("unavailable", "the stream ended without its finish")

    def events(self) -> Iterator[str]:
        account, finished, status = self.account, False, 500
        try:
            finish: Finish | None = None
            for piece in self._relay():
                if isinstance(piece, Finish):
                    finish = piece
                else:
                    yield piece
            if finish is None:  # _relay raises first; mypy cannot know
                raise BackendError("unavailable", "the stream ended without its finish")
            finished = True
            result = self._settle(self.answer.result(finish, account.input_bound))
            yield from self._start()
            yield from self._screened_rest(result)
            yield from self._end(result)
            status = 200
        except BackendError as err:
            if self.billed:
                account.meter.charge(err.charge(self.opened.allowance))
            account.service.log_failure(account.proxy, self.opened.entry, err)
            status = 502
            yield from self._error(upstream_refusals.all_failed(AllTargetsFailed({self.opened.entry.alias: err}, ())))
        except GatewayError as err:  # a guardrail refused the answer
            status = err.status
            yield from self._error(err)
        except GeneratorExit:
            # The client went away: the provider may have generated up to what it was allowed.
            if self.billed and not finished:
                account.meter.charge(self.opened.allowance)
            status = 499
            raise
        finally:
            account.meter.settle()
            account.finish(status)

    def _settle(self, result: ChatResult) -> ChatResult:
        """Charge the answer, record and cache it; the answer as the client may see it (screened)."""
        usage = self.account.usage
        if self.billed:
            self.account.meter.charge(result.input_tokens + result.output_tokens)
            usage.tokens = (result.input_tokens, result.output_tokens)
            usage.cost = self.account.service.cost(replace(self.served, result=result))
            self.store(replace(self.served, result=result))
        usage.done(replace(self.served, result=result), 200, *usage.tokens, usage.cost)
        return result

    def _screened_rest(self, result: ChatResult) -> Iterator[str]:
        """What the screening held back: the window's rest and the tool calls, or the whole answer."""
        if self.screening is None:
            return
        if self.window is None:
            shown = self.screening.screen_answer(result)
        else:
            rest = self.window.flush()
            if rest:
                yield self.frame.text(rest)
            shown = self.screening.screen_answer(replace(result, text=""))
        yield from (c for d in whole_answer(shown) if isinstance(d, Delta) for c in _pieces(self.frame, d))

    def _end(self, result: ChatResult) -> Iterator[str]:
        note = None
        if self.opened.budget_cut and result.finish_reason == "length":
            note = {"stop": BUDGET_STOP, "message": "the answer was stopped at the tenant's token budget"}
        yield self.frame.closing(result, note)

    def _error(self, err: GatewayError) -> Iterator[str]:
        """Before any byte, the refusal itself (its status still stands); after, an error event and the end."""
        if not self.sent_any:
            raise err
        yield self.frame.failure(error_body(err, self.account.proxy.request_id))
