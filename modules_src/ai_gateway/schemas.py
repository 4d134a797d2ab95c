"""JSON schemas of request and response bodies: one source for API Gateway models and OpenAPI.

Request schemas use only JSON Schema draft 4, which API Gateway's request
validation understands; `additionalProperties: false` refuses unknown fields at
the edge instead of silently ignoring them.
"""

from __future__ import annotations

from typing import Any

from contract import prompts, transforms

MAX_MESSAGES = 200
MAX_TEXT = 200_000

CONVERSE_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "ConverseRequest",
    "type": "object",
    "required": ["messages"],
    "additionalProperties": False,
    "properties": {
        "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_MESSAGES,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "additionalProperties": False,
                "properties": {
                    "role": {"type": "string", "enum": ["user", "assistant"]},
                    "content": {"type": "string", "maxLength": MAX_TEXT},
                },
            },
        },
        "system": {"type": "string", "maxLength": MAX_TEXT},
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000},
        "temperature": {"type": "number", "minimum": 0, "maximum": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "stop": {"type": "array", "maxItems": 4, "items": {"type": "string", "minLength": 1, "maxLength": 200}},
    },
}

# Input, output and total tokens, as the direct Bedrock route and the Responses API report them.
TOKEN_USAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "input_tokens": {"type": "integer"},
        "output_tokens": {"type": "integer"},
        "total_tokens": {"type": "integer"},
    },
}
CONVERSE_RESPONSE: dict[str, Any] = {
    "title": "ConverseResponse",
    "type": "object",
    "required": ["id", "object", "model", "text", "stop_reason", "usage"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["bedrock.converse"]},
        "model": {"type": "string"},
        "text": {"type": "string"},
        "stop_reason": {"type": "string"},
        "usage": TOKEN_USAGE,
    },
}

# A custom model's own input: any JSON object (its shape belongs to the model, not the gateway).
PREDICT_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PredictRequest",
    "type": "object",
}

# Named features per instance; the transform checks each against the model's spec (a 400 names the field).
TRANSFORM_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "TransformRequest",
    "type": "object",
    "required": [transforms.INSTANCES],
    "additionalProperties": False,
    "properties": {
        transforms.INSTANCES: {
            "type": "array",
            "minItems": 1,
            "maxItems": transforms.MAX_INSTANCES,
            "items": {"type": "object", "description": "Feature name -> value, as the model's spec names them."},
        },
        transforms.VARIANT: {
            "type": "string",
            "description": "A production variant to serve the request; only tenants the spec lets choose may name one.",
        },
        transforms.USER: {
            "type": "string",
            "pattern": transforms.USER_PATTERN,
            "description": "An opaque user id: with sticky per user, the same user always gets the same variant.",
        },
    },
}
TRANSFORM_RESPONSE: dict[str, Any] = {
    "title": "PredictionList",
    "type": "object",
    "required": ["object", "model", "data"],
    "properties": {
        "object": {"type": "string", "enum": ["list"]},
        "model": {"type": "string"},
        "variant": {"type": "string", "nullable": True, "description": "The production variant that answered."},
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index"],
                "description": "Fields the model's spec masks are left out.",
                "properties": {
                    "index": {"type": "integer"},
                    "label": {"type": "string"},
                    "score": {"type": "number"},
                    "decision": {"type": "string"},
                    "top_k": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"label": {"type": "string"}, "score": {"type": "number"}},
                        },
                    },
                    "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                },
            },
        },
    },
}

# The router's OpenAI routes: the edge checks only the shape every request needs; the router
# validates the rest with messages that name the field (and documents what it refuses or ignores).
# What the chat-shaped routes (chat completions, prompts, responses) take alike.
CHAT_PROPERTIES: dict[str, Any] = {
    "model": {"type": "string", "minLength": 1, "maxLength": 128},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2},
    "top_p": {"type": "number", "minimum": 0, "maximum": 1},
    "user": {"type": "string", "maxLength": 256},
}
TOOLS: dict[str, Any] = {"type": "array", "maxItems": 128, "items": {"type": "object"}}
CHAT_COMPLETION_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "ChatCompletionRequest",
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        **CHAT_PROPERTIES,
        # Empty only with a registered `prompt`, whose messages come first (the router checks which).
        "messages": {"type": "array", "minItems": 0, "maxItems": 1000, "items": {"type": "object"}},
        "max_tokens": {"type": "integer", "minimum": 1},
        "tools": TOOLS,
        "tool_choice": {"description": "auto, none, required, or {type: function, function: {name}}."},
        "parallel_tool_calls": {"type": "boolean"},
        "response_format": {"type": "object"},
        "seed": {"type": "integer"},
    },
}
PROMPT_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "PromptRequest",
    "type": "object",
    "properties": {
        "variables": {"type": "object"},
        "label": {"type": "string", "pattern": prompts.LABEL_PATTERN},
        "version": {"type": "integer", "minimum": 1},
        **CHAT_PROPERTIES,
        "max_tokens": {"type": "integer", "minimum": 1},
    },
}
RESPONSE_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "ResponseRequest",
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        **CHAT_PROPERTIES,
        "input": {"description": "A string, or a list of message, function_call and function_call_output items."},
        "instructions": {"type": "string"},
        "tools": TOOLS,
        "max_output_tokens": {"type": "integer", "minimum": 1},
    },
}
EMBEDDING_REQUEST: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "EmbeddingRequest",
    "type": "object",
    "required": ["model", "input"],
    "properties": {
        "model": {"type": "string", "minLength": 1, "maxLength": 128},
        "input": {"description": "A string or a list of strings (the router checks which)."},
        "encoding_format": {"type": "string", "enum": ["float", "base64"]},
        "dimensions": {"type": "integer", "minimum": 1},
    },
}

# Request body schemas by name (API Gateway model names are alphanumeric).
REQUEST_SCHEMAS: dict[str, dict[str, Any]] = {
    "ConverseRequest": CONVERSE_REQUEST,
    "PredictRequest": PREDICT_REQUEST,
    "TransformRequest": TRANSFORM_REQUEST,
    "ChatCompletionRequest": CHAT_COMPLETION_REQUEST,
    "PromptRequest": PROMPT_REQUEST,
    "EmbeddingRequest": EMBEDDING_REQUEST,
    "ResponseRequest": RESPONSE_REQUEST,
}
