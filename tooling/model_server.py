"""Serve a `model.tar.gz` on 127.0.0.1 with SageMaker's hosting contract: `GET /ping`, `POST /invocations`.

It does what SageMaker's scikit-learn container does with the same archive: unpacks it
into a model folder, imports `code/inference.py`, calls `model_fn` once, and per request
`input_fn` -> `predict_fn` -> `output_fn`. A client error from the script (`ValueError`)
is answered 400 with the script's words, anything else 500 (SageMaker's runtime turns
both into a ModelError carrying that status). One model per server, as one per container.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

from tooling.http_serving import send, serve_until_stopped
from tooling.paths import BUILD_DIR

HOST = "127.0.0.1"
MAX_BODY_BYTES = 6 * 1024 * 1024  # SageMaker's synchronous payload limit
SCRIPT = Path("code") / "inference.py"


class LoadedModel:
    """The inference script and the model its `model_fn` loaded from the unpacked archive."""

    def __init__(self, archive: Path, model_dir: Path) -> None:
        shutil.rmtree(model_dir, ignore_errors=True)
        model_dir.mkdir(parents=True)
        with tarfile.open(archive, "r:gz") as contents:
            contents.extractall(model_dir, filter="data")
        self.script = load_script(model_dir / SCRIPT)
        self.model = self.script.model_fn(str(model_dir))
        self._lock = threading.Lock()

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for one invocation."""
        try:
            with self._lock:  # scikit-learn estimators are not documented as thread-safe
                data = self.script.input_fn(body, content_type)
                prediction = self.script.predict_fn(data, self.model)
                answer = self.script.output_fn(prediction, accept)
        except ValueError as err:
            return 400, "text/plain", str(err).encode("utf-8", "replace")[:2048]
        except Exception as err:  # the container answers 500 for a script failure
            return 500, "text/plain", f"inference failed: {type(err).__name__}".encode()
        kind = accept if accept in ("application/json", "text/csv") else "application/json"
        return 200, kind, answer.encode("utf-8") if isinstance(answer, str) else bytes(answer)


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"inference_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{path} is not an importable inference script")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_server(port: int, model: LoadedModel) -> ThreadingHTTPServer:
    class ModelHandler(BaseHTTPRequestHandler):
        server_version = "local-model"

        def log_message(self, format: str, *args: Any) -> None:
            return None  # one line per prediction would drown the stage's log

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            send(self, status, {"content-type": content_type}, body)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(200, "application/json", b"{}")
            else:
                self._send(404, "text/plain", b"not found")

        def do_POST(self) -> None:
            if self.path != "/invocations":
                self._send(404, "text/plain", b"not found")
                return
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._send(413, "text/plain", b"payload larger than 6 MB")
                return
            body = self.rfile.read(length)
            status, kind, answer = model.invoke(
                body, self.headers.get("content-type", ""), self.headers.get("accept", "application/json")
            )
            self._send(status, kind, answer)

    return ThreadingHTTPServer((HOST, port), ModelHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    model_dir = args.model_dir or BUILD_DIR / "model-server" / args.archive.parent.name
    try:
        model = LoadedModel(args.archive, model_dir)
        server = make_server(args.port, model)
    except (OSError, tarfile.TarError, RuntimeError, AttributeError) as err:
        print(f"error: could not serve {args.archive}: {err}", file=sys.stderr)
        return 1
    print(f"model-server: serving {args.archive.parent.name} on http://{HOST}:{args.port}", file=sys.stderr, flush=True)
    return serve_until_stopped(server)


if __name__ == "__main__":
    sys.exit(main())
