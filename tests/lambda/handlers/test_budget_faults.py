"""Budgets under concurrency and faults: the counter is never below what providers billed, and billed spend
never passes the budget.

Many threads send chat and embeddings requests for two tenants through the router
handler with its real adapters: Bedrock (Converse and Titan's one-call-per-text
embeddings) over a fake client, and an OpenAI-compatible provider on 127.0.0.1. Both
bill like real tokenizers (never more than a text's UTF-8 bytes plus template framing;
the model's own default of 4,096 output tokens when no cap is sent) and record every
token they bill, per tenant. They randomly answer, throttle, time out mid-answer, fail
part-way through a batch, answer too large, bill and then garble the answer, refuse
with 4xx/5xx; DynamoDB randomly throttles writes (not applied) or applies a write and
then fails (outcome unknown). The budget table is moto's.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from router.backends import http_provider
from router.backends.bedrock import BedrockAdapter
from router.backends.http_provider import HttpProviderAdapter
from router.backends.registry import Backends
from router.pipeline.budgets import DynamoBudgets
from router.pipeline.serving import ModelService
from shared.resilience import Caller, CircuitBreaker, RetryPolicy
from tests.support.http import running, send_json
from tests.support.router_harness import SerializedWrites, build_router, threads

TABLE = "aigw-test-budgets"  # conftest.BUDGET_TABLE
BUDGETS = {"acme": (60_000, 90_000), "globex": (50_000, 40_000)}  # (daily, monthly)
MODEL_DEFAULT_OUTPUT = 4096  # what a model generates up to when the request sends no cap
TEXTS = (
    "Hello there, how are you?",
    "日本語のテキストはトークンが多い。東京、京都、大阪。",
    "🙂🚀🔥 emoji 🎉👩‍👩‍👧‍👦",
    "ﷺ ﷻ ㍿ NFKC grows these",
    "Summarize: " + "lorem ipsum " * 20,
)


class Ledger:
    """What the providers billed, by tenant, and which faults they injected."""

    def __init__(self, seed: int) -> None:
        self.billed: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.tenant = threading.local()

    def bill(self, tenant: str, tokens: int) -> None:
        with self.lock:
            self.billed[tenant] += tokens

    def pick(self, outcomes: dict[str, int]) -> str:
        with self.lock:
            outcome = self.rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
            self.faults[outcome] += 1
            return outcome

    def tokens_of(self, text: str) -> int:
        """A tokenizer's count: between a quarter of the text's bytes and all of them (+1 word start)."""
        size = len(text.encode("utf-8", "surrogatepass"))
        with self.lock:
            return self.rng.randint(max(1, size // 4), size + 1)

    def framing(self, messages: int) -> int:
        with self.lock:
            return sum(self.rng.randint(0, 8) for _ in range(messages)) + self.rng.randint(0, 16)

    def output(self, cap: int | None) -> int:
        with self.lock:
            return self.rng.randint(1, cap) if cap else MODEL_DEFAULT_OUTPUT


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "x")


class FakeBedrock:
    """bedrock-runtime's converse and invoke_model (Titan), billing the thread's tenant."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def converse(self, **body: Any) -> dict[str, Any]:
        ledger, tenant = self.ledger, self.ledger.tenant.name
        texts = [m["content"][0]["text"] for m in body["messages"]] + [s["text"] for s in body.get("system", [])]
        input_tokens = sum(ledger.tokens_of(t) for t in texts) + ledger.framing(len(texts))
        cap = body.get("inferenceConfig", {}).get("maxTokens")
        outcome = ledger.pick(
            {"answer": 45, "throttle": 10, "read_timeout": 10, "model_timeout": 5, "server_500": 10,
             "bill_then_garble": 10, "client_400": 10}
        )  # fmt: skip
        if outcome == "throttle":
            raise _client_error("ThrottlingException", 429)
        if outcome == "server_500":
            raise _client_error("InternalServerException", 500)
        if outcome == "client_400":
            raise _client_error("ValidationException", 400)
        output_tokens = ledger.output(cap)
        if outcome in ("read_timeout", "model_timeout"):
            ledger.bill(tenant, input_tokens + ledger.output(output_tokens))  # cut off mid-answer
            if outcome == "model_timeout":
                raise _client_error("ModelTimeoutException", 408)
            raise ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com")
        ledger.bill(tenant, input_tokens + output_tokens)
        if outcome == "bill_then_garble":
            raise ResponseParserError("garbled answer")
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens},
        }

    def invoke_model(self, **call: Any) -> dict[str, Any]:
        ledger, tenant = self.ledger, self.ledger.tenant.name
        text = json.loads(call["body"])["inputText"]
        outcome = ledger.pick({"embed": 80, "embed_throttle": 8, "embed_timeout": 6, "embed_500": 6})
        if outcome == "embed_throttle":
            raise _client_error("ThrottlingException", 429)
        if outcome == "embed_500":
            raise _client_error("InternalServerException", 500)
        tokens = ledger.tokens_of(text)
        ledger.bill(tenant, tokens)
        if outcome == "embed_timeout":
            raise ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com")

        class Body:
            def read(self) -> bytes:
                return json.dumps({"embedding": [0.1, 0.2], "inputTextTokenCount": tokens}).encode()

        return {"body": Body(), "ResponseMetadata": {"HTTPHeaders": {}}}


def provider_handler(ledger: Ledger) -> type[BaseHTTPRequestHandler]:
    class Provider(BaseHTTPRequestHandler):
        """An OpenAI-compatible provider billing the tenant named in `user`."""

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            tenant = body["user"].split("-")[0]
            texts = [m["content"] for m in body["messages"]]
            input_tokens = sum(ledger.tokens_of(t) for t in texts) + ledger.framing(len(texts))
            outcome = ledger.pick({"http_answer": 50, "http_429": 15, "http_500": 10, "oversize": 15, "no_usage": 10})
            if outcome == "http_429":
                send_json(self, 429, {"error": {"message": "slow down"}})
                return
            if outcome == "http_500":
                send_json(self, 500, {"error": {"message": "boom"}})
                return
            output_tokens = ledger.output(body.get("max_tokens"))
            ledger.bill(tenant, input_tokens + output_tokens)
            answer: dict[str, Any] = {"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}
            if outcome == "oversize":
                answer["padding"] = "x" * (2 * http_provider.MAX_RESPONSE_BYTES)
            if outcome != "no_usage":
                answer["usage"] = {"prompt_tokens": input_tokens, "completion_tokens": output_tokens}
            send_json(self, 200, answer)

        def log_message(self, *args: object) -> None:
            pass

    return Provider


class FaultyWrites:
    """DynamoDB writes that sometimes throttle (not applied) or apply and then fail (outcome unknown)."""

    def __init__(self, client: Any, ledger: Ledger) -> None:
        self._client, self._ledger = client, ledger

    def update_item(self, **kwargs: Any) -> Any:
        outcome = self._ledger.pick({"write_ok": 90, "write_throttled": 6, "write_unknown": 4})
        if outcome == "write_throttled":
            raise _client_error("ProvisionedThroughputExceededException", 400)
        answer = self._client.update_item(**kwargs)
        if outcome == "write_unknown":
            raise _client_error("InternalServerError", 500)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class Secrets:
    def get(self, _secret_id: str) -> str:
        return "sk-test-provider"


@pytest.fixture
def dynamodb(budget_dynamodb: Any) -> Any:
    return budget_dynamodb


def body_for(rng: random.Random, tenant: str) -> tuple[str, dict[str, Any]]:
    texts = rng.sample(TEXTS, rng.randint(1, 3))
    if rng.random() < 0.3:
        return "/v1/embeddings", {"model": "titan-embed", "input": texts, "user": f"{tenant}-u"}
    body: dict[str, Any] = {
        "model": rng.choice(("resilient", "gpt", "haiku")),
        "messages": [{"role": "user", "content": t} for t in texts],
        "user": f"{tenant}-u",
    }
    if rng.random() < 0.5:
        body["max_tokens"] = rng.randint(16, 1500)
    return "/v1/chat/completions", body


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counter_covers_every_billed_token_and_never_passes_the_budget(
    monkeypatch: pytest.MonkeyPatch, dynamodb: Any, seed: int
) -> None:
    ledger = Ledger(seed)
    monkeypatch.setattr(http_provider, "MAX_RESPONSE_BYTES", 16 * 1024)
    router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": TABLE})
    settings = router.module.SETTINGS.settings
    bedrock = BedrockAdapter(lambda _service, _timeout: FakeBedrock(ledger))
    with running(ThreadingHTTPServer(("127.0.0.1", 0), provider_handler(ledger))) as url:
        service = ModelService(
            settings,
            Backends(
                {
                    "bedrock": lambda _entry: bedrock,
                    "openai_compatible": lambda _entry: HttpProviderAdapter(url, "key", Secrets()),  # type: ignore[arg-type]
                    "sagemaker": lambda _entry: bedrock,
                }
            ),
            Caller(
                breakers={},
                policy=RetryPolicy(attempts=3),
                sleep=lambda _seconds: None,
                breaker_factory=lambda: CircuitBreaker(failure_threshold=1000),
            ),
            DynamoBudgets(TABLE, FaultyWrites(SerializedWrites(dynamodb), ledger), sleep=lambda _s: None),
            None,
            clock=router.clock,
            log=lambda _message, _extra: None,
        )
        monkeypatch.setattr(router.module, "SERVICE", service)
        statuses: Counter[int] = Counter()
        lock = threading.Lock()
        per_thread = 30

        def work(index: int) -> None:
            rng = random.Random(seed * 1000 + index)
            tenant = "acme" if index % 2 else "globex"
            ledger.tenant.name = tenant
            daily, monthly = BUDGETS[tenant]
            for n in range(per_thread):
                path, body = body_for(rng, tenant)
                response = router.call(
                    path, body, tenant=tenant, daily=str(daily), monthly=str(monthly), request_id=f"r{index}-{n}"
                )
                json.loads(response["body"])
                with lock:
                    statuses[response["statusCode"]] += 1

        with threads(12, work):
            pass

    now = datetime.fromtimestamp(router.clock.now, UTC)
    reader = DynamoBudgets(TABLE, dynamodb)
    report = {}
    for tenant, (daily, monthly) in BUDGETS.items():
        day, month = reader.used(tenant, "day", now), reader.used(tenant, "month", now)
        billed = ledger.billed[tenant]
        report[tenant] = {"billed": billed, "counted": day, "overshoot": max(0, billed - min(daily, monthly))}
        assert day == month, "the day and month counters move together"
        assert billed <= day, f"{tenant}: providers billed {billed} tokens, the counter holds {day}"
        assert day <= min(daily, monthly), f"{tenant}: the counter passed its budget"
    faults = {k: v for k, v in ledger.faults.items() if k not in ("answer", "embed", "http_answer", "write_ok")}
    print(f"seed {seed}: {sum(statuses.values())} requests {dict(statuses)}, faults {faults}, {report}")
    assert sum(faults.values()) >= 100, "the run must inject enough faults to mean something"
    assert statuses[200] >= 20 and statuses[429] >= 5, "both answers and budget refusals must occur"
