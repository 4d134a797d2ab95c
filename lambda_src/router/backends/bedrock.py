"""Bedrock Runtime: chat through Converse (mapped by router.backends.converse), embeddings through InvokeModel
(Titan and Cohere bodies)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from router.backends.aws_clients import ClientFactory, TimedClients, boto3_client, classify_aws_error
from router.backends.converse import answer_of, converse_request
from router.backends.converse_stream import STREAM_ERRORS, read_converse_stream
from router.backends.shapes import vector_of
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.tokens import answer_bound, chat_input_bound, inputs_bound, text_bound
from shared.backend_errors import BackendError

if TYPE_CHECKING:
    from router.streaming.events import StreamEvent

# Bedrock error codes -> the router's failure kinds (anything unknown counts as unavailable).
ERROR_KINDS = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "throttled",
    "ModelTimeoutException": "timeout",
    "ServiceUnavailableException": "unavailable",
    "InternalServerException": "unavailable",
    "ModelNotReadyException": "unavailable",
    "ModelErrorException": "unavailable",
    "ValidationException": "client",
    "AccessDeniedException": "client",
    "ResourceNotFoundException": "client",
}
STREAM_ERROR_KINDS = {**ERROR_KINDS, **STREAM_ERRORS}
TOKEN_COUNT_HEADER = "x-amzn-bedrock-input-token-count"  # noqa: S105 - a header name


class BedrockAdapter:
    def __init__(self, client_factory: ClientFactory = boto3_client) -> None:
        self._clients = TimedClients("bedrock-runtime", client_factory)

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        body, plan = converse_request(request, model_id)
        try:
            answer = self._clients.for_timeout(timeout_seconds).converse(**body)
        except Exception as err:
            raise classify_aws_error(err, ERROR_KINDS, "bedrock") from None
        blocks = answer.get("output", {}).get("message", {}).get("content", [])
        text, calls, finish_reason = answer_of(
            blocks if isinstance(blocks, list) else [], answer.get("stopReason", ""), plan
        )
        result = ChatResult(text, finish_reason, 0, 0, calls)
        usage = answer.get("usage") or {}
        reported = (usage.get("inputTokens"), usage.get("outputTokens"))
        # Bedrock always reports usage; should it not, the bounds are charged, never nothing.
        return replace(
            result,
            input_tokens=reported[0] if isinstance(reported[0], int) else chat_input_bound(request),
            output_tokens=reported[1] if isinstance(reported[1], int) else answer_bound(result),
        )

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[StreamEvent]:
        """ConverseStream's answer as it arrives; the call is made on the first `next()`."""
        body, plan = converse_request(request, model_id)
        try:
            response = self._clients.for_timeout(timeout_seconds).converse_stream(**body)
            yield from read_converse_stream(response.get("stream") or (), plan)
        except BackendError:
            raise
        except Exception as err:  # botocore raises a stream's modelled exceptions while it is read
            raise classify_aws_error(err, STREAM_ERROR_KINDS, "bedrock") from None

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        if "cohere.embed" in model_id:
            if request.dimensions is not None:
                raise BackendError("client", f"model {model_id} does not accept 'dimensions'", status=400)
            body = {"texts": list(request.inputs), "input_type": "search_document", "truncate": "NONE"}
            answer, tokens = self._invoke(model_id, body, timeout_seconds)
            vectors = answer.get("embeddings")
            if not isinstance(vectors, list) or len(vectors) != len(request.inputs):
                raise BackendError("unavailable", "bedrock answered an unexpected embeddings shape")
            return EmbeddingResult(
                tuple(vector_of(v, "bedrock") for v in vectors),
                tokens if tokens is not None else inputs_bound(request.inputs),
            )
        if "titan-embed" in model_id:
            if request.dimensions is not None and "titan-embed-text-v2" not in model_id:
                raise BackendError("client", f"model {model_id} does not accept 'dimensions'", status=400)
            return self._titan(request, model_id, timeout_seconds)
        raise BackendError("client", f"model {model_id} is not a Titan or Cohere embeddings model", status=400)

    def _titan(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        """Titan embeds one text per call. A failure part-way reports what the batch already did (billed,
        and kept, so the retry starts after it) plus the failed call's own charge."""
        vectors: list[tuple[float, ...]] = []
        total = 0
        for text in request.inputs:
            titan: dict[str, Any] = {"inputText": text}
            if request.dimensions is not None:
                titan["dimensions"] = request.dimensions
            try:
                answer, _ = self._invoke(model_id, titan, timeout_seconds)
                vector = vector_of(answer.get("embedding"), "bedrock")
            except BackendError as err:
                if not vectors:
                    raise
                raise BackendError(
                    err.kind,
                    err.message,
                    status=err.status,
                    retry_after=err.retry_after,
                    consumed_tokens=total + err.charge(text_bound(text)),
                    partial=EmbeddingResult(tuple(vectors), total),
                ) from None
            count = answer.get("inputTextTokenCount")
            vectors.append(vector)
            total += count if isinstance(count, int) and not isinstance(count, bool) else text_bound(text)
        return EmbeddingResult(tuple(vectors), total)

    def _invoke(self, model_id: str, body: dict[str, Any], timeout_seconds: float) -> tuple[dict[str, Any], int | None]:
        client = self._clients.for_timeout(timeout_seconds)
        try:
            response = client.invoke_model(
                modelId=model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
            )
            answer = json.loads(response["body"].read())
        except BackendError:
            raise
        except ValueError:
            raise BackendError("unavailable", "bedrock answered malformed JSON") from None
        except Exception as err:
            raise classify_aws_error(err, ERROR_KINDS, "bedrock") from None
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        count = headers.get(TOKEN_COUNT_HEADER)
        if not isinstance(answer, dict):
            raise BackendError("unavailable", "bedrock answered an unexpected embeddings shape")
        return answer, int(count) if isinstance(count, str) and count.isdigit() else None
