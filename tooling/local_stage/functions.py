"""The Lambda functions a stage calls, loaded from the zips `make package` built with their deployed settings."""

from __future__ import annotations

import importlib
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from tooling.emulator import emulator_client
from tooling.function_logs import LogShipper

FUNCTION_ARN = re.compile(r"functions/(arn:[^/]+)/invocations$")
STREAM_ENTRY_POINT = "stream_handler"
Handler = Any


class StageError(Exception):
    """The stage could not be read from the emulator or loaded."""


def load_handler(handler_spec: str, environment: dict[str, str], code_dir: Path) -> tuple[Handler, Handler | None]:
    """Import `module.function` from `code_dir` with the function's environment applied; with it, the module's
    streaming entry point (`stream_handler`), if it has one."""
    os.environ.update(environment)
    if str(code_dir) not in sys.path:
        sys.path.insert(0, str(code_dir))
    module_name, _, function_name = handler_spec.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name), getattr(module, STREAM_ENTRY_POINT, None)


class FunctionLoader:
    """Loads each Lambda a stage uses once, from the emulator's configuration (shipping its logs if asked)."""

    def __init__(self, endpoint: str, region: str, code_dir: Path, shipper: LogShipper | None = None) -> None:
        self._lambda = emulator_client(endpoint, "lambda", region)
        self._code_dir = code_dir
        self._handlers: dict[str, Handler] = {}
        self._streams: dict[str, Handler | None] = {}
        self._shipper = shipper

    def stream_handler_for(self, uri: str) -> Handler | None:
        """The streaming entry point of the function `uri` names (loaded by `handler_for`), or None."""
        match = FUNCTION_ARN.search(uri or "")
        return self._streams.get(match.group(1)) if match else None

    def handler_for(self, uri: str) -> tuple[str, Handler] | None:
        match = FUNCTION_ARN.search(uri or "")
        if match is None:
            return None
        arn = match.group(1)
        if arn not in self._handlers:
            config = self._lambda.get_function_configuration(FunctionName=arn)
            variables = config.get("Environment", {}).get("Variables", {})
            handler, streaming = load_handler(config["Handler"], variables, self._code_dir)
            if self._shipper is not None:
                handler = self._shipper.wrap(config["FunctionName"], handler)
                streaming = self._shipper.wrap(config["FunctionName"], streaming) if streaming else None
            self._handlers[arn], self._streams[arn] = handler, streaming
        return arn, self._handlers[arn]


def unpack(packages: list[Path], target: Path) -> Path:
    """Unzip the function packages into `target`, as Lambda would lay each out."""
    target.mkdir(parents=True, exist_ok=True)
    for package in packages:
        if not package.exists():
            raise StageError(f"{package} is missing; run `make package`")
        with zipfile.ZipFile(package) as archive:
            archive.extractall(target)
    return target
