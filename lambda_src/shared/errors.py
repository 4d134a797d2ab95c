"""The one exception type a handler turns into an OpenAI-compatible JSON error."""

from __future__ import annotations


class GatewayError(Exception):
    """A refusal with an HTTP status, a stable machine-readable code and a message for the caller.

    The message is shown to clients: it says what was wrong and what is accepted,
    and never carries secrets, stack traces or backend internals.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.error_type = error_type
        self.headers = dict(headers or {})
        # The request field at fault (OpenAI's `param`), when there is one.
        self.param = param
