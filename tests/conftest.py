"""Shared fixtures: sample events, a Lambda context, Terraform work folders that clean up after themselves."""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tooling.emulator import Emulator
from tooling.paths import ENVS_DIR, MODULES_DIR, REPO_ROOT

EVENTS_DIR = Path(__file__).parent / "events"


@dataclass
class FakeLambdaContext:
    """The attributes of a LambdaContext that handlers and powertools read."""

    function_name: str = "aigw-test-router"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "lambda-request-0001"
    log_group_name: str = "/aws/lambda/aigw-test-router"
    log_stream_name: str = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def load_event(name: str) -> dict[str, Any]:
    """Return a fresh copy of tests/events/<name>.json."""
    document: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    return document


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Placeholder credentials and region for moto-backed tests (nothing reaches AWS)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def terraform_tree(tmp_path: Path) -> Iterator[Path]:
    """A throwaway copy of modules/, envs/ and the prompt registry they publish (no .terraform, no state),
    removed afterwards."""
    ignore = shutil.ignore_patterns(".terraform", "terraform.tfstate*", "*.tfplan", "backend.hcl")
    shutil.copytree(MODULES_DIR, tmp_path / "modules", ignore=ignore)
    shutil.copytree(ENVS_DIR, tmp_path / "envs", ignore=ignore)
    shutil.copytree(REPO_ROOT / "prompts", tmp_path / "prompts")
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture(scope="session")
def router_zip() -> Path:
    """The router zip `make package` built (make test builds it first)."""
    path = REPO_ROOT / "build" / "dist" / "router.zip"
    if not path.exists():
        pytest.fail("build/dist/router.zip is missing; run the suite through `make test`")
    return path


def warn_of_replays(emulator: Emulator) -> None:
    """Say in the suite's warnings which re-sent requests the emulator replayed: its log goes with the test tree."""
    if replays := emulator.replays():
        shown = "; ".join(replays[:10])
        warnings.warn(f"the emulator answered {len(replays)} re-sent request(s) with their first answers: {shown}",
                      stacklevel=2)  # fmt: skip
