"""Router Lambda entry point: serves `GET /v1/models` from the environment's catalog, per tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from router.catalog import model_list
from router.settings import Settings, SettingsError
from shared.errors import GatewayError
from shared.proxy_handler import RouteTable, handle_proxy_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from shared.proxy_event import ProxyRequest

logger = Logger(service="router")

MISCONFIGURED = GatewayError(
    500,
    "gateway_misconfigured",
    "the gateway's model configuration is invalid; an operator must fix the deployment",
    error_type="server_error",
)


def load_settings() -> Settings | None:
    """Parse the settings once per container; log (without secrets) and return None when invalid."""
    try:
        return Settings.from_env()
    except SettingsError as err:
        logger.error("invalid router configuration", extra={"problem": str(err)})
        return None


SETTINGS = load_settings()


def list_models(request: ProxyRequest) -> dict[str, Any]:
    """Return the OpenAI model list of the aliases the calling tenant may use."""
    if SETTINGS is None:
        raise MISCONFIGURED
    models = SETTINGS.models
    if request.tenant is not None:
        models = tuple(m for m in models if m.alias in request.tenant.allowed_models)
    return model_list(models)


ROUTES: RouteTable = {"/v1/models": {"GET": list_models}}


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point for the API Gateway proxy integration."""
    return handle_proxy_event(event, context, ROUTES, logger)
