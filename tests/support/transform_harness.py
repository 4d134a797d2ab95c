"""The transform Lambda in tests: its document published, a scripted container behind the local SageMaker runtime.

`ScriptedContainer` answers `/invocations` from a queue of (status, body, delay) and
records what it was sent; `transform_stack` puts it behind tooling.sagemaker_runtime (so
ModelError, variants and headers are what SageMaker's runtime sends), points the
transform's client at it, publishes the document and reloads the handler.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from tests.support.config_store import publish
from tests.support.http import running
from tooling import sagemaker_runtime

ENDPOINT = "iris-endpoint"
FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
LABELS = ["setosa", "versicolor", "virginica"]
IRIS_SPEC: dict[str, Any] = {
    "input_format": "csv",
    "features": [{"name": n, "type": "number", "minimum": 0, "maximum": 30} for n in FEATURES],
    "max_instances": 10,
    "output": {
        "kind": "probabilities",
        "labels": LABELS,
        "top_k": 2,
        "decisions": [{"at_least": 0.9, "decision": "accept"}, {"at_least": 0.6, "decision": "review"}],
        "default_decision": "reject",
        "masked_fields": [],
    },
    "variants": {"weights": {"blue": 1, "green": 1}, "sticky": "tenant", "targetable": {"acme": ["green"]}},
}
MODELS = {"iris": {"provider": "sagemaker", "model_id": ENDPOINT, "kind": "prediction"}}
SETOSA = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


@dataclass
class ScriptedContainer:
    """Answers queued (status, body, delay seconds); once empty, `default`, else one prediction per CSV row."""

    answers: list[tuple[int, str, float]] = field(default_factory=list)
    default: tuple[int, str, float] | None = None
    received: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, content_type: str, body: str) -> tuple[int, str, float]:
        with self.lock:
            self.received.append((content_type, body))
            if self.answers:
                return self.answers.pop(0)
        if self.default is not None:
            return self.default
        rows = len([line for line in body.splitlines() if line.strip()])
        return 200, json.dumps({"predictions": [[0.95, 0.04, 0.01]] * rows}), 0.0

    def server(self) -> ThreadingHTTPServer:
        container = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                status, answer, delay = container.next(self.headers.get("content-type", ""), body)
                if delay:
                    time.sleep(delay)
                payload = answer.encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the caller gave up (a timeout test)

        return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def proxy_event(alias: str, body: Any, tenant: str = "acme", allowed: str = "iris") -> dict[str, Any]:
    return {
        "httpMethod": "POST",
        "resource": "/v1/transform/{transformModel}",
        "path": f"/v1/transform/{alias}",
        "pathParameters": {"transformModel": alias},
        "requestContext": {
            "requestId": "req-transform-1",
            "authorizer": {"tenant_id": tenant, "tier": "standard", "allowed_models": allowed},
        },
        "body": body if isinstance(body, str) else json.dumps(body),
    }


@contextmanager
def transform_stack(
    monkeypatch: pytest.MonkeyPatch,
    container: ScriptedContainer,
    spec: dict[str, Any] | None = None,
    *,
    transforms: dict[str, Any] | None = None,
) -> Iterator[ModuleType]:
    """The reloaded `transform.handler`, reading a document with `spec` for alias `iris`, calling `container`."""
    with ExitStack() as stack:
        container_url = stack.enter_context(running(container.server()))
        variants = (spec or IRIS_SPEC).get("variants") or {"weights": {"AllTraffic": 1}}
        runtime = sagemaker_runtime.Runtime(
            sagemaker_runtime.parse_endpoints(
                {ENDPOINT: {name: {"url": container_url, "weight": w} for name, w in variants["weights"].items()}}
            )
        )
        runtime_url = stack.enter_context(running(sagemaker_runtime.make_server(0, runtime)))
        monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", runtime_url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        publish(monkeypatch, MODELS, transforms=transforms if transforms is not None else {"iris": spec or IRIS_SPEC})
        import transform.handler

        module = importlib.reload(transform.handler)
        # No real waiting between retries.
        monkeypatch.setattr(module.CALLER, "sleep", lambda seconds: None)
        yield module


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
