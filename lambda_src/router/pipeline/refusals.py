"""The answers the pipeline gives when it cannot serve: over budget, budget store down, upstream failures.

Each maps an internal outcome to the client's error envelope (status, code, message,
`Retry-After`), in one place, so the serving pipeline reads as a straight line.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from router.api.render import MAX_ANSWER_BYTES, embedding_answer_bound
from router.pipeline.budgets import BudgetExceeded
from shared.errors import GatewayError

BUDGET_UNAVAILABLE = GatewayError(
    503,
    "budget_unavailable",
    "the gateway cannot check this tenant's token budget right now; retry shortly",
    error_type="server_error",
    headers={"retry-after": "1"},
)


def budget_exceeded(err: BudgetExceeded, now: datetime) -> GatewayError:
    """429 with the period that ran out and when it resets (`Retry-After` in seconds)."""
    return GatewayError(
        429,
        "token_budget_exceeded",
        f"{err}; it resets at {_reset_text(err.period)} UTC",
        error_type="insufficient_quota",
        headers={"retry-after": str(_seconds_to_reset(err.period, now))},
    )


def model_not_found(alias: str, other_route: str | None) -> GatewayError:
    """404 for a model the tenant may not use; `other_route` only for a tenant that may use it elsewhere."""
    hint = f"; it is served on {other_route}" if other_route else ""
    return GatewayError(
        404,
        "model_not_found",
        f"model '{alias}' does not exist or is not available to this tenant{hint}; "
        "GET /v1/models lists the models you may use",
        param="model",
    )


def embedding_size_refusal(inputs: int, dimensions: int, as_base64: bool) -> GatewayError | None:
    """400 when the answer could pass Lambda's response limit, saying what to reduce; None when it fits."""
    if embedding_answer_bound(inputs, dimensions, as_base64) <= MAX_ANSWER_BYTES:
        return None
    fitting = max(i for i in range(inputs) if embedding_answer_bound(i, dimensions, as_base64) <= MAX_ANSWER_BYTES)
    hints = [f"send at most {fitting} inputs per request" if fitting else "ask for fewer dimensions"]
    if not as_base64:
        hints.append("ask for encoding_format 'base64' (about a fifth of the size)")
    return GatewayError(
        400,
        "embeddings_too_large",
        f"{inputs} embeddings of {dimensions} dimensions would not fit in one gateway answer "
        f"({MAX_ANSWER_BYTES:,} bytes); " + ", or ".join(hints),
        param="input",
    )


def _reset_text(period: str) -> str:
    return "midnight" if period == "day" else "midnight on the first of next month"


def _seconds_to_reset(period: str, now: datetime) -> int:
    """Seconds until the UTC day or month that holds `now` ends."""
    if period == "day":
        return 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    days = calendar.monthrange(now.year, now.month)[1]
    return (days - now.day) * 86400 + 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
