"""The SageMaker adapter against botocore's Stubber: each format's request and answer, and error kinds."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from router.backends.sagemaker import SageMakerAdapter
from router.chat import ChatMessage, ChatRequest
from router.embeddings import EmbeddingRequest
from shared.backend_errors import BackendError

ENDPOINT = "llama3-8b-endpoint"
ASK = ChatRequest(
    (ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello"), ChatMessage("user", "Bye?")),
    system="Be brief.",
    temperature=0.0,
    top_p=1.0,
    max_tokens=32,
    stop=("END",),
)


@pytest.fixture
def client() -> Iterator[tuple[Any, Stubber]]:
    sagemaker: Any = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(sagemaker) as stubber:
        yield sagemaker, stubber
        stubber.assert_no_pending_responses()


def adapter(fmt: str, sagemaker: Any) -> SageMakerAdapter:
    return SageMakerAdapter(fmt, lambda _service, _timeout: sagemaker)


def answer(document: Any) -> dict[str, Any]:
    payload = json.dumps(document).encode()
    return {"Body": StreamingBody(io.BytesIO(payload), len(payload)), "ContentType": "application/json"}


LAST: dict[str, Any] = {}


def capture(sagemaker: Any) -> None:
    def before(params: dict[str, Any], **_: Any) -> None:
        LAST["body"] = params["Body"]

    sagemaker.meta.events.register("provide-client-params.sagemaker-runtime.InvokeEndpoint", before)


def test_openai_format_sends_a_chat_body_and_reads_a_chat_completion(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    capture(sagemaker)
    stubber.add_response(
        "invoke_endpoint",
        answer({"choices": [{"message": {"content": "Bye!"}, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 20, "completion_tokens": 2}}),
    )  # fmt: skip
    result = adapter("openai", sagemaker).complete(ASK, ENDPOINT, 10)
    assert (result.text, result.finish_reason, result.input_tokens, result.output_tokens) == ("Bye!", "length", 20, 2)
    sent = json.loads(LAST["body"])
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["max_tokens"] == 32 and sent["stop"] == ["END"]


def test_tgi_format_spells_greedy_decoding_as_tgi_wants(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    capture(sagemaker)
    stubber.add_response(
        "invoke_endpoint",
        answer([{"generated_text": " Bye.", "details": {"finish_reason": "eos_token", "generated_tokens": 3}}]),
    )
    result = adapter("tgi", sagemaker).complete(ASK, ENDPOINT, 10)
    assert (result.text, result.finish_reason, result.output_tokens) == (" Bye.", "stop", 3)
    assert result.input_tokens > 0, "estimated when the container reports no prompt tokens"
    sent = json.loads(LAST["body"])
    assert sent["inputs"] == "System: Be brief.\nUser: Hi\nAssistant: Hello\nUser: Bye?\nAssistant:"
    assert sent["parameters"] == {
        "details": True, "return_full_text": False, "max_new_tokens": 32, "do_sample": False, "stop": ["END"]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "sent_key", "reply"),
    [
        ("tei", "inputs", [[0.1, 0.2], [0.3, 0.4]]),
        ("jumpstart_embedding", "text_inputs", {"embedding": [[0.1, 0.2], [0.3, 0.4]]}),
    ],
)
def test_embedding_formats(client: tuple[Any, Stubber], fmt: str, sent_key: str, reply: Any) -> None:
    sagemaker, stubber = client
    capture(sagemaker)
    stubber.add_response("invoke_endpoint", answer(reply))
    result = adapter(fmt, sagemaker).embed(EmbeddingRequest(("one", "two")), ENDPOINT, 10)
    assert result.vectors == ((0.1, 0.2), (0.3, 0.4))
    assert json.loads(LAST["body"]) == {sent_key: ["one", "two"]}


@pytest.mark.parametrize(
    ("error", "extra", "kind"),
    [
        ("ThrottlingException", {}, "throttled"),
        ("ModelError", {"OriginalStatusCode": 429}, "throttled"),
        ("ModelError", {"OriginalStatusCode": 422}, "client"),
        ("ModelError", {"OriginalStatusCode": 500}, "unavailable"),
        ("ValidationError", {}, "client"),
        ("ServiceUnavailable", {}, "unavailable"),
        ("SomethingNew", {}, "unavailable"),
    ],
)
def test_errors_are_classified(client: tuple[Any, Stubber], error: str, extra: dict[str, Any], kind: str) -> None:
    sagemaker, stubber = client
    stubber.add_client_error("invoke_endpoint", service_error_code=error, http_status_code=424 if extra else 400,
                             response_meta=None, modeled_fields=extra)  # fmt: skip
    with pytest.raises(BackendError) as failed:
        adapter("openai", sagemaker).complete(ASK, ENDPOINT, 10)
    assert failed.value.kind == kind


def test_a_shape_the_format_does_not_describe_is_unavailable(client: tuple[Any, Stubber]) -> None:
    sagemaker, stubber = client
    stubber.add_response("invoke_endpoint", answer({"unexpected": 1}))
    with pytest.raises(BackendError, match="unexpected"):
        adapter("tgi", sagemaker).complete(ASK, ENDPOINT, 10)


def test_a_format_refuses_the_other_kind_and_dimensions(client: tuple[Any, Stubber]) -> None:
    sagemaker, _ = client
    with pytest.raises(BackendError, match="serves embeddings"):
        adapter("tei", sagemaker).complete(ASK, ENDPOINT, 10)
    with pytest.raises(BackendError, match="dimensions"):
        adapter("tei", sagemaker).embed(EmbeddingRequest(("x",), dimensions=8), ENDPOINT, 10)
