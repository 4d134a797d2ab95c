"""The API's route model: one list that drives resources, methods, permissions and the redeploy hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import asdict, dataclass

from contract.principals import IAM_ROUTE_PREFIX
from contract.routes import (
    BEDROCK_MODEL_PARAMETER,
    MODEL_ALIAS_PARAMETER,
    PROMPT_NAME_PARAMETER,
    SAGEMAKER_MODEL_PARAMETER,
    TRANSFORM_MODEL_PARAMETER,
)

METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
TARGETS = ("bedrock", "router", "sagemaker", "transform")
# CUSTOM: the tenant authorizer and a usage plan's key; AWS_IAM: a SigV4 caller (the `/iam` routes).
AUTHORIZATIONS = ("CUSTOM", "AWS_IAM")
SEGMENT = re.compile(r"^([a-z0-9][a-z0-9_-]*|\{[a-zA-Z][a-zA-Z0-9_]*\})$")
# Bumped when the module changes how it renders a route (integration type, settings).
RENDERING_VERSION = 1


@dataclass(frozen=True)
class Route:
    """One method on one path, served by one integration target."""

    method: str
    path: str
    target: str
    summary: str
    # Expensive routes (model calls) get the stage's tighter per-method throttle.
    expensive: bool = False
    # Response caching for this route (0 = never), keyed by the caller's credential headers.
    cacheable: bool = False
    # Name of the JSON schema (schemas.REQUEST_SCHEMAS) a JSON request body must match.
    request_schema: str | None = None
    # Body content types the route accepts (others get 415); JSON is validated by request_schema.
    content_types: tuple[str, ...] = ("application/json",)
    # With `stream: true` in the body the answer is server-sent events (text/event-stream).
    streams: bool = False
    authorization: str = "CUSTOM"

    def __post_init__(self) -> None:
        problems = []
        if self.method not in METHODS:
            problems.append(f"method '{self.method}' is unknown; expected one of: {', '.join(METHODS)}")
        if self.target not in TARGETS:
            problems.append(f"target '{self.target}' is unknown; expected one of: {', '.join(TARGETS)}")
        if self.authorization not in AUTHORIZATIONS:
            problems.append(f"authorization '{self.authorization}' is unknown; expected one of: {AUTHORIZATIONS}")
        if not self.path.startswith("/") or not all(SEGMENT.match(s) for s in self.segments):
            problems.append(f"path '{self.path}' must be /-separated segments matching {SEGMENT.pattern}")
        if problems:
            raise ValueError(f"route {self.method} {self.path}: " + "; ".join(problems))

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))

    @property
    def logical_id(self) -> str:
        """Terraform name for this route's method, integration and permission: `get_v1_models`."""
        return "_".join((self.method.lower(), *(s.strip("{}").lower() for s in self.segments)))

    @property
    def method_path(self) -> str:
        """The path as API Gateway's method settings name it: `v1/models/GET`."""
        return f"{self.path.strip('/')}/{self.method}"

    @property
    def route_key(self) -> str:
        """`GET /v1/models`: how the authorizer lists the routes its policy covers."""
        return f"{self.method} {self.path}"

    @property
    def arn_path(self) -> str:
        """The path as it appears in an execute-api ARN (path parameters become `*`)."""
        return "/".join("*" if s.startswith("{") else s for s in self.segments)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/models", "router", "List the models the calling tenant may use (OpenAI format).", cacheable=True),
    Route(
        "GET",
        f"/v1/models/{{{MODEL_ALIAS_PARAMETER}}}",
        "router",
        "Describe one model the calling tenant may use (OpenAI format); 404 for any other.",
        cacheable=True,
    ),
    Route(
        "POST",
        "/v1/chat/completions",
        "router",
        "Create a chat completion (OpenAI format) with a model or routed alias the tenant may use.",
        expensive=True,
        request_schema="ChatCompletionRequest",
        streams=True,
    ),
    Route(
        "POST",
        "/v1/responses",
        "router",
        "Create a response (OpenAI's Responses API) on the chat pipeline: input as text or items, instructions, "
        "function tools and structured output, with the same routing, budgets, guardrails and cache.",
        expensive=True,
        request_schema="ResponseRequest",
        streams=True,
    ),
    Route(
        "POST",
        "/v1/embeddings",
        "router",
        "Create embeddings (OpenAI format) with an embedding model the tenant may use.",
        expensive=True,
        request_schema="EmbeddingRequest",
    ),
    Route(
        "POST",
        f"/v1/prompts/{{{PROMPT_NAME_PARAMETER}}}",
        "router",
        "Run a registered prompt: its variables are checked and rendered into the messages of a label's (or a "
        "pinned) version, then served as a chat completion with the router's routing, budgets and cache.",
        expensive=True,
        request_schema="PromptRequest",
        streams=True,
    ),
    Route(
        "POST",
        f"/v1/bedrock/{{{BEDROCK_MODEL_PARAMETER}}}/converse",
        "bedrock",
        "Converse with a Bedrock model the tenant may use, straight from API Gateway (no Lambda).",
        expensive=True,
        request_schema="ConverseRequest",
    ),
    Route(
        "POST",
        f"/v1/predict/{{{SAGEMAKER_MODEL_PARAMETER}}}",
        "sagemaker",
        "Invoke the SageMaker endpoint behind a custom model alias, straight from API Gateway (no Lambda).",
        expensive=True,
        request_schema="PredictRequest",
        content_types=("application/json", "text/csv"),
    ),
    Route(
        "POST",
        f"/v1/transform/{{{TRANSFORM_MODEL_PARAMETER}}}",
        "transform",
        "Score named features with a custom model through its transform spec: the features are checked and "
        "shaped for the model, its answer into labels, scores and decisions.",
        expensive=True,
        request_schema="TransformRequest",
    ),
)


# The router's routes again, for SigV4 callers (the module's `enable_iam_routes`): the router maps the
# caller's principal to its tenant (`contract.principals`). The direct routes have no twin: the authorizer's
# policy is what limits their models to a tenant's.
IAM_ROUTES: tuple[Route, ...] = tuple(
    dataclasses.replace(route, path=f"{IAM_ROUTE_PREFIX}{route.path}", authorization="AWS_IAM")
    for route in ROUTES
    if route.target == "router"
)


def resource_id(path_segments: tuple[str, ...]) -> str:
    """Terraform name of the API resource for a path prefix: `v1_models`."""
    return "_".join(s.strip("{}").lower() for s in path_segments)


def resource_paths(routes: tuple[Route, ...]) -> list[tuple[str, ...]]:
    """Every path prefix that needs an API resource, parents before children."""
    prefixes = {r.segments[:i] for r in routes for i in range(1, len(r.segments) + 1)}
    return sorted(prefixes, key=lambda p: (len(p), p))


def check_routes(routes: tuple[Route, ...]) -> None:
    """Raise when two routes share a method and path or two resources share a Terraform name."""
    seen = [(r.method, r.path) for r in routes]
    problems = sorted({f"{m} {p}" for m, p in seen if seen.count((m, p)) > 1})
    names = [resource_id(p) for p in resource_paths(routes)]
    problems += sorted({f"resource name {n}" for n in names if names.count(n) > 1})
    if problems:
        raise ValueError("routes collide: " + ", ".join(problems))


def fingerprint(routes: tuple[Route, ...], *extra: object) -> str:
    """sha256 of everything in Python that shapes the deployed API (routes, templates, settings)."""
    document = {"version": RENDERING_VERSION, "routes": [asdict(r) for r in routes], "extra": list(extra)}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
