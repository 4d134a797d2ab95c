"""A request body as a JSON object, or the 400 that says why it is not one."""

from __future__ import annotations

import json
from typing import Any

from shared.errors import GatewayError


def _bad(message: str) -> GatewayError:
    return GatewayError(400, "invalid_body", message)


def parse_json_object(body: str | None) -> dict[str, Any]:
    """The body as a JSON object, or a 400 that says why it is not one."""
    if body is None or not body.strip():
        raise _bad("the request needs a JSON body")
    try:
        document = json.loads(body)
    except ValueError as err:
        raise _bad(f"the request body is not valid JSON: {err}") from None
    except RecursionError:
        raise _bad("the request body nests too deeply") from None
    if not isinstance(document, dict):
        raise _bad("the request body must be a JSON object")
    return document
