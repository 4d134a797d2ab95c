"""Any OpenAI-compatible HTTP provider: `POST <base_url>/chat/completions` with a bearer key.

The standard library's HTTP client keeps the cold start small; the key comes from
Secrets Manager through the cache and never reaches a log or an error message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from router.chat import ChatRequest, ChatResult
from router.resilience import BackendError
from router.secrets import SecretCache

MAX_RESPONSE_BYTES = 8 * 1024 * 1024


class HttpProviderAdapter:
    def __init__(self, base_url: str, secret_id: str, secrets: SecretCache) -> None:
        if not base_url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise ValueError("an HTTP provider's base URL must use https")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._secret_id, self._secrets = secret_id, secrets

    def complete(self, request: ChatRequest, model_id: str, timeout_seconds: float) -> ChatResult:
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + [
            {"role": m.role, "content": m.content} for m in request.messages
        ]
        body: dict[str, Any] = {"model": model_id, "messages": messages}
        for name, value in (
            ("temperature", request.temperature),
            ("top_p", request.top_p),
            ("max_tokens", request.max_tokens),
            ("stop", list(request.stop) or None),
            ("user", request.user),
        ):
            if value is not None:
                body[name] = value
        http_request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self._url,
            data=json.dumps(body).encode(),
            headers={
                "content-type": "application/json",
                "authorization": f"Bearer {self._secrets.get(self._secret_id)}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(http_request, timeout=max(0.1, timeout_seconds)) as response:  # noqa: S310
                answer = json.loads(response.read(MAX_RESPONSE_BYTES))
        except urllib.error.HTTPError as err:
            kind = "throttled" if err.code == 429 else "unavailable" if err.code >= 500 else "client"
            retry_after = err.headers.get("retry-after") if err.headers else None
            raise BackendError(
                kind,
                f"provider answered {err.code}",
                status=err.code,
                retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
            ) from None
        except TimeoutError:
            raise BackendError("timeout", "provider timed out") from None
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise BackendError("unavailable", f"provider unreachable or malformed: {type(err).__name__}") from None
        try:
            choice = answer["choices"][0]
            usage = answer.get("usage") or {}
            return ChatResult(
                text=str(choice["message"].get("content") or ""),
                finish_reason=str(choice.get("finish_reason") or "stop"),
                input_tokens=int(usage.get("prompt_tokens", 0)),
                output_tokens=int(usage.get("completion_tokens", 0)),
            )
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise BackendError("unavailable", "provider answered an unexpected shape") from None
