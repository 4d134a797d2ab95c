"""The model catalog: parse the environment's model configuration and render OpenAI's model list.

Pure: no AWS calls, no environment reads. The configuration is the JSON the
`ai_gateway` module writes from its `models` input, an object keyed by alias.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PROVIDERS = ("bedrock", "openai_compatible", "sagemaker")
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
MAX_TEXT_LENGTH = 256


class CatalogError(ValueError):
    """The model configuration is malformed; the message lists every problem found."""


@dataclass(frozen=True)
class ModelEntry:
    """One model alias clients may ask for, and the provider model behind it."""

    alias: str
    provider: str
    model_id: str
    owned_by: str
    created: int

    def to_openai(self) -> dict[str, Any]:
        """Return the OpenAI `model` object for this alias."""
        return {"id": self.alias, "object": "model", "created": self.created, "owned_by": self.owned_by}


def _text(value: Any, field: str, alias: str, problems: list[str], *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_LENGTH:
        problems.append(f"model '{alias}': {field} must be a non-empty string of at most {MAX_TEXT_LENGTH} characters")
        return None
    return value


def _entry(alias: Any, spec: Any, problems: list[str]) -> ModelEntry | None:
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        problems.append(f"model alias {alias!r} is invalid; expected {ALIAS_PATTERN.pattern}")
        return None
    if not isinstance(spec, dict):
        problems.append(f"model '{alias}': expected an object with provider and model_id")
        return None
    provider = spec.get("provider")
    if provider not in PROVIDERS:
        problems.append(f"model '{alias}': provider {provider!r} is unknown; expected one of: {', '.join(PROVIDERS)}")
    model_id = _text(spec.get("model_id"), "model_id", alias, problems, required=True)
    owned_by = _text(spec.get("owned_by"), "owned_by", alias, problems, required=False)
    created = spec.get("created", 0)
    if created is None:
        created = 0
    if isinstance(created, float) and created.is_integer():
        created = int(created)
    if isinstance(created, bool) or not isinstance(created, int) or created < 0:
        problems.append(f"model '{alias}': created must be a whole number of seconds since the epoch, got {created!r}")
        return None
    if provider not in PROVIDERS or model_id is None:
        return None
    return ModelEntry(alias, provider, model_id, owned_by or provider, created)


def parse_models(raw: str) -> tuple[ModelEntry, ...]:
    """Parse the models JSON into entries sorted by alias.

    Raises
    ------
    CatalogError
        When the text is not JSON, not an object, empty, or any entry is invalid.
    """
    try:
        document = json.loads(raw)
    except ValueError as err:
        raise CatalogError(f"models configuration is not valid JSON: {err}") from None
    if not isinstance(document, dict) or not document:
        raise CatalogError("models configuration must be a non-empty JSON object keyed by model alias")
    problems: list[str] = []
    entries = [_entry(alias, spec, problems) for alias, spec in document.items()]
    if problems:
        raise CatalogError("; ".join(problems))
    return tuple(sorted((e for e in entries if e is not None), key=lambda e: e.alias))


def model_list(entries: tuple[ModelEntry, ...]) -> dict[str, Any]:
    """Return the OpenAI `GET /v1/models` body for `entries`."""
    return {"object": "list", "data": [entry.to_openai() for entry in entries]}
