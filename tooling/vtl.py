"""Render API Gateway mapping templates offline: airspeed (Velocity) wrapped in `$input`, `$util`, `$context`.

The wrappers follow API Gateway's documented semantics, including its traps:
`$util.escapeJavaScript` is commons-lang's (it turns `'` into `\\'`, which is not
valid JSON, and non-ASCII into `\\uXXXX` UTF-16 units), `$input.json()` returns JSON
text while `$input.path()` returns objects, and authorizer context values are strings.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from typing import Any

import airspeed

MISSING = object()
PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']*)'\]")


def json_path(document: Any, path: str) -> Any:
    """Resolve the JSONPath subset API Gateway templates use: `$`, `$.a.b`, `$.a[0]`, `$['a']`."""
    if not path.startswith("$"):
        raise ValueError(f"JSONPath must start with $: {path!r}")
    value, rest = document, path[1:]
    while rest:
        match = PATH_TOKEN.match(rest)
        if match is None:
            raise ValueError(f"unsupported JSONPath {path!r}")
        name, index, quoted = match.groups()
        key: Any = int(index) if index is not None else (name if name is not None else quoted)
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return MISSING
        rest = rest[match.end() :]
    return value


class Input:
    """`$input`: the request (or integration response) body and the method's parameters."""

    def __init__(self, body: str, params: dict[str, dict[str, str]] | None = None) -> None:
        self.body = body
        self._params = params or {}
        try:
            self._document: Any = json.loads(body) if body else None
        except ValueError:
            self._document = MISSING

    def json(self, path: str) -> str:
        value = MISSING if self._document is MISSING else json_path(self._document, path)
        return "" if value is MISSING else json.dumps(value, ensure_ascii=False)

    def path(self, path: str) -> Any:
        value = MISSING if self._document is MISSING else json_path(self._document, path)
        return None if value is MISSING else value

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return self._params
        for kind in ("path", "querystring", "header"):
            if name in self._params.get(kind, {}):
                return self._params[kind][name]
        return ""


def escape_javascript(text: Any) -> str:
    """commons-lang 2.x StringEscapeUtils.escapeJavaScript, as API Gateway's `$util` uses it."""
    out = []
    raw = str(text).encode("utf-16-be")
    for i in range(0, len(raw), 2):
        unit = int.from_bytes(raw[i : i + 2], "big")
        char = chr(unit) if unit < 0xD800 or unit > 0xDFFF else ""
        if unit > 0x7F:
            out.append(f"\\u{unit:04X}")
        elif unit < 32:
            out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(unit, f"\\u{unit:04X}"))
        else:
            out.append({"'": "\\'", '"': '\\"', "\\": "\\\\", "/": "\\/"}.get(char, char))
    return "".join(out)


class Util:
    """`$util`."""

    def escapeJavaScript(self, text: Any) -> str:
        return escape_javascript(text)

    def parseJson(self, text: str) -> Any:
        return json.loads(text)

    def urlEncode(self, text: str) -> str:
        return urllib.parse.quote_plus(text)

    def base64Encode(self, text: str) -> str:
        return base64.b64encode(text.encode()).decode()


def render(
    template: str,
    body: str,
    *,
    params: dict[str, dict[str, str]] | None = None,
    authorizer: dict[str, str] | None = None,
    stage_variables: dict[str, str] | None = None,
    request_id: str = "req-1",
) -> tuple[str, dict[str, Any]]:
    """Render `template` for one request; return the output and `$context` (for requestOverride)."""
    context: dict[str, Any] = {
        "requestId": request_id,
        "authorizer": dict(authorizer or {}),
        "requestOverride": {"path": {}, "header": {}, "querystring": {}},
        "responseOverride": {"header": {}},
    }
    namespace = {
        "input": Input(body, params),
        "util": Util(),
        "context": context,
        "stageVariables": dict(stage_variables or {}),
    }
    return airspeed.Template(template).merge(namespace), context
