"""Transform Lambda entry point: `POST /v1/transform/{transformModel}`.

Named features in, predictions out: the request's instances are checked against the
model's spec (a 400 names the field), shaped into the model's ordered input, sent to its
SageMaker endpoint (the variant the tenant names or is stuck to), and the answer shaped
into labels, scores and decisions. Standard library only: the cold start is the
configuration read (one signed GetItem) and these modules.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from contract import transforms as t
from contract.routes import TRANSFORM_MODEL_PARAMETER
from shared import upstream_refusals
from shared.backend_errors import BackendError
from shared.errors import GatewayError
from shared.json_body import parse_json_object
from shared.json_log import JsonLogger
from shared.proxy_event import ProxyRequest
from shared.proxy_handler import RouteTable, handle_proxy_event
from shared.resilience import AllTargetsFailed, Caller, CircuitBreaker, RetryPolicy
from shared.settings_holder import SettingsHolder
from transform.endpoint import SageMakerRuntime
from transform.features import encode, shape
from transform.outputs import parse_answer, predictions
from transform.settings import Settings, SettingsError
from transform.spec import TransformSpec
from transform.usage import TransformUsage, emit
from transform.variants import choose_variant

logger = JsonLogger("transform")
ROUTE = f"/v1/transform/{{{TRANSFORM_MODEL_PARAMETER}}}"
# What API Gateway's 29 s leaves the function to answer in JSON after its last attempt.
ANSWER_MARGIN_SECONDS = 1.0
USER = re.compile(t.USER_PATTERN)

SETTINGS = SettingsHolder(Settings.load, SettingsError, lambda message, extra: logger.error(message, extra=extra))
SETTINGS.load()
RUNTIME = SageMakerRuntime(os.environ)
# Retries on throttling, 5xx and timeouts only, inside the request's deadline; a breaker per tenant and endpoint.
CALLER: Caller[Any] = Caller(breakers={}, policy=RetryPolicy(), breaker_factory=CircuitBreaker)


def model_not_found(alias: str) -> GatewayError:
    """The same 404 for a model that does not exist and one the tenant may not use (no existence oracle)."""
    return GatewayError(
        404,
        "model_not_found",
        f"model '{alias[:128]}' has no transform or is not available to this tenant",
        param="model",
    )


def _request_fields(document: dict[str, Any]) -> tuple[Any, Any, str | None]:
    unknown = [k for k in document if k not in t.REQUEST_KEYS]
    if unknown:
        name = str(unknown[0])[:64]
        raise GatewayError(
            400,
            "unsupported_parameter",
            f"unknown parameter '{name}'; expected: {', '.join(t.REQUEST_KEYS)}",
            param=name,
        )
    user = document.get(t.USER)
    if user is not None and (not isinstance(user, str) or not USER.match(user)):
        raise GatewayError(
            400, "invalid_parameter", f"'{t.USER}' must match {t.USER_PATTERN} (an opaque id, not PII)", param=t.USER
        )
    return document.get(t.INSTANCES), document.get(t.VARIANT), user


def _refusal(err: BackendError | AllTargetsFailed) -> GatewayError:
    if isinstance(err, AllTargetsFailed):
        return upstream_refusals.all_failed(err)
    if (
        err.status is not None
        and 400 <= err.status < 500
        and err.status not in upstream_refusals.CONFIGURATION_STATUSES
    ):
        return upstream_refusals.client_refusal(err)
    # No such endpoint or variant, or the function's own credentials: the deployment's fault.
    return GatewayError(
        502,
        "upstream_configuration",
        "the model's endpoint refused the gateway's call; an operator must check the endpoint and its variants",
        error_type="server_error",
    )


class Served:
    """What one request did, for its usage record whatever the outcome."""

    def __init__(self) -> None:
        self.variant, self.predictions, self.model_ms, self.attempts = "", 0, 0.0, 0


def _invoke(
    spec: TransformSpec, body: bytes, *, variant: str | None, tenant: str, budget: float, served: Served
) -> Any:
    def attempt(endpoint: str, seconds: float) -> Any:
        served.attempts += 1
        started = time.perf_counter()
        try:
            return RUNTIME.invoke(endpoint, body, spec.content_type, variant, seconds)
        finally:
            served.model_ms += (time.perf_counter() - started) * 1000

    return CALLER.run((spec.endpoint,), attempt, budget, scope=tenant)[1]


def transform(request: ProxyRequest) -> dict[str, Any]:
    settings = SETTINGS.get()
    alias = request.path_parameters.get(TRANSFORM_MODEL_PARAMETER, "")
    if request.tenant is None:
        raise upstream_refusals.NO_TENANT
    tenant = request.tenant.tenant_id
    spec = settings.specs.get(alias)
    if spec is None or alias not in request.tenant.allowed_models:
        raise model_not_found(alias)
    started, served, status = time.perf_counter(), Served(), 500
    try:
        instances, requested, user = _request_fields(parse_json_object(request.body))
        rows = shape(spec, instances)
        variant = choose_variant(spec, tenant, requested, user)
        if settings.log_features:
            logger.info("features", extra={"request_id": request.request_id, "rows": rows})
        budget = min(settings.deadline_seconds, request.seconds_left(ANSWER_MARGIN_SECONDS))
        try:
            invocation = _invoke(spec, encode(spec, rows), variant=variant, tenant=tenant, budget=budget, served=served)
            served.variant = invocation.variant
            shaped = predictions(spec, parse_answer(invocation.body, len(rows)))
        except (BackendError, AllTargetsFailed) as err:
            detail = err.message if isinstance(err, BackendError) else sorted(e.message for e in err.errors.values())
            logger.warning("model call failed", extra={"request_id": request.request_id, "problem": detail})
            if isinstance(err, BackendError) and not err.final:
                raise upstream_refusals.all_failed(AllTargetsFailed({spec.endpoint: err}, ())) from None
            raise _refusal(err) from None
        served.predictions, status = len(shaped), 200
        return {"object": "list", "model": alias, "variant": served.variant or None, "data": shaped}
    except GatewayError as err:
        status = err.status
        raise
    finally:
        emit(
            TransformUsage(
                request_id=request.request_id,
                tenant=tenant,
                model=alias,
                variant=served.variant,
                status=status,
                predictions=served.predictions,
                latency_ms=(time.perf_counter() - started) * 1000,
                model_latency_ms=served.model_ms,
                attempts=served.attempts,
            ),
            settings.metrics_namespace,
        )


ROUTES: RouteTable = {ROUTE: {"POST": transform}}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point for the API Gateway proxy integration."""
    return handle_proxy_event(event, context, ROUTES, logger)
