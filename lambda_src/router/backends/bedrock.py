"""Bedrock Runtime Converse adapter.

boto3 is imported on first use; the client has explicit timeouts and no SDK retries
(the router's own retry policy decides, with the request's deadline in view).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from router.chat import ChatRequest, ChatResult
from router.resilience import BackendError

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
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "content_filtered": "content_filter",
}


def _default_client() -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=28, retries={"max_attempts": 1, "mode": "standard"})
    return boto3.client("bedrock-runtime", config=config)


class BedrockAdapter:
    def __init__(self, client_factory: Callable[[], Any] = _default_client) -> None:
        self._factory = client_factory
        self._client: Any = None

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        if self._client is None:
            self._client = self._factory()
        body: dict[str, Any] = {
            "modelId": model_id,
            "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in request.messages],
        }
        if request.system:
            body["system"] = [{"text": request.system}]
        settings = {
            "maxTokens": request.max_tokens,
            "temperature": request.temperature,
            "topP": request.top_p,
            "stopSequences": list(request.stop) or None,
        }
        inference = {k: v for k, v in settings.items() if v is not None}
        if inference:
            body["inferenceConfig"] = inference
        try:
            answer = self._client.converse(**body)
        except Exception as err:
            raise _classify(err) from None
        blocks = answer.get("output", {}).get("message", {}).get("content", [])
        usage = answer.get("usage", {})
        return ChatResult(
            text="".join(b["text"] for b in blocks if isinstance(b, dict) and "text" in b),
            finish_reason=STOP_REASONS.get(answer.get("stopReason", ""), "stop"),
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
        )


def _classify(err: Exception) -> BackendError:
    response = getattr(err, "response", None)
    if not isinstance(response, dict):  # connection and read timeouts from botocore
        kind = "timeout" if "timeout" in type(err).__name__.lower() else "unavailable"
        return BackendError(kind, f"bedrock call failed: {type(err).__name__}")
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message = str(response.get("Error", {}).get("Message", code))[:500]
    return BackendError(ERROR_KINDS.get(code, "unavailable"), message, status=status)
