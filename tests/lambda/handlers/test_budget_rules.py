"""Each budget rule of the router, with the case that broke it before (moto DynamoDB, scripted backends)."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from router.backends.bedrock import BedrockAdapter
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.pipeline.budgets import BudgetWriteFailed, DynamoBudgets, Limits
from router.tokens import DEFAULT_MAX_OUTPUT_TOKENS, text_bound
from shared.backend_errors import BackendError
from tests.support.router_harness import MODELS, Router, SerializedWrites, body_of, build_router, threads

HAIKU = str(MODELS["haiku"]["model_id"])
SONNET = str(MODELS["sonnet"]["model_id"])
TITAN = str(MODELS["titan-embed"]["model_id"])
TABLE = "aigw-test-budgets"  # conftest.BUDGET_TABLE
CHAT = "/v1/chat/completions"
# 12 bytes: an input bound of 37 (13 + 8 per message + 16 per request); with max_tokens 63, 100 per attempt.
ASK = {"model": "haiku", "messages": [{"role": "user", "content": "Hello there!"}], "max_tokens": 63}
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def dynamodb(budget_dynamodb: Any) -> Any:
    return budget_dynamodb


@pytest.fixture
def router(monkeypatch: pytest.MonkeyPatch, dynamodb: Any) -> Router:
    return build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": TABLE}, dynamodb=dynamodb)


def used(dynamodb: Any, router: Router, tenant: str = "acme", period: str = "day") -> int:
    return DynamoBudgets(TABLE, dynamodb).used(tenant, period, datetime.fromtimestamp(router.clock.now, UTC))


# -- the reservation is a cap ----------------------------------------------------------------------------


def test_without_max_tokens_the_reserved_output_is_the_cap_sent_to_the_model(router: Router, dynamodb: Any) -> None:
    ask = {"model": "haiku", "messages": [{"role": "user", "content": "Hello there!"}]}
    router.backend.scripts[HAIKU] = [BackendError("timeout", "cut off"), ChatResult("ok", "stop", 5, 5)]
    assert router.call(CHAT, ask, daily="100000")["statusCode"] == 200
    sent = router.backend.requests[0]
    assert isinstance(sent, ChatRequest) and sent.max_tokens == DEFAULT_MAX_OUTPUT_TOKENS
    # The timed-out attempt is charged its whole allowance: the input bound plus exactly the cap sent.
    assert used(dynamodb, router) == 37 + DEFAULT_MAX_OUTPUT_TOKENS + 10


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_the_input_bound_is_never_below_any_byte_or_nfkc_tokenization(text: str) -> None:
    import unicodedata

    # A byte-level BPE emits at least one byte per token: its count is at most the UTF-8 length
    # of the text it tokenizes (after normalization, for tokenizers that NFKC first).
    for form in (text, unicodedata.normalize("NFKC", text)):
        assert text_bound(text) >= len(form.encode("utf-8", "surrogatepass")) + 1


@pytest.mark.parametrize("text", ["日本語のテキスト", "🙂🚀🔥👩‍👩‍👧‍👦", "ﷺ", "plain ascii"])
def test_scripts_that_take_many_tokens_per_character_are_bounded(text: str) -> None:
    # The old estimate was 4 characters per token: 8 CJK characters were 2 tokens, a family emoji 2.
    assert text_bound(text) >= len(text.encode()) + 1
    assert text_bound(text) >= 4 * ((len(text) + 3) // 4)


def test_concurrent_cjk_requests_without_max_tokens_stay_inside_the_budget(router: Router, dynamodb: Any) -> None:
    # Before: 20 such requests against 25,000 all passed and the counter ended at 164,040.
    text = "東京の天気について詳しく説明してください。" * 20  # 420 characters, 1,260 bytes
    billed: list[int] = []
    lock = threading.Lock()

    class Model:
        """Bills one token per character and generates up to the cap it is sent (its own default: 4,096)."""

        def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
            tokens = (sum(len(m.content) for m in request.messages), request.max_tokens or 4096)
            with lock:
                billed.append(sum(tokens))
            return ChatResult("…", "length", *tokens)

    router.service.backends._factories = dict.fromkeys(("bedrock", "sagemaker", "openai_compatible"), lambda _: Model())
    ask = {"model": "haiku", "messages": [{"role": "user", "content": text}]}

    def one(index: int) -> int:
        return int(router.call(CHAT, ask, daily="25000", request_id=f"c{index}")["statusCode"])

    with threads(20, one) as statuses:
        assert statuses.count(200) == len(billed) and 200 in statuses and 429 in statuses
    assert sum(billed) <= used(dynamodb, router) <= 25_000


# -- every attempt that may have billed is charged --------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "charged"),
    [
        (BackendError("timeout", "read timed out"), 300),  # three attempts, each its whole allowance
        (BackendError("unavailable", "connection reset mid-answer"), 300),
        (BackendError("unavailable", "the provider said 503", status=503), 0),  # an error answer: no work
        (BackendError("throttled", "slow down", status=429), 0),
        (BackendError("unavailable", "refused", billed=False), 0),
    ],
)
def test_failures_that_may_have_billed_keep_their_allowance(
    router: Router, dynamodb: Any, failure: BackendError, charged: int
) -> None:
    router.backend.scripts[HAIKU] = [failure] * 3
    assert router.call(CHAT, ASK, daily="1000")["statusCode"] in (502, 503, 504)
    assert used(dynamodb, router) == charged
    assert used(dynamodb, router, period="month") == charged


def test_each_retry_holds_its_own_allowance_before_it_is_made(router: Router, dynamodb: Any) -> None:
    # Room for two attempts only: the third is not made, and the counter never passes the budget.
    router.backend.scripts[HAIKU] = [BackendError("timeout", "slow")] * 3
    response = router.call(CHAT, ASK, daily="250")
    assert response["statusCode"] == 429
    assert router.backend.called(HAIKU) == 2
    assert used(dynamodb, router) == 200


def test_an_answer_too_large_is_not_retried_and_is_charged(router: Router, dynamodb: Any) -> None:
    router.backend.scripts[HAIKU] = [BackendError("oversize", "answer larger than 8 MiB")]
    response = router.call(CHAT, ASK, daily="1000")
    assert response["statusCode"] == 502
    assert body_of(response)["error"]["code"] == "upstream_answer_too_large"
    assert router.backend.called(HAIKU) == 1
    assert used(dynamodb, router) == 100


def test_an_answer_too_large_fails_over_to_the_next_model(router: Router, dynamodb: Any) -> None:
    router.backend.scripts[HAIKU] = [BackendError("oversize", "answer larger than 8 MiB")]
    router.backend.scripts[SONNET] = [ChatResult("ok", "stop", 10, 10)]
    response = router.call(CHAT, {**ASK, "model": "resilient"}, daily="1000")
    assert response["statusCode"] == 200
    assert (router.backend.called(HAIKU), router.backend.called(SONNET)) == (1, 1)
    assert used(dynamodb, router) == 120


def test_a_titan_batch_throttled_part_way_resumes_and_bills_each_text_once(
    router: Router, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client: Any = boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    counts = {"a": 3, "b": 4, "c": 5}

    def embedded(text: str) -> dict[str, Any]:
        return {"embedding": [0.5, 0.25], "inputTextTokenCount": counts[text]}

    with Stubber(client) as stubber:
        for text in ("a", "b"):
            stubber.add_response("invoke_model", {"body": _stream(embedded(text)), "contentType": "application/json"})
        stubber.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
        # The retry sends only "c".
        stubber.add_response("invoke_model", {"body": _stream(embedded("c")), "contentType": "application/json"})
        adapter = BedrockAdapter(lambda _service, _timeout: client)
        router.service.backends._factories = dict.fromkeys(("bedrock",), lambda _: adapter)
        response = router.call("/v1/embeddings", {"model": "titan-embed", "input": ["a", "b", "c"]}, daily="10000")
        stubber.assert_no_pending_responses()
    assert response["statusCode"] == 200, response["body"]
    body = body_of(response)
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    assert body["usage"]["prompt_tokens"] == 12
    assert used(dynamodb, router) == 12


def _stream(document: dict[str, Any]) -> Any:
    from io import BytesIO

    from botocore.response import StreamingBody

    raw = json.dumps(document).encode()
    return StreamingBody(BytesIO(raw), len(raw))


# -- the counters move together, and a failed write is recorded ----------------------------------------


class Failing:
    """A DynamoDB client whose next writes fail as scripted: 'before' (not applied) or 'after' (applied)."""

    def __init__(self, client: Any) -> None:
        self.client, self.script, self.writes = client, [], 0

    def update_item(self, **kwargs: Any) -> Any:
        self.writes += 1
        failure = self.script.pop(0) if self.script else None
        error = ClientError({"Error": {"Code": failure or "", "Message": "x"}}, "UpdateItem")
        if failure == "ProvisionedThroughputExceededException":
            raise error
        answer = self.client.update_item(**kwargs)
        if failure:
            raise error
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_day_and_month_are_one_write_so_they_move_together(dynamodb: Any) -> None:
    client = Failing(SerializedWrites(dynamodb))
    budgets = DynamoBudgets(TABLE, client, sleep=lambda _s: None)
    hold = budgets.reserve("acme", 100, Limits(day=1000, month=5000), NOW)
    assert client.writes == 1
    client.script = ["InternalServerError"]  # applied, then failed: both moved
    with pytest.raises(BudgetWriteFailed) as failed:
        budgets.settle(hold, 40)
    assert failed.value.applied is None
    assert (budgets.used("acme", "day", NOW), budgets.used("acme", "month", NOW)) == (40, 40)


def test_a_throttled_write_is_retried_because_it_was_not_applied(dynamodb: Any) -> None:
    client = Failing(SerializedWrites(dynamodb))
    budgets = DynamoBudgets(TABLE, client, sleep=lambda _s: None)
    client.script = ["ProvisionedThroughputExceededException"]
    budgets.reserve("acme", 100, Limits(day=1000), NOW)
    assert client.writes == 2
    assert budgets.used("acme", "day", NOW) == 100 == budgets.used("acme", "month", NOW)


def test_a_settle_that_fails_is_logged_for_reconciliation_and_never_undercounts(
    monkeypatch: pytest.MonkeyPatch, dynamodb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    router = build_router(monkeypatch, env={"GATEWAY_BUDGET_TABLE": TABLE}, dynamodb=dynamodb)
    client = Failing(SerializedWrites(dynamodb))
    router.service.budgets = DynamoBudgets(TABLE, client, sleep=lambda _s: None)
    # The hold succeeds; the settle is throttled on every try (never applied).
    client.script = ["", *["ProvisionedThroughputExceededException"] * 3]
    router.backend.scripts[HAIKU] = [ChatResult("ok", "stop", 10, 10)]
    with caplog.at_level(logging.WARNING):
        assert router.call(CHAT, ASK, daily="1000")["statusCode"] == 200
    records = [r for r in caplog.records if r.getMessage() == "budget reconcile"]
    assert len(records) == 1
    record: Any = records[0]
    assert (record.owed_tokens, record.attributes[1], record.request_id) == (-80, "month", "req-1")
    assert record.write_applied is False
    assert used(dynamodb, router) == 100, "the hold stays: more than was billed, never less"


# -- one tenant cannot trip another's circuit --------------------------------------------------------------


def test_one_tenants_failures_open_only_its_own_circuit(router: Router) -> None:
    router.backend.scripts[HAIKU] = [BackendError("timeout", "too long to answer")] * 9
    for index in range(3):
        router.call(CHAT, {**ASK, "model": "haiku"}, tenant="noisy", request_id=f"n{index}")
    calls = router.backend.called(HAIKU)
    assert router.call(CHAT, {**ASK, "model": "haiku"}, tenant="noisy")["statusCode"] == 503
    assert router.backend.called(HAIKU) == calls, "the noisy tenant's circuit is open"
    assert router.call(CHAT, {**ASK, "model": "haiku"}, tenant="quiet")["statusCode"] == 200


# -- embeddings answers are bounded before the backend is called -------------------------------------------


def test_an_embeddings_answer_that_could_not_fit_is_refused_before_any_call(router: Router) -> None:
    inputs = ["word"] * 2048
    response = router.call("/v1/embeddings", {"model": "titan-embed", "input": inputs}, daily="10000000")
    assert response["statusCode"] == 400
    error = body_of(response)["error"]
    assert (error["code"], error["param"]) == ("embeddings_too_large", "input")
    assert "send at most" in error["message"] and "base64" in error["message"]
    assert router.backend.calls == []


def test_fewer_dimensions_or_base64_make_the_same_batch_fit(router: Router) -> None:
    inputs = ["word"] * 100
    router.backend.scripts[TITAN] = [EmbeddingResult(tuple((0.5,) * 256 for _ in inputs), 100)]
    small = router.call("/v1/embeddings", {"model": "titan-embed", "input": inputs, "dimensions": 256})
    assert small["statusCode"] == 200, small["body"]
    sent = router.backend.requests[-1]
    assert isinstance(sent, EmbeddingRequest) and len(sent.inputs) == 100
