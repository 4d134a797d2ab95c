"""The Bedrock Converse adapter against botocore's Stubber: request shape, answer shape, error kinds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from router.backends.bedrock import BedrockAdapter
from router.chat import ChatMessage, ChatRequest
from shared.backend_errors import BackendError

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.fixture
def stubbed() -> Iterator[tuple[BedrockAdapter, Stubber]]:
    client: Any = boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield BedrockAdapter(lambda _service, _timeout: client), stubber
        stubber.assert_no_pending_responses()


def answer(text: str = "Hi!", stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15},
        "metrics": {"latencyMs": 100},
    }


def test_a_chat_request_becomes_a_converse_call_and_the_answer_a_result(
    stubbed: tuple[BedrockAdapter, Stubber],
) -> None:
    adapter, stubber = stubbed
    expected = {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": "Hello"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 64, "temperature": 0.0, "stopSequences": ["END"]},
    }
    stubber.add_response("converse", answer(stop="max_tokens"), expected)
    request = ChatRequest(
        (ChatMessage("user", "Hello"),), system="Be brief.", temperature=0.0, max_tokens=64, stop=("END",)
    )
    result = adapter.complete(request, MODEL, timeout_seconds=10)
    assert (result.text, result.finish_reason, result.input_tokens, result.output_tokens) == ("Hi!", "length", 12, 3)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("ThrottlingException", 429, "throttled"),
        ("ServiceUnavailableException", 503, "unavailable"),
        ("ModelTimeoutException", 408, "timeout"),
        ("ValidationException", 400, "client"),
        ("AccessDeniedException", 403, "client"),
        ("SomethingNew", 500, "unavailable"),
    ],
)
def test_bedrock_errors_are_classified_for_the_retry_policy(
    stubbed: tuple[BedrockAdapter, Stubber], code: str, status: int, kind: str
) -> None:
    adapter, stubber = stubbed
    stubber.add_client_error("converse", service_error_code=code, service_message="nope", http_status_code=status)
    with pytest.raises(BackendError) as failed:
        adapter.complete(ChatRequest((ChatMessage("user", "x"),)), MODEL, timeout_seconds=10)
    assert (failed.value.kind, failed.value.status) == (kind, status)
    assert failed.value.retryable == (kind != "client")


def invoke_answer(document: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    import io
    import json

    from botocore.response import StreamingBody

    payload = json.dumps(document).encode()
    answer: dict[str, Any] = {
        "body": StreamingBody(io.BytesIO(payload), len(payload)),
        "contentType": "application/json",
    }
    if headers:
        answer["ResponseMetadata"] = {"HTTPStatusCode": 200, "HTTPHeaders": headers}
    return answer


def test_titan_embeds_one_text_per_call_with_dimensions(stubbed: tuple[BedrockAdapter, Stubber]) -> None:
    from router.embeddings import EmbeddingRequest

    adapter, stubber = stubbed
    for text, vector in (("a", [0.5, 1.0]), ("bb", [0.25, 2.0])):
        stubber.add_response(
            "invoke_model",
            invoke_answer({"embedding": vector, "inputTextTokenCount": len(text)}),
            {"modelId": "amazon.titan-embed-text-v2:0", "body": f'{{"inputText": "{text}", "dimensions": 256}}',
             "contentType": "application/json", "accept": "application/json"},
        )  # fmt: skip
    result = adapter.embed(EmbeddingRequest(("a", "bb"), dimensions=256), "amazon.titan-embed-text-v2:0", 10)
    assert result.vectors == ((0.5, 1.0), (0.25, 2.0))
    assert result.input_tokens == 3


def test_cohere_embeds_a_batch_and_reads_the_token_count_header(stubbed: tuple[BedrockAdapter, Stubber]) -> None:
    from router.embeddings import EmbeddingRequest

    adapter, stubber = stubbed
    stubber.add_response(
        "invoke_model",
        invoke_answer({"embeddings": [[1.0], [2.0]], "id": "x"}, {"x-amzn-bedrock-input-token-count": "11"}),
    )
    result = adapter.embed(EmbeddingRequest(("a", "b")), "cohere.embed-english-v3", 10)
    assert result.vectors == ((1.0,), (2.0,))
    assert result.input_tokens == 11


def test_embeddings_refuse_what_the_model_cannot_do(stubbed: tuple[BedrockAdapter, Stubber]) -> None:
    from router.embeddings import EmbeddingRequest

    adapter, _ = stubbed
    with pytest.raises(BackendError, match="not a Titan or Cohere"):
        adapter.embed(EmbeddingRequest(("a",)), MODEL, 10)
    with pytest.raises(BackendError, match="dimensions"):
        adapter.embed(EmbeddingRequest(("a",), dimensions=8), "cohere.embed-english-v3", 10)
