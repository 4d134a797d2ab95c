"""The alarm thresholds: one typed list, rendered into the `alarm_thresholds` input, its checks and its docs.

Each default says why it is what it is; the alarms (`watches.py`) name them by key.
"""

from __future__ import annotations

from dataclasses import dataclass

# API Gateway ends an integration at 29 s: a latency threshold above it could never fire.
INTEGRATION_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class Threshold:
    key: str
    default: float
    low: float
    high: float
    whole: bool
    why: str

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"threshold {self.key}: default {self.default} outside [{self.low}, {self.high}]")
        if not self.why.endswith("."):
            raise ValueError(f"threshold {self.key}: say why in a sentence")

    @property
    def allowed(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {number(self.low)} to {number(self.high)}"


def number(value: float) -> str:
    """A number as HCL and people write it: `1000000000`, `0.001`, never `1e+09`."""
    return str(int(value)) if value == int(value) else repr(value)


def _rate(key: str, default: float, why: str) -> Threshold:
    return Threshold(key, default, 0.001, 1, False, why)


def _count(key: str, default: int, why: str) -> Threshold:
    return Threshold(key, default, 1, 1_000_000_000, True, why)


def _latency(key: str, default: int, why: str) -> Threshold:
    return Threshold(key, default, 1, INTEGRATION_TIMEOUT_MS, True, why)


THRESHOLDS = (
    _rate(
        "api_5xx_rate", 0.02,
        "Share of requests answered 5XX, 3 periods of 5 minutes in a row (`0.02`): the router retries and falls "
        "back, so a sustained 2% means a model or the gateway is failing, not one provider hiccup.",
    ),
    _rate(
        "api_4xx_rate", 0.25,
        "Share of requests answered 4XX, 3 periods of 5 minutes in a row (`0.25`): clients cause 4XX (bad keys, "
        "unknown models, budgets), so only a quarter of all traffic points at a broken rollout or key stuffing.",
    ),
    _latency(
        "api_p99_latency_ms", 25_000,
        "p99 of the stage's latency in ms, 3 periods of 5 minutes (`25000`): API Gateway cuts integrations at "
        "29 s and the router's deadline is 27 s, so a p99 of 25 s means answers are about to become 504s.",
    ),
    _latency(
        "integration_p99_latency_ms", 24_000,
        "p99 of the integration latency in ms (`24000`): the same limit less the authorizer's and the edge's share.",
    ),
    _count(
        "throttled_requests", 100,
        "429 answers in the stage's access log in 5 minutes, from usage plans and token budgets (`100`; WAF's "
        "rate-limit blocks count in `waf_blocked_requests`): a tenant that keeps hitting its limit needs a "
        "bigger plan or a fix.",
    ),
    _count(
        "lambda_errors", 1,
        "Function errors in 5 minutes (`1`): the router answers its own errors as JSON, so a Lambda error is a "
        "crash, a timeout or memory running out: every one is a bug.",
    ),
    _count("lambda_throttles", 1, "Throttled invocations in 5 minutes (`1`): each one failed a caller's request."),
    _rate(
        "lambda_duration_ratio", 0.8,
        "p99 duration as a share of the function's timeout, 3 periods of 5 minutes (`0.8`): the warning before "
        "invocations start timing out.",
    ),
    _count(
        "lambda_concurrency", 800,
        "Peak concurrent executions of a function in a minute (`800`): 80% of the regional default quota of "
        "1,000 that all functions of the account share; beyond it every function throttles.",
    ),
    _count(
        "dynamodb_throttles", 1,
        "Throttled reads plus writes of a gateway table in 5 minutes (`1`): on-demand tables throttle only past "
        "their partition limits, and a throttled budget write delays the request that makes it.",
    ),
    _count(
        "dynamodb_system_errors", 1,
        "DynamoDB 500s on a gateway table in 5 minutes (`1`): the authorizer and the router depend on every read.",
    ),
    _count(
        "waf_blocked_requests", 1000,
        "Requests the web ACL blocked in 5 minutes (`1000`): half the default per-IP rate limit; more is an "
        "attack or a rule misfiring on legitimate prompts.",
    ),
    _rate(
        "model_error_rate", 0.05,
        "Share of a model's requests that failed, 3 periods of 5 minutes (`0.05`), once it served "
        "`min_model_requests`: the rate of a model with a few requests says nothing.",
    ),
    _rate(
        "model_fallback_rate", 0.1,
        "Share of a model's requests served by a fallback, 3 periods of 5 minutes (`0.1`): its primary target is "
        "failing often enough to cost latency and money.",
    ),
    _count(
        "min_model_requests", 20,
        "Requests a model must serve in 5 minutes before its error and fallback rates are judged (`20`).",
    ),
    _rate(
        "token_budget_warning_ratio", 0.8,
        "Share of a tenant's daily token budget consumed in 24 hours that warns (`0.8`): before the router "
        "starts answering it 429.",
    ),
    _count(
        "bedrock_throttles", 10,
        "Bedrock InvocationThrottles of a model in 5 minutes (`10`): the router retries and falls back, so "
        "sustained throttling means the account's tokens-per-minute quota is too low for the traffic.",
    ),
    _count(
        "bedrock_server_errors", 5,
        "Bedrock InvocationServerErrors of a model in 5 minutes (`5`): the provider itself is failing.",
    ),
    _count(
        "budget_reconcile_records", 1,
        "Router log lines `budget reconcile` in 5 minutes (`1`): a token counter write failed, and the counter "
        "must be corrected from that line.",
    ),
)  # fmt: skip
BY_KEY = {t.key: t for t in THRESHOLDS}
