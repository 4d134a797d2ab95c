"""The local stage ships each invocation's output to its function's log group, as Lambda does."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tooling.function_logs import STREAM, CapturingStdout, LogShipper

pytestmark = pytest.mark.usefixtures("aws_credentials")


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        for name in ("router", "authorizer"):
            client.create_log_group(logGroupName=f"/aws/lambda/{name}")
        yield client


def messages(logs: Any, function: str) -> list[str]:
    events = logs.get_log_events(logGroupName=f"/aws/lambda/{function}", logStreamName=STREAM)["events"]
    return [e["message"] for e in events]


def test_each_invocation_lands_in_its_own_functions_group_even_from_concurrent_threads(logs: Any) -> None:
    target = io.StringIO()
    stdout = CapturingStdout(target)
    shipper = LogShipper(logs, stdout)
    barrier = threading.Barrier(8, timeout=10)

    def printing(name: str) -> Any:
        def handler(event: dict[str, Any], _context: Any) -> str:
            barrier.wait()  # every thread writes at once
            for line in range(3):
                stdout.write(f'{{"fn": "{name}", "call": {event["n"]}, "line": {line}}}\n')
            return name

        return shipper.wrap(name, handler)

    handlers = {name: printing(name) for name in ("router", "authorizer")}
    threads = [threading.Thread(target=handlers["router" if n % 2 else "authorizer"], args=({"n": n}, None))
               for n in range(8)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    for name in ("router", "authorizer"):
        lines = messages(logs, name)
        assert len(lines) == 12 and all(f'"fn": "{name}"' in line for line in lines)
    assert target.getvalue().count("\n") == 24, "everything is still written through to the stage's own log"


def test_output_outside_an_invocation_is_not_shipped_and_a_failure_never_fails_the_request(
    logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    stdout = CapturingStdout(io.StringIO())
    shipper = LogShipper(logs, stdout)
    stdout.write("server starting\n")
    answer = shipper.wrap("missing", lambda _e, _c: stdout.write("x\n") and "ok")({}, None)
    assert answer == "ok"
    assert "could not ship the logs of missing: ResourceNotFoundException" in capsys.readouterr().err
    shipper.wrap("router", lambda _e, _c: None)({}, None)
    assert logs.describe_log_streams(logGroupName="/aws/lambda/router")["logStreams"] == [], "nothing to ship"
