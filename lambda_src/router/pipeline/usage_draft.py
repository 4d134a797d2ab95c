"""The usage record of one model request, filled in as the request goes and emitted once at its end."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from router.pipeline.usage import Usage, emit

if TYPE_CHECKING:
    from router.catalog import ModelEntry
    from router.pipeline.served import Served
    from router.routing import Plan
    from shared.proxy_event import ProxyRequest


class UsageDraft:
    """What one request's usage record will say: the plan's primary until a model is tried or answers."""

    def __init__(
        self,
        proxy: ProxyRequest,
        tenant: str,
        alias: str,
        plan: Plan,
        *,
        prompt: str | None = None,
        prompt_version: int | None = None,
    ) -> None:
        self.proxy, self.tenant, self.alias, self.plan = proxy, tenant, alias, plan
        self.prompt, self.prompt_version = prompt, prompt_version
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

    def emit(self, namespace: str, latency_ms: float, log: Callable[[str, dict[str, Any]], None]) -> None:
        """Print the EMF record; a metrics failure is logged, never raised."""
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
                    prompt=self.prompt,
                    prompt_version=self.prompt_version,
                    decision=self.plan.decision,
                ),
                namespace,
            )
        except Exception as err:  # metrics must never fail a request
            log("usage metrics failed", {"error": type(err).__name__})
