"""The router's configuration, read once from its environment. Variable names live only here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from router.catalog import ModelEntry, parse_models

MODELS_ENV = "GATEWAY_MODELS"
ENVIRONMENT_ENV = "GATEWAY_ENVIRONMENT"


class SettingsError(Exception):
    """The function's environment is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """What the router serves, parsed and validated."""

    environment: str
    models: tuple[ModelEntry, ...]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Parse the settings from `environ`.

        Raises
        ------
        SettingsError
            When a variable is missing or invalid; the message names it.
        """
        raw_models = environ.get(MODELS_ENV)
        if not raw_models:
            raise SettingsError(f"{MODELS_ENV} is not set; it must hold the models JSON the module writes")
        try:
            models = parse_models(raw_models)
        except ValueError as err:
            raise SettingsError(f"{MODELS_ENV}: {err}") from None
        return cls(environment=environ.get(ENVIRONMENT_ENV, ""), models=models)
