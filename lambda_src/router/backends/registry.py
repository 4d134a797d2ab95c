"""Which adapter serves which catalog provider: the one place a new backend is registered.

Adapters are made on first use per model (imports stay lazy) and kept for the
container's life, so their clients and caches are reused across invocations.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from router.backends.base import Backend
from router.catalog import ModelEntry
from router.secrets import SecretCache

SECRETS = SecretCache()


@functools.cache
def _bedrock_adapter() -> Backend:
    from router.backends.bedrock import BedrockAdapter

    return BedrockAdapter()


@functools.cache
def _sagemaker_adapter(fmt: str) -> Backend:
    from router.backends.sagemaker import SageMakerAdapter

    return SageMakerAdapter(fmt)


# AWS adapters are shared by every model they serve (one set of clients per container).
def _bedrock(entry: ModelEntry) -> Backend:
    return _bedrock_adapter()


def _sagemaker(entry: ModelEntry) -> Backend:
    return _sagemaker_adapter(entry.format or "openai")


def _openai_compatible(entry: ModelEntry) -> Backend:
    from router.backends.http_provider import HttpProviderAdapter

    if entry.base_url is None or entry.secret_arn is None:  # the catalog refuses this; mypy can't know
        raise ValueError(f"model '{entry.alias}' has no base_url or secret_arn")
    return HttpProviderAdapter(entry.base_url, entry.secret_arn, SECRETS)


FACTORIES: dict[str, Callable[[ModelEntry], Backend]] = {
    "bedrock": _bedrock,
    "openai_compatible": _openai_compatible,
    "sagemaker": _sagemaker,
}


class Backends:
    """One adapter per model alias, made on first use."""

    def __init__(self, factories: dict[str, Callable[[ModelEntry], Backend]] = FACTORIES) -> None:
        self._factories = factories
        self._adapters: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def for_model(self, entry: ModelEntry) -> Backend:
        with self._lock:
            adapter = self._adapters.get(entry.alias)
            if adapter is None:
                adapter = self._adapters[entry.alias] = self._factories[entry.provider](entry)
            return adapter
