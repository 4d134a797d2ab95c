"""The model catalog: parse the configuration document's `models` into entries.

Pure: no AWS calls, no environment reads. The rules and their words are the
contract's (`contract.catalog`); the module checks the same rules at plan time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contract import catalog as rules
from contract.fields import defaults
from contract.urls import is_allowed_outbound_url

ALIAS = re.compile(rules.MODEL_ALIAS_PATTERN)
SECRET_ARN = re.compile(rules.SECRET_ARN_PATTERN)
DEFAULTS = defaults(rules.MODEL_FIELDS)


@dataclass(frozen=True)
class ModelEntry:
    """One model alias clients may ask for, and the provider model behind it."""

    alias: str
    provider: str
    model_id: str
    owned_by: str
    created: int
    kind: str = "chat"
    # openai_compatible: where the provider lives and the secret holding its key.
    base_url: str | None = None
    secret_arn: str | None = None
    # sagemaker: the endpoint container's request/response format.
    format: str | None = None
    # USD per 1,000 tokens, for the cost estimate and the `cheapest` strategy; None when unknown.
    input_price_per_1k: float | None = None
    output_price_per_1k: float | None = None
    # embedding models: the vector size, when the operator states it.
    dimensions: int | None = None

    def to_openai(self) -> dict[str, Any]:
        """Return the OpenAI `model` object for this alias."""
        return {"id": self.alias, "object": "model", "created": self.created, "owned_by": self.owned_by}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= rules.MAX_TEXT_LENGTH


def _price(value: Any) -> bool:
    return value is None or (
        not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= rules.MAX_PRICE_PER_1K
    )


def _provider_fields(alias: str, spec: dict[str, Any], problems: list[str]) -> None:
    """What each provider needs beyond a model id."""
    provider, kind, fmt = spec.get("provider"), spec.get("kind"), spec.get("format")
    base_url, secret_arn = spec.get("base_url"), spec.get("secret_arn")
    if provider == rules.HTTP_PROVIDER:
        if base_url is None or secret_arn is None:
            problems.append(rules.HTTP_FIELDS_MISSING.format(alias=alias))
    elif base_url is not None or secret_arn is not None:
        problems.append(rules.HTTP_FIELDS_MISPLACED.format(alias=alias))
    if base_url is not None and not (isinstance(base_url, str) and is_allowed_outbound_url(base_url)):
        problems.append(rules.BASE_URL_INVALID.format(alias=alias))
    if secret_arn is not None and not (isinstance(secret_arn, str) and SECRET_ARN.match(secret_arn)):
        problems.append(rules.SECRET_ARN_INVALID.format(alias=alias))
    if fmt is None:
        return
    if provider != rules.SAGEMAKER_PROVIDER:
        problems.append(rules.FORMAT_MISPLACED.format(alias=alias))
    elif fmt not in rules.SAGEMAKER_FORMATS:
        problems.append(rules.FORMAT_UNKNOWN.format(alias=alias, value=fmt))
    elif kind in rules.KINDS and rules.SAGEMAKER_FORMATS[fmt] != kind:
        problems.append(
            rules.FORMAT_WRONG_KIND.format(alias=alias, value=fmt, served=rules.SAGEMAKER_FORMATS[fmt], kind=kind)
        )


def _dimensions(alias: str, spec: dict[str, Any], problems: list[str]) -> int | None:
    """An embedding model's stated vector size (a whole number in range), or None."""
    value: Any = spec.get("dimensions")
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= rules.MAX_DIMENSIONS:
        value = None
    if value is None or spec.get("kind") != "embedding":
        problems.append(rules.DIMENSIONS_INVALID.format(alias=alias))
        return None
    return int(value)


def _kind(alias: str, kind: Any, provider: Any, problems: list[str]) -> None:
    if kind not in rules.KINDS:
        problems.append(rules.KIND_UNKNOWN.format(alias=alias, value=kind))
    elif kind == rules.PREDICTION_KIND and provider != rules.SAGEMAKER_PROVIDER:
        problems.append(rules.PREDICTION_NOT_SAGEMAKER.format(alias=alias))


def _entry(alias: Any, raw: Any, problems: list[str]) -> ModelEntry | None:
    if not isinstance(alias, str) or not ALIAS.match(alias):
        problems.append(rules.ALIAS_INVALID.format(alias=alias))
        return None
    if not isinstance(raw, dict):
        problems.append(rules.NOT_AN_OBJECT.format(alias=alias))
        return None
    # Terraform writes unset optional fields as null: null means the field's default.
    spec: dict[str, Any] = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    before = len(problems)
    provider: Any = spec.get("provider")
    kind: Any = spec.get("kind")
    created: Any = spec.get("created")
    if provider not in rules.PROVIDERS:
        problems.append(rules.PROVIDER_UNKNOWN.format(alias=alias, value=provider))
    _kind(alias, kind, provider, problems)
    for name in ("model_id", "owned_by"):
        if (name == "model_id" or spec.get(name) is not None) and not _text(spec.get(name)):
            problems.append(rules.TEXT_INVALID.format(alias=alias, field=name))
    if isinstance(created, float) and created.is_integer():
        created = int(created)
    if isinstance(created, bool) or not isinstance(created, int) or created < 0:
        problems.append(rules.CREATED_INVALID.format(alias=alias))
    _provider_fields(alias, spec, problems)
    for name in rules.PRICE_FIELDS:
        if not _price(spec.get(name)):
            problems.append(rules.PRICE_INVALID.format(alias=alias, field=name))
    dimensions = _dimensions(alias, spec, problems)
    if len(problems) > before:
        return None
    fmt = spec.get("format")
    if provider == rules.SAGEMAKER_PROVIDER and fmt is None:
        fmt = rules.DEFAULT_SAGEMAKER_FORMATS[kind]
    prices = [None if spec.get(n) is None else float(spec[n]) for n in rules.PRICE_FIELDS]
    return ModelEntry(
        alias,
        provider,
        spec["model_id"],
        spec.get("owned_by") or provider,
        created,
        kind=kind,
        base_url=spec.get("base_url"),
        secret_arn=spec.get("secret_arn"),
        format=fmt,
        input_price_per_1k=prices[0],
        output_price_per_1k=prices[1],
        dimensions=dimensions,
    )


def parse_models(value: Any, problems: list[str]) -> tuple[ModelEntry, ...]:
    """The catalog's entries sorted by alias; every problem found is appended to `problems`."""
    if not isinstance(value, dict) or not value:
        problems.append(rules.NO_MODELS)
        return ()
    entries = [_entry(alias, spec, problems) for alias, spec in value.items()]
    return tuple(sorted((e for e in entries if e is not None), key=lambda e: e.alias))
