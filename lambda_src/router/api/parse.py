"""OpenAI request bodies in: validation into the router's requests, nothing else.

Pure. Every refusal is a `GatewayError` naming the field (`param`) and what is
accepted. What each parameter does is documented in the README ("Router API"):

- applied: `model`, `messages` (text and image parts, assistant `tool_calls`,
  `tool` results: router.api.messages), `temperature`, `top_p`, `max_tokens` (or
  `max_completion_tokens`), `stop`, `user`, `tools`, `tool_choice`,
  `parallel_tool_calls`, `response_format` (router.api.tools), `seed`; for
  embeddings `input`, `dimensions`, `encoding_format` (`float` or `base64`), `user`;
- `stream` and `stream_options` (`include_usage`; `include_obfuscation` is
  accepted and has no effect): the answer as server-sent events;
- accepted only at OpenAI's default, refused otherwise (a silent no-op would
  misapply them): `n` (one choice per request, so each is budgeted),
  `presence_penalty`, `frequency_penalty`, `logprobs`, `top_logprobs`,
  `logit_bias`, `stream_options`;
- `metadata` (OpenAI's map of up to 16 strings) is checked and never sent to a
  model; its `prompt` entry labels the request's usage record for chargeback;
- `prompt` (the gateway's own, through the SDK's `extra_body`): a registered
  prompt `{"name", "label" | "version", "variables"}` whose rendered messages
  come before the request's `messages` (which may then be empty);
- ignored, because they never change an answer: `store`, `service_tier`;
- anything else is refused as unknown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contract import prompts as registry
from contract.catalog import MAX_DIMENSIONS
from contract.metrics import PROMPT_METADATA_KEY, PROMPT_PATTERN
from router.api.images import ImagePolicy
from router.api.messages import parse_messages
from router.api.tools import parse_parallel, parse_response_format, parse_tool_choice, parse_tools
from router.chat import ChatRequest
from router.embeddings import EmbeddingRequest
from shared.errors import GatewayError

if TYPE_CHECKING:
    from router.api.sse import FramingFactory

MAX_STOP_SEQUENCES = 4
MAX_OUTPUT_TOKENS = 200_000
MAX_EMBEDDING_INPUTS = 2048
MAX_USER_LENGTH = 256

CHAT_APPLIED = (
    "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "user", "metadata",
    "tools", "tool_choice", "parallel_tool_calls", "response_format", "seed", "stream", "stream_options",
    registry.REQUEST_PROMPT,
)  # fmt: skip
# Chat parameters a request sets explicitly (a prompt's `overridable` says which it may).
CHAT_PARAMETERS = ("model", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop")
EMBEDDING_APPLIED = ("model", "input", "dimensions", "encoding_format", "user", "metadata")
IGNORED = ("store", "service_tier")
STREAM_OPTIONS = ("include_usage", "include_obfuscation")
# OpenAI's limits on `metadata`.
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
# Parameter -> the only values accepted (OpenAI's defaults, or null).
DEFAULT_ONLY: dict[str, tuple[Any, ...]] = {
    "n": (1,),
    "stream": (False,),
    "presence_penalty": (0, 0.0),
    "frequency_penalty": (0, 0.0),
    "logprobs": (False,),
    "top_logprobs": (0,),
    "logit_bias": ({},),
}
# Why a parameter is refused beyond its default, where the general words would not say enough.
DEFAULT_ONLY_REASONS = {
    "n": "'n' must be 1: the gateway answers one choice per request, each within the tenant's budget; "
    "send one request per choice",
}


def _bad(message: str, param: str | None, code: str = "invalid_parameter") -> GatewayError:
    return GatewayError(400, code, message, param=param)


def _check_parameters(document: dict[str, Any], applied: tuple[str, ...]) -> None:
    for name, value in document.items():
        if name in applied or name in IGNORED:
            continue
        if name in DEFAULT_ONLY:
            if value is None or any(value == v and type(value) is type(v) for v in DEFAULT_ONLY[name]):
                continue
            message = DEFAULT_ONLY_REASONS.get(name, f"'{name}' is not supported by this gateway; omit it or send null")
            raise _bad(message, name, "unsupported_parameter")
        raise _bad(f"unknown parameter '{name[:64]}'", name[:64], "unsupported_parameter")


def _model(document: dict[str, Any]) -> str:
    model = document.get("model")
    if not isinstance(model, str) or not 0 < len(model) <= 128:
        raise _bad("'model' must be the alias of a model (a string of 1-128 characters)", "model")
    return model


def _number(document: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _bad(f"'{name}' must be a number from {low} to {high}", name)
    if not low <= value <= high:
        raise _bad(f"'{name}' must be from {low} to {high}, got {value}", name)
    return float(value)


def _whole(document: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = document.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"'{name}' must be a whole number from {low} to {high}", name)
    return value


def _metadata(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's `metadata` pairs, checked against OpenAI's limits."""
    metadata = document.get("metadata")
    if metadata is None:
        return ()
    if (
        not isinstance(metadata, dict)
        or len(metadata) > MAX_METADATA_PAIRS
        or not all(
            isinstance(v, str) and len(k) <= MAX_METADATA_KEY and len(v) <= MAX_METADATA_VALUE
            for k, v in metadata.items()
        )
    ):
        raise _bad(
            f"'metadata' must be an object of at most {MAX_METADATA_PAIRS} strings "
            f"(keys up to {MAX_METADATA_KEY} characters, values up to {MAX_METADATA_VALUE})",
            "metadata",
        )
    return tuple(metadata.items())


def _prompt_label(document: dict[str, Any]) -> str | None:
    """The `prompt` entry of a valid `metadata` map (the usage record's label), or None."""
    label = dict(_metadata(document)).get(PROMPT_METADATA_KEY)
    if label is not None and not re.fullmatch(PROMPT_PATTERN, label):
        raise _bad(
            f"'metadata.{PROMPT_METADATA_KEY}' labels the request for chargeback: 1-64 letters, digits and "
            "._:/@- starting with a letter or digit",
            f"metadata.{PROMPT_METADATA_KEY}",
        )
    return label


def _user(document: dict[str, Any]) -> str | None:
    user = document.get("user")
    if user is None:
        return None
    if not isinstance(user, str) or len(user) > MAX_USER_LENGTH:
        raise _bad(f"'user' must be a string of at most {MAX_USER_LENGTH} characters", "user")
    return user


def _stop(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    stops = [raw] if isinstance(raw, str) else raw
    if (
        not isinstance(stops, list)
        or len(stops) > MAX_STOP_SEQUENCES
        or not all(isinstance(s, str) and 0 < len(s) <= 256 for s in stops)
    ):
        raise _bad(f"'stop' must be a string or a list of at most {MAX_STOP_SEQUENCES} non-empty strings", "stop")
    return tuple(stops)


@dataclass(frozen=True)
class PromptReference:
    """A registered prompt a request names: which one, which label or version, and its variables (unchecked).

    `param` is where the reference sits in the request body, for the names of refusals:
    `prompt` on the chat route, empty on the prompt route (its body is the reference).
    """

    name: str
    label: str | None
    version: int | None
    variables: Any
    param: str = registry.REQUEST_PROMPT

    def where(self, field: str) -> str:
        return f"{self.param}.{field}" if self.param else field


@dataclass(frozen=True)
class ParsedChat:
    """A chat request after validation. With a prompt reference, `alias` is empty when the prompt's model applies."""

    alias: str
    request: ChatRequest
    prompt: str | None = None
    reference: PromptReference | None = None
    # The chat parameters the body set (with a reference, the prompt's `overridable` must allow them).
    explicit: frozenset[str] = frozenset()
    # Set once a reference is resolved: the version and label rendered.
    prompt_version: int | None = None
    prompt_label: str | None = None
    # `stream: true`: the answer as chat.completion.chunk events; `include_usage` adds the usage chunk.
    stream: bool = False
    include_usage: bool = False
    # How a stream is framed when the route is not chat completions (the Responses API's events).
    framing: FramingFactory | None = None
    # OpenAI's `metadata` (checked, never sent to a model): routing rules may match on it.
    metadata: tuple[tuple[str, str], ...] = ()


def _name(value: Any, pattern: str, param: str, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise _bad(f"'{param}' must be a {what} matching {pattern}", param, "invalid_prompt_reference")
    return value


def prompt_reference(raw: Any, name: str | None = None, param: str = registry.REQUEST_PROMPT) -> PromptReference:
    """The reference a body makes: `raw` holds `label` or `version` and `variables` (and `name` unless given).

    Raises
    ------
    GatewayError
        400 `invalid_prompt_reference` naming the field at fault.
    """
    where = PromptReference("", None, None, None, param).where
    if not isinstance(raw, dict):
        raise _bad(f"'{param}' must be an object with name, label or version, and variables", param,
                   "invalid_prompt_reference")  # fmt: skip
    if name is None:
        unknown = [k for k in raw if k not in registry.REFERENCE_KEYS]
        if unknown:
            message = f"'{where(str(unknown[0])[:64])}' is unknown; a prompt reference takes: " + ", ".join(
                registry.REFERENCE_KEYS
            )
            raise _bad(message, where(str(unknown[0])[:64]), "invalid_prompt_reference")
        name = _name(raw.get(registry.REQUEST_NAME), registry.NAME_PATTERN, where("name"), "prompt name")
    label, version = raw.get(registry.REQUEST_LABEL), raw.get(registry.REQUEST_VERSION)
    if label is not None and version is not None:
        raise _bad(f"send either '{where('label')}' or '{where('version')}', not both", where("label"),
                   "invalid_prompt_reference")  # fmt: skip
    if label is not None:
        label = _name(label, registry.LABEL_PATTERN, where("label"), "label")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or not 0 < version < 10**6):
        raise _bad(f"'{where('version')}' must be a whole number from 1 to 999999", where("version"),
                   "invalid_prompt_reference")  # fmt: skip
    return PromptReference(name, label, version, raw.get(registry.REQUEST_VARIABLES), param)


def parse_chat(
    document: dict[str, Any], reference: PromptReference | None = None, *, images: ImagePolicy | None = None
) -> ParsedChat:
    """Validate a chat completion request body (on the prompt route, `reference` is the route's own).

    `images` says which remote hosts image parts may name (none by default: data URLs only).

    Raises
    ------
    GatewayError
        400 naming the first field at fault.
    """
    _check_parameters(document, CHAT_APPLIED)
    if reference is None and document.get(registry.REQUEST_PROMPT) is not None:
        reference = prompt_reference(document[registry.REQUEST_PROMPT])
    alias = "" if reference is not None and document.get("model") is None else _model(document)
    system, messages = parse_messages(
        document.get("messages"), images or ImagePolicy(), may_be_empty=reference is not None
    )
    tools = parse_tools(document.get("tools"))
    max_tokens = _whole(document, "max_tokens", 1, MAX_OUTPUT_TOKENS)
    max_completion = _whole(document, "max_completion_tokens", 1, MAX_OUTPUT_TOKENS)
    if max_tokens is not None and max_completion is not None and max_tokens != max_completion:
        raise _bad("send either 'max_tokens' or 'max_completion_tokens', not two different values", "max_tokens")
    request = ChatRequest(
        messages=messages,
        system=system,
        temperature=_number(document, "temperature", 0, 2),
        top_p=_number(document, "top_p", 0, 1),
        max_tokens=max_tokens if max_tokens is not None else max_completion,
        stop=_stop(document.get("stop")),
        user=_user(document),
        tools=tools,
        tool_choice=parse_tool_choice(document.get("tool_choice"), tools),
        parallel_tool_calls=parse_parallel(document.get("parallel_tool_calls")),
        response_format=parse_response_format(document.get("response_format"), tools),
        seed=_whole(document, "seed", -(2**63), 2**63 - 1),
    )
    explicit = frozenset(
        "max_tokens" if k == "max_completion_tokens" else k for k in CHAT_PARAMETERS if document.get(k) is not None
    )
    stream, include_usage = _stream(document)
    return ParsedChat(
        alias,
        request,
        _prompt_label(document),
        reference,
        explicit,
        stream=stream,
        include_usage=include_usage,
        metadata=_metadata(document),
    )


def _stream(document: dict[str, Any]) -> tuple[bool, bool]:
    """`stream` and `stream_options.include_usage` (options only with a stream, as OpenAI says)."""
    stream, options = document.get("stream"), document.get("stream_options")
    if stream is not None and not isinstance(stream, bool):
        raise _bad("'stream' must be true or false", "stream")
    if options is None:
        return bool(stream), False
    if not stream:
        raise _bad("'stream_options' is only allowed with 'stream': true", "stream_options")
    if (
        not isinstance(options, dict)
        or any(k not in STREAM_OPTIONS for k in options)
        or not all(isinstance(v, bool) or v is None for v in options.values())
    ):
        raise _bad("'stream_options' takes " + " and ".join(STREAM_OPTIONS) + " (true or false)", "stream_options")
    return True, bool(options.get("include_usage"))


PROMPT_ROUTE_APPLIED = (
    *registry.PROMPT_ROUTE_KEYS, *registry.OVERRIDABLE, "max_completion_tokens", "stream", "stream_options"
)  # fmt: skip


def parse_prompt_call(name: str, document: dict[str, Any]) -> ParsedChat:
    """Validate a `POST /v1/prompts/{name}` body: the reference's fields, `user`, `metadata` and overrides.

    Raises
    ------
    GatewayError
        400 naming the first field at fault (whether the prompt allows an override is asked on resolving).
    """
    unknown = [k for k in document if k not in PROMPT_ROUTE_APPLIED]
    if unknown:
        message = f"unknown parameter '{unknown[0][:64]}'; this route takes: " + ", ".join(PROMPT_ROUTE_APPLIED)
        raise _bad(message, unknown[0][:64], "unsupported_parameter")
    reference = prompt_reference(document, name=name[:128], param="")
    chat = {k: v for k, v in document.items() if k not in registry.REFERENCE_KEYS}
    return parse_chat(chat, reference)


def chat_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """`temperature`, `top_p`, `max_tokens` and `stop` of `document` checked as a request's are (a prompt's defaults).

    Raises
    ------
    GatewayError
        The first parameter out of range.
    """
    values = {
        "temperature": _number(document, "temperature", 0, 2),
        "top_p": _number(document, "top_p", 0, 1),
        "max_tokens": _whole(document, "max_tokens", 1, MAX_OUTPUT_TOKENS),
        "stop": _stop(document.get("stop")),
    }
    return {k: v for k, v in values.items() if v not in (None, ())}


@dataclass(frozen=True)
class ParsedEmbedding:
    alias: str
    request: EmbeddingRequest
    base64: bool
    prompt: str | None = None


def parse_embedding(document: dict[str, Any]) -> ParsedEmbedding:
    """Validate an embeddings request body (strings only; token-id arrays are refused)."""
    _check_parameters(document, EMBEDDING_APPLIED)
    alias = _model(document)
    raw = document.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if (
        not isinstance(inputs, list)
        or not 0 < len(inputs) <= MAX_EMBEDDING_INPUTS
        or not all(isinstance(i, str) and i for i in inputs)
    ):
        raise _bad(
            f"'input' must be a non-empty string or a list of 1-{MAX_EMBEDDING_INPUTS} non-empty strings "
            "(token arrays are not supported)",
            "input",
        )
    encoding = document.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise _bad("'encoding_format' must be 'float' or 'base64'", "encoding_format")
    request = EmbeddingRequest(
        inputs=tuple(inputs), dimensions=_whole(document, "dimensions", 1, MAX_DIMENSIONS), user=_user(document)
    )
    return ParsedEmbedding(alias, request, encoding == "base64", _prompt_label(document))
