"""SageMaker endpoints through InvokeEndpoint, with a request/response format per model.

Formats (the model's `format`, see router/catalog.py):
- `openai`: the container serves OpenAI's chat completions body (LMI, TGI's messages API);
- `tgi`: Text Generation Inference's `{"inputs", "parameters"}` with a plain role-prefixed
  transcript, for endpoints whose container applies no chat template;
- `tei`: Text Embeddings Inference, `{"inputs": [...]}` -> `[[...], ...]`;
- `jumpstart_embedding`: `{"text_inputs": [...]}` -> `{"embedding": [[...], ...]}`.
Where the container reports no token counts they are bounded from the texts (router.tokens): the
budget charges an upper bound, never an average.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from router.backends.aws_clients import ClientFactory, TimedClients, boto3_client, classify_aws_error
from router.backends.shapes import chat_result_from_openai, openai_chat_body, vector_of
from router.chat import ChatRequest, ChatResult
from router.embeddings import EmbeddingRequest, EmbeddingResult
from router.streaming.events import whole_answer
from router.streaming.openai_sse import read_openai_stream
from router.tokens import chat_input_bound, inputs_bound, text_bound
from shared.backend_errors import BackendError

if TYPE_CHECKING:
    from router.streaming.events import StreamEvent

ERROR_KINDS = {
    "ThrottlingException": "throttled",
    "ServiceUnavailable": "unavailable",
    "InternalFailure": "unavailable",
    "InternalDependencyException": "unavailable",
    "ModelNotReadyException": "unavailable",
    "ValidationError": "client",
    "AccessDeniedException": "client",
    "ModelStreamError": "unavailable",
    "InternalStreamFailure": "unavailable",
}
# Errors InvokeEndpointWithResponseStream sends inside its stream.
STREAM_ERRORS = ("ModelStreamError", "InternalStreamFailure")
TGI_FINISH = {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}


class SageMakerAdapter:
    def __init__(self, fmt: str, client_factory: ClientFactory = boto3_client) -> None:
        self._format = fmt
        self._clients = TimedClients("sagemaker-runtime", client_factory)

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        if self._format == "openai":
            answer = self._invoke(model_id, openai_chat_body(request, model_id), timeout_seconds)
            return chat_result_from_openai(answer, request, "sagemaker endpoint")
        if self._format == "tgi":
            _check_text_only(request, model_id)
            prompt = _transcript(request)
            answer = self._invoke(model_id, {"inputs": prompt, "parameters": _tgi_parameters(request)}, timeout_seconds)
            generation = answer[0] if isinstance(answer, list) and answer else answer
            if not isinstance(generation, dict) or not isinstance(generation.get("generated_text"), str):
                raise BackendError("unavailable", "sagemaker endpoint answered an unexpected shape")
            text = generation["generated_text"]
            details = generation.get("details")
            details = details if isinstance(details, dict) else {}
            generated = details.get("generated_tokens")
            return ChatResult(
                text=text,
                finish_reason=TGI_FINISH.get(str(details.get("finish_reason")), "stop"),
                input_tokens=chat_input_bound(request),
                output_tokens=generated if isinstance(generated, int) and generated >= 0 else text_bound(text),
            )
        raise BackendError("client", f"endpoint {model_id} serves embeddings, not chat", status=400)

    def stream(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> Iterator[StreamEvent]:
        """`openai` containers stream through InvokeEndpointWithResponseStream (their SSE in the payload parts);
        other formats answer whole."""
        if self._format != "openai":
            yield from whole_answer(self.complete(request, model_id, timeout_seconds))
            return
        body = {**openai_chat_body(request, model_id), "stream": True, "stream_options": {"include_usage": True}}
        client = self._clients.for_timeout(timeout_seconds)
        try:
            response = client.invoke_endpoint_with_response_stream(
                EndpointName=model_id, Body=json.dumps(body), ContentType="application/json", Accept="text/event-stream"
            )
            yield from read_openai_stream(_payload_parts(response["Body"]), "sagemaker endpoint")
        except BackendError:
            raise
        except Exception as err:  # botocore raises the stream's modelled errors while it is read
            raise _classify(err) from None

    def embed(self, request: EmbeddingRequest, model_id: str, timeout_seconds: float) -> EmbeddingResult:
        if request.dimensions is not None:
            raise BackendError("client", f"endpoint {model_id} does not accept 'dimensions'", status=400)
        if self._format == "tei":
            vectors = self._invoke(model_id, {"inputs": list(request.inputs)}, timeout_seconds)
        elif self._format == "jumpstart_embedding":
            answer = self._invoke(model_id, {"text_inputs": list(request.inputs)}, timeout_seconds)
            vectors = answer.get("embedding") if isinstance(answer, dict) else None
        else:
            raise BackendError("client", f"endpoint {model_id} serves chat, not embeddings", status=400)
        if not isinstance(vectors, list) or len(vectors) != len(request.inputs):
            raise BackendError("unavailable", "sagemaker endpoint answered an unexpected embeddings shape")
        return EmbeddingResult(
            tuple(vector_of(v, "sagemaker endpoint") for v in vectors),
            inputs_bound(request.inputs),
        )

    def _invoke(self, endpoint: str, body: dict[str, Any], timeout_seconds: float) -> Any:
        client = self._clients.for_timeout(timeout_seconds)
        try:
            response = client.invoke_endpoint(
                EndpointName=endpoint, Body=json.dumps(body), ContentType="application/json", Accept="application/json"
            )
            return json.loads(response["Body"].read())
        except ValueError:
            raise BackendError("unavailable", "sagemaker endpoint answered malformed JSON") from None
        except Exception as err:
            raise _classify(err) from None


def _payload_parts(stream: Iterable[Any]) -> Iterator[bytes]:
    for item in stream:
        if isinstance(item, dict):
            for name in STREAM_ERRORS:
                if name in item:
                    raise BackendError("unavailable", f"sagemaker stream: {name}")
            part = item.get("PayloadPart")
            if isinstance(part, dict) and isinstance(part.get("Bytes"), bytes):
                yield part["Bytes"]


def _classify(err: Exception) -> BackendError:
    """ModelError carries the container's own status: 429 throttles, other 4xx are the request's fault."""
    response = getattr(err, "response", None)
    if isinstance(response, dict) and response.get("Error", {}).get("Code") == "ModelError":
        original = response.get("OriginalStatusCode")
        status = original if isinstance(original, int) else 424
        kind = "throttled" if status == 429 else "client" if 400 <= status < 500 else "unavailable"
        return BackendError(kind, f"sagemaker endpoint answered {status}", status=status)
    return classify_aws_error(err, ERROR_KINDS, "sagemaker")


def _check_text_only(request: ChatRequest, endpoint: str) -> None:
    """A `tgi` endpoint takes a text transcript: tools, images and structured output are refused, in our words."""
    asked = [
        name
        for name, used in (
            ("tools and tool messages", request.uses_tools),
            ("images", request.multimodal),
            ("response_format", request.response_format is not None),
        )
        if used
    ]
    if asked:
        raise BackendError(
            "client",
            f"endpoint {endpoint} (tgi format) was asked for {', '.join(asked)}",
            status=400,
            public=f"this model takes text only: {', '.join(asked)} are not supported by it "
            "(SageMaker endpoints in the 'openai' format take them)",
        )


def _transcript(request: ChatRequest) -> str:
    lines = [f"System: {request.system}"] if request.system else []
    lines += [f"{m.role.capitalize()}: {m.content}" for m in request.messages]
    return "\n".join([*lines, "Assistant:"])


def _tgi_parameters(request: ChatRequest) -> dict[str, Any]:
    parameters: dict[str, Any] = {"details": True, "return_full_text": False}
    if request.max_tokens is not None:
        parameters["max_new_tokens"] = request.max_tokens
    # TGI refuses temperature 0 and top_p 1: greedy decoding and "no nucleus cut" are spelled differently.
    if request.temperature is not None:
        if request.temperature > 0:
            parameters.update(temperature=request.temperature, do_sample=True)
        else:
            parameters["do_sample"] = False
    if request.top_p is not None and 0 < request.top_p < 1:
        parameters["top_p"] = request.top_p
    if request.stop:
        parameters["stop"] = list(request.stop)
    if request.seed is not None and request.seed >= 0:
        parameters["seed"] = request.seed
    return parameters
