"""The transform's configuration: its environment's scalars and the configuration document's specs.

The document is the router's (one per gateway version); the transform reads the
SageMaker aliases of its catalog and the `transforms` specs, nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract import config_document as layout
from contract import environment as env
from contract.catalog import PREDICTION_KIND, SAGEMAKER_PROVIDER
from contract.messages import join_problems
from contract.metrics import DEFAULT_NAMESPACE
from shared.config_document import ConfigInvalid, ItemFetcher, document_problems, read_document
from shared.env_settings import DEFAULT_DEADLINE_SECONDS, deadline_from_env, flag_from_env
from transform.spec import TransformSpec, parse_transforms


class SettingsError(Exception):
    """The environment or the document is invalid; the message lists every problem."""


@dataclass(frozen=True)
class Settings:
    specs: dict[str, TransformSpec]
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
    metrics_namespace: str = DEFAULT_NAMESPACE
    log_features: bool = False

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ, fetch: ItemFetcher | None = None) -> Settings:
        try:
            document = read_document(environ, fetch)
        except ConfigInvalid as err:
            raise SettingsError(str(err)) from None
        return cls.from_document(document, environ)

    @classmethod
    def from_document(cls, document: Any, environ: Mapping[str, str] = os.environ) -> Settings:
        problems = document_problems(document)
        if not isinstance(document, dict):
            raise SettingsError(join_problems(problems))
        models = document.get(layout.MODELS)
        endpoints = {
            alias: m["model_id"]
            for alias, m in (models.items() if isinstance(models, dict) else ())
            if isinstance(m, dict)
            and m.get("provider") == SAGEMAKER_PROVIDER
            and m.get("kind") == PREDICTION_KIND
            and isinstance(m.get("model_id"), str)
        }
        specs = parse_transforms(document.get(layout.TRANSFORMS), endpoints, problems)
        deadline = deadline_from_env(environ, problems)
        if problems:
            raise SettingsError(join_problems(problems))
        return cls(
            specs=specs,
            deadline_seconds=deadline,
            metrics_namespace=environ.get(env.METRICS_NAMESPACE) or DEFAULT_NAMESPACE,
            log_features=flag_from_env(environ, env.LOG_PROMPTS),
        )
