"""Run the router handler in-process with scripted backends, a fake clock and optional moto tables."""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

from router.backends.registry import Backends
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.live_stats import LiveStats
from router.pipeline.budgets import DynamoBudgets
from router.pipeline.response_cache import DynamoResponseCache
from router.pipeline.serving import ModelService
from shared.backend_errors import BackendError
from shared.resilience import Caller, CircuitBreaker, RetryPolicy
from tests.conftest import FakeLambdaContext
from tests.support.config_store import publish

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:provider-key-AbCdEf"
MODELS = {
    "haiku": {"provider": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
              "input_price_per_1k": 0.00025, "output_price_per_1k": 0.00125},
    "sonnet": {"provider": "bedrock", "model_id": "anthropic.claude-3-5-sonnet-20240620-v1:0",
               "input_price_per_1k": 0.003, "output_price_per_1k": 0.015},
    "llama": {"provider": "sagemaker", "model_id": "llama3-8b-endpoint"},
    "gpt": {"provider": "openai_compatible", "model_id": "gpt-4o-mini", "base_url": "https://api.example.com/v1",
            "secret_arn": SECRET},
    "titan-embed": {"provider": "bedrock", "model_id": "amazon.titan-embed-text-v2:0", "kind": "embedding"},
}  # fmt: skip
ROUTING = {
    "aliases": {
        "chat": {
            "strategy": "weighted",
            "sticky": "user",
            "targets": [{"model": "haiku", "weight": 90, "arm": "A"}, {"model": "llama", "weight": 10, "arm": "B"}],
            "fallbacks": ["sonnet"],
        },
        "resilient": {"targets": [{"model": "haiku"}], "fallbacks": ["sonnet", "gpt"]},
    },
    "tenant_pins": {},
}
EVERY_MODEL = "haiku,sonnet,llama,gpt,titan-embed"


class FakeClock:
    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@dataclass
class ScriptedBackend:
    """Answers from a per-model script (exceptions are raised); then the default answer."""

    scripts: dict[str, list[ChatResult | EmbeddingResult | BackendError]] = field(default_factory=dict)
    calls: list[tuple[str, float]] = field(default_factory=list)
    requests: list[ChatRequest | EmbeddingRequest] = field(default_factory=list)
    default_text: str = "Hello from the stub."
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _next(self, model_id: str, timeout_seconds: float) -> ChatResult | EmbeddingResult | None:
        with self.lock:
            self.calls.append((model_id, timeout_seconds))
            script = self.scripts.get(model_id)
            outcome = script.pop(0) if script else None
        if isinstance(outcome, BackendError):
            raise outcome
        return outcome

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        self.requests.append(request)
        outcome = self._next(model_id, timeout_seconds)
        if isinstance(outcome, ChatResult):
            return outcome
        return ChatResult(self.default_text, "stop", 12, 5)

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        self.requests.append(request)
        outcome = self._next(model_id, timeout_seconds)
        if isinstance(outcome, EmbeddingResult):
            return outcome
        return EmbeddingResult(tuple((0.25, -0.5, float(len(t))) for t in request.inputs), 3 * len(request.inputs))

    def last_chat(self) -> ChatRequest:
        """The last chat request a model was sent."""
        request = self.requests[-1]
        assert isinstance(request, ChatRequest)
        return request

    def called(self, model_id: str) -> int:
        return sum(1 for m, _ in self.calls if m == model_id)


@dataclass
class Router:
    module: ModuleType
    backend: ScriptedBackend
    clock: FakeClock
    service: ModelService

    def call(self, path: str, body: Any, **event: Any) -> dict[str, Any]:
        """Run one request through the handler; `event` takes proxy_event's keywords."""
        response: dict[str, Any] = self.module.handler(proxy_event(path, body, **event), FakeLambdaContext())
        return response


def proxy_event(
    path: str,
    body: Any,
    *,
    tenant: str | None = "acme",
    allowed: str = EVERY_MODEL,
    daily: str = "",
    monthly: str = "",
    headers: dict[str, str] | None = None,
    request_id: str = "req-1",
    raw: bool = False,
    method: str = "POST",
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway proxy event as the deployed stage sends it, with the authorizer's context.

    `resource` is the route template when it differs from `path` (`/v1/prompts/{promptName}`).
    """
    authorizer = (
        {
            "tenant_id": tenant,
            "tier": "premium",
            "allowed_models": allowed,
            "daily_token_budget": daily,
            "monthly_token_budget": monthly,
            "principalId": tenant,
        }
        if tenant is not None
        else None
    )
    return {
        "resource": resource or path,
        "path": path,
        "pathParameters": path_parameters,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": body if raw or body is None else json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {"requestId": request_id, "authorizer": authorizer},
    }


def build_router(
    monkeypatch: pytest.MonkeyPatch,
    *,
    env: dict[str, str] | None = None,
    response_cache: dict[str, Any] | None = None,
    dynamodb: Any = None,
    breaker_threshold: int = 3,
    attempts: int = 3,
    prompts: dict[str, Any] | None = None,
    guardrails: dict[str, Any] | None = None,
    routing: dict[str, Any] | None = None,
) -> Router:
    """Import the handler with the module's environment and document, then swap in scripted backends and a clock.

    `env` takes the function's scalar variables; `response_cache` is the document's cache settings; `routing`
    replaces the harness's ROUTING.
    """
    publish(monkeypatch, MODELS, routing or ROUTING, response_cache, prompts=prompts, guardrails=guardrails)
    for name, value in {"GATEWAY_DEADLINE_SECONDS": "27", **(env or {})}.items():
        monkeypatch.setenv(name, value)
    import router.handler

    module = importlib.reload(router.handler)
    settings = module.SETTINGS.settings
    assert settings is not None, "the test environment must be a valid configuration"
    backend = ScriptedBackend()
    clock = FakeClock()

    def breaker() -> CircuitBreaker:
        return CircuitBreaker(failure_threshold=breaker_threshold, reset_seconds=30.0, clock=clock)

    budgets = cache = None
    if dynamodb is not None and settings.budget_table:
        budgets = DynamoBudgets(settings.budget_table, SerializedWrites(dynamodb))
    if dynamodb is not None and settings.cache_table:
        cache = DynamoResponseCache(settings.cache_table, lambda: dynamodb, clock)
    service = ModelService(
        settings,
        Backends(dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: backend)),
        Caller(
            breakers={},
            policy=RetryPolicy(attempts=attempts),
            clock=clock,
            sleep=clock.sleep,
            breaker_factory=breaker,
        ),
        budgets,
        cache,
        clock=clock,
        log=lambda message, extra: module.logger.warning(message, extra=extra),
        stats=LiveStats(clock),
    )
    monkeypatch.setattr(module, "SERVICE", service)
    return Router(module, backend, clock, service)


def create_table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def body_of(response: dict[str, Any]) -> Any:
    assert response["headers"]["content-type"] == "application/json"
    return json.loads(response["body"])


def emf_records(output: str) -> list[dict[str, Any]]:
    """The embedded-metric-format records in captured stdout."""
    records = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            records.append(json.loads(line))
    return records


@contextmanager
def threads(count: int, work: Callable[[int], Any]) -> Iterator[list[Any]]:
    """Run `work(i)` on `count` threads started together; yield the results in order."""
    results: list[Any] = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait(timeout=10)
        results[index] = work(index)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "a worker did not finish in time"
    yield results


class SerializedWrites:
    """A DynamoDB client whose conditional writes run one at a time.

    DynamoDB evaluates a condition and applies the update atomically per item; moto's
    in-process backend does not lock, so threads could interleave inside one write.
    This restores the service's guarantee (and only that): the code under test still
    races freely between its calls.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def update_item(self, **kwargs: Any) -> Any:
        with self._lock:
            return self._client.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


PROMPT_ROUTE = "/v1/prompts/{promptName}"


def prompt_call(router: Router, name: str, body: Any, **event: Any) -> dict[str, Any]:
    """`POST /v1/prompts/<name>` through the handler, as API Gateway sends it (route template and parameter)."""
    return router.call(
        f"/v1/prompts/{name}", body, resource=PROMPT_ROUTE, path_parameters={"promptName": name}, **event
    )
