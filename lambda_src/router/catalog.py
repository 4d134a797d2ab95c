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
KINDS = ("chat", "embedding")
# How a SageMaker endpoint's container speaks (router/backends/sagemaker.py implements each).
# The kind each serves: `openai` (LMI/TGI messages API), `tgi` (inputs/parameters), `tei` (Text
# Embeddings Inference), `jumpstart_embedding` (text_inputs/embedding).
SAGEMAKER_FORMATS = {"openai": "chat", "tgi": "chat", "tei": "embedding", "jumpstart_embedding": "embedding"}
SECRET_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$")
# Plain http only to loopback (a provider or stub on the same machine, as in envs/local).
LOCAL_URL_PREFIXES = ("http://127.0.0.1:", "http://localhost:")
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
    kind: str = "chat"
    # openai_compatible: where the provider lives and the secret holding its key.
    base_url: str | None = None
    secret_arn: str | None = None
    # sagemaker: the endpoint container's request/response format.
    format: str | None = None
    # USD per 1,000 tokens, for the cost estimate and the `cheapest` strategy; None when unknown.
    input_price_per_1k: float | None = None
    output_price_per_1k: float | None = None

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


def _price(value: Any, field: str, alias: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
        problems.append(f"model '{alias}': {field} must be a number of USD per 1,000 tokens, 0 or more")
        return None
    return float(value)


def _provider_fields(alias: str, provider: Any, spec: dict[str, Any], problems: list[str]) -> None:
    """Check what each provider needs beyond a model id."""
    base_url, secret_arn, fmt = spec.get("base_url"), spec.get("secret_arn"), spec.get("format")
    if provider == "openai_compatible":
        if not isinstance(base_url, str) or not (
            base_url.startswith("https://") or base_url.startswith(LOCAL_URL_PREFIXES)
        ):
            problems.append(f"model '{alias}': an openai_compatible model needs an https:// base_url")
        if not isinstance(secret_arn, str) or not SECRET_ARN_PATTERN.match(secret_arn):
            problems.append(f"model '{alias}': an openai_compatible model needs the secret_arn of its API key")
    elif base_url is not None or secret_arn is not None:
        problems.append(f"model '{alias}': base_url and secret_arn apply to openai_compatible models only")
    if provider == "sagemaker":
        if fmt is None:
            return
        if fmt not in SAGEMAKER_FORMATS:
            known = ", ".join(SAGEMAKER_FORMATS)
            problems.append(f"model '{alias}': format {fmt!r} is unknown; expected one of: {known}")
        elif SAGEMAKER_FORMATS[fmt] != spec.get("kind", "chat"):
            problems.append(f"model '{alias}': format {fmt} serves kind {SAGEMAKER_FORMATS[fmt]} models only")
    elif fmt is not None:
        problems.append(f"model '{alias}': format applies to sagemaker models only")


def _default_format(provider: Any, kind: Any) -> str | None:
    """SageMaker chat defaults to the OpenAI messages API LMI and TGI containers serve; embeddings to TEI."""
    if provider != "sagemaker":
        return None
    return "tei" if kind == "embedding" else "openai"


def _entry(alias: Any, spec: Any, problems: list[str]) -> ModelEntry | None:
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        problems.append(f"model alias {alias!r} is invalid; expected {ALIAS_PATTERN.pattern}")
        return None
    if not isinstance(spec, dict):
        problems.append(f"model '{alias}': expected an object with provider and model_id")
        return None
    spec = {k: v for k, v in spec.items() if v is not None}  # Terraform writes unset optional fields as null
    before = len(problems)
    provider = spec.get("provider")
    if provider not in PROVIDERS:
        problems.append(f"model '{alias}': provider {provider!r} is unknown; expected one of: {', '.join(PROVIDERS)}")
    kind = spec.get("kind", "chat")
    if kind not in KINDS:
        problems.append(f"model '{alias}': kind {kind!r} is unknown; expected one of: {', '.join(KINDS)}")
    model_id = _text(spec.get("model_id"), "model_id", alias, problems, required=True)
    owned_by = _text(spec.get("owned_by"), "owned_by", alias, problems, required=False)
    created = spec.get("created", 0)
    if isinstance(created, float) and created.is_integer():
        created = int(created)
    if isinstance(created, bool) or not isinstance(created, int) or created < 0:
        problems.append(f"model '{alias}': created must be a whole number of seconds since the epoch, got {created!r}")
    _provider_fields(alias, provider, spec, problems)
    prices = [_price(spec.get(f), f, alias, problems) for f in ("input_price_per_1k", "output_price_per_1k")]
    if len(problems) > before or model_id is None:
        return None
    return ModelEntry(
        alias,
        str(provider),
        model_id,
        owned_by or str(provider),
        created,
        kind=str(kind),
        base_url=spec.get("base_url"),
        secret_arn=spec.get("secret_arn"),
        format=spec.get("format") or _default_format(provider, kind),
        input_price_per_1k=prices[0],
        output_price_per_1k=prices[1],
    )


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
