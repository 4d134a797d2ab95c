"""The OpenAPI 3 document of the gateway, built from the same route model as the Terraform.

Written next to the module on synth (`modules/ai_gateway/openapi.json`) and exposed as
the `openapi_document` output, for consumers, client generation and API fuzzing.
"""

from __future__ import annotations

from typing import Any

from contract.routes import (
    EVENT_STREAM_MEDIA_TYPE,
    MODEL_ALIAS_PARAMETER,
    PROMPT_NAME_PARAMETER,
    TRANSFORM_MODEL_PARAMETER,
)
from contract.routing import ROUTE_INFO, STRATEGIES
from modules_src.ai_gateway.gateway_responses import RESPONSES
from modules_src.ai_gateway.routes import ROUTES, Route
from modules_src.ai_gateway.schemas import CONVERSE_RESPONSE, REQUEST_SCHEMAS, TOKEN_USAGE, TRANSFORM_RESPONSE

OPENAPI_VERSION = "3.0.3"
ERROR_STATUSES = sorted({r.status for r in RESPONSES if r.status is not None})

GATEWAY_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type", "code", "request_id"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string", "example": "invalid_request_error"},
                    "code": {"type": "string", "example": "invalid_api_key"},
                    "param": {"type": "string", "nullable": True},
                    "request_id": {"type": "string"},
                },
            }
        },
    },
    "Model": {
        "type": "object",
        "required": ["id", "object", "created", "owned_by"],
        "properties": {
            "id": {"type": "string", "description": "The alias to send as `model`."},
            "object": {"type": "string", "enum": ["model"]},
            "created": {"type": "integer"},
            "owned_by": {"type": "string"},
            ROUTE_INFO: {
                "type": "object",
                "description": "A routed alias only: how the gateway chooses its model (its rules in order, then "
                "its strategy); each answer names what chose it in the `x-aigw-route` header.",
                "required": ["strategy", "rules"],
                "properties": {
                    "strategy": {"type": "string", "enum": list(STRATEGIES)},
                    "rules": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "ChatCompletion": {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices", "usage"],
        "properties": {
            "id": {"type": "string"},
            "object": {"type": "string", "enum": ["chat.completion"]},
            "created": {"type": "integer"},
            "model": {"type": "string", "description": "The catalog model that answered."},
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        "message": {
                            "type": "object",
                            "properties": {
                                "role": {"type": "string"},
                                "content": {"type": "string", "nullable": True},
                                "tool_calls": {"type": "array", "items": {"$ref": "#/components/schemas/ToolCall"}},
                            },
                        },
                        "finish_reason": {
                            "type": "string",
                            "enum": ["stop", "length", "content_filter", "tool_calls"],
                        },
                    },
                },
            },
            "usage": {"$ref": "#/components/schemas/Usage"},
        },
    },
    "EmbeddingList": {
        "type": "object",
        "required": ["object", "data", "model", "usage"],
        "properties": {
            "object": {"type": "string", "enum": ["list"]},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "object": {"type": "string", "enum": ["embedding"]},
                        "index": {"type": "integer"},
                        "embedding": {
                            "description": "Floats, or little-endian float32 in base64 with encoding_format base64."
                        },
                    },
                },
            },
            "model": {"type": "string"},
            "usage": {"$ref": "#/components/schemas/Usage"},
        },
    },
    "Response": {
        "type": "object",
        "required": ["id", "object", "created_at", "status", "model", "output", "usage"],
        "properties": {
            "id": {"type": "string"},
            "object": {"type": "string", "enum": ["response"]},
            "created_at": {"type": "integer"},
            "status": {"type": "string", "enum": ["completed", "incomplete"]},
            "model": {"type": "string", "description": "The catalog model that answered."},
            "output": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "A message (output_text parts) or a function_call (call_id, name, arguments).",
                    "properties": {"type": {"type": "string", "enum": ["message", "function_call"]}},
                },
            },
            "usage": TOKEN_USAGE,
        },
    },
    "ToolCall": {
        "type": "object",
        "required": ["id", "type", "function"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": ["function"]},
            "function": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "arguments": {"type": "string", "description": "The arguments as JSON text."},
                },
            },
        },
    },
    "Usage": {
        "type": "object",
        "properties": {
            "prompt_tokens": {"type": "integer"},
            "completion_tokens": {"type": "integer"},
            "total_tokens": {"type": "integer"},
        },
    },
    "ModelList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {
            "object": {"type": "string", "enum": ["list"]},
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}},
        },
    },
}
# Every schema the document names: the gateway's own, the request bodies (without their
# draft-04 `$schema`, which OpenAPI 3.0 does not take) and the direct routes' answers.
SCHEMAS: dict[str, Any] = {
    **GATEWAY_SCHEMAS,
    **{name: {k: v for k, v in schema.items() if k != "$schema"} for name, schema in REQUEST_SCHEMAS.items()},
    "ConverseResponse": CONVERSE_RESPONSE,
    "PredictResponse": {"description": "The model's own output, unchanged (JSON or CSV)."},
    "PredictionList": TRANSFORM_RESPONSE,
}
# The success body of each route, by route key.
RESPONSE_SCHEMAS = {
    "GET /v1/models": "ModelList",
    f"GET /v1/models/{{{MODEL_ALIAS_PARAMETER}}}": "Model",
    "POST /v1/chat/completions": "ChatCompletion",
    "POST /v1/embeddings": "EmbeddingList",
    "POST /v1/responses": "Response",
    "POST /v1/bedrock/{modelId}/converse": "ConverseResponse",
    "POST /v1/predict/{model}": "PredictResponse",
    f"POST /v1/transform/{{{TRANSFORM_MODEL_PARAMETER}}}": "PredictionList",
    f"POST /v1/prompts/{{{PROMPT_NAME_PARAMETER}}}": "ChatCompletion",
}


# What a streamed answer (`stream: true`) is, by the success schema of its route.
STREAM_DESCRIPTIONS = {
    "ChatCompletion": "With `stream: true`: `chat.completion.chunk` events (`data: {...}`), then `data: [DONE]`; "
    "a failure after the first byte is an event holding the error envelope.",
    "Response": "With `stream: true`: the Responses API's events (`event: response.created` ... "
    "`response.completed`), each with its `sequence_number`; a failure after the first byte is an `error` event.",
}


def _operation(route: Route) -> dict[str, Any]:
    schema = RESPONSE_SCHEMAS.get(route.route_key)
    if schema is None:
        raise ValueError(f"route {route.route_key} has no response schema in openapi.RESPONSE_SCHEMAS")
    responses: dict[str, Any] = {
        "200": {
            "description": "Success.",
            "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }
    if route.streams:
        responses["200"]["content"][EVENT_STREAM_MEDIA_TYPE] = {
            "schema": {"type": "string", "description": STREAM_DESCRIPTIONS[schema]}
        }
    for status in ERROR_STATUSES:
        responses[status] = {"$ref": "#/components/responses/Error"}
    operation: dict[str, Any] = {
        "operationId": route.logical_id,
        "summary": route.summary,
        "responses": responses,
    }
    parameters = [
        {"name": s.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
        for s in route.segments
        if s.startswith("{")
    ]
    if parameters:
        operation["parameters"] = parameters
    if route.request_schema:
        content: dict[str, Any] = {}
        for kind in route.content_types:
            schema_ref = {"$ref": f"#/components/schemas/{route.request_schema}"}
            content[kind] = {"schema": schema_ref if kind == "application/json" else {"type": "string"}}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def document(routes: tuple[Route, ...] = ROUTES) -> dict[str, Any]:
    """The OpenAPI document of `routes` (deterministic)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "AI gateway",
            "version": "1",
            "description": "OpenAI-compatible AI gateway on API Gateway. Every route needs a tenant's API key "
            "(`Authorization: Bearer <key>` or `x-api-key`) or, where configured, a JWT: an OIDC issuer's, or an "
            "access token of the gateway's Cognito pool, whose scopes narrow the routes. With `enable_iam_routes`, "
            "every router route is also served under `/iam` (`/iam/v1/chat/completions`, ...) for SigV4-signed "
            "AWS callers (AWS_IAM authorization), with the same bodies and answers; those twins are not listed.",
        },
        "servers": [
            {
                "url": "{stage_invoke_url}",
                "variables": {
                    "stage_invoke_url": {"default": "https://example.execute-api.us-east-1.amazonaws.com/dev"}
                },
                "description": "The module's `stage_invoke_url` output.",
            }
        ],
        "security": [{"bearer": []}, {"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A tenant API key or a JWT."},
                "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
            "headers": {
                "RequestId": {
                    "description": "API Gateway's request id; quote it in support requests.",
                    "schema": {"type": "string"},
                }
            },
            "responses": {
                "Error": {
                    "description": "A refusal, in the gateway's one JSON error envelope.",
                    "headers": {"x-request-id": {"$ref": "#/components/headers/RequestId"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
            "schemas": SCHEMAS,
        },
    }
