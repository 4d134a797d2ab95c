"""`make report`: the router's usage records, read from CloudWatch Logs, as CSV per day, tenant and model.

The records are what the router itself printed for scripted requests (its EMF lines),
written to a moto log group as Lambda would ship them, on chosen days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from router.chat import ChatResult
from shared.backend_errors import BackendError
from tests.support.router_harness import MODELS, Router, build_router, emf_records
from tooling import report

pytestmark = pytest.mark.usefixtures("aws_credentials")

GROUP = "/aws/lambda/aigw-test-router"
CHAT = "/v1/chat/completions"
HAIKU_ID = str(MODELS["haiku"]["model_id"])
LLAMA_ID = str(MODELS["llama"]["model_id"])


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName="s")
        yield client


def day_ms(day: str, hour: int = 12) -> int:
    return int(datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").timestamp() * 1000)


def router_lines(router: Router, capsys: pytest.CaptureFixture[str], calls: list[dict[str, Any]]) -> list[str]:
    """What the router printed for each call: its EMF usage record among its other lines."""
    capsys.readouterr()
    for index, call in enumerate(calls):
        router.call(CHAT, call["body"], tenant=call.get("tenant", "acme"), request_id=f"r{index}")
    output = capsys.readouterr().out
    assert len(emf_records(output)) == len(calls)
    return [line for line in output.splitlines() if '"_aws"' in line]


def put(logs: Any, lines: list[str], timestamps: list[int]) -> None:
    events = sorted(({"timestamp": t, "message": m} for m, t in zip(lines, timestamps, strict=True)),
                    key=lambda e: e["timestamp"])  # fmt: skip
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=events)


def test_tokens_and_cost_are_summed_per_day_tenant_and_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], logs: Any, tmp_path: Path
) -> None:
    router = build_router(monkeypatch)
    router.backend.scripts[HAIKU_ID] = [ChatResult("ok", "stop", 1000, 2000)] * 3
    router.backend.scripts[LLAMA_ID] = [BackendError("unavailable", "down")] * 3
    ask = {"model": "haiku", "messages": [{"role": "user", "content": "hi"}]}
    lines = router_lines(router, capsys, [{"body": ask}, {"body": ask}, {"body": ask, "tenant": "globex"},
                                          {"body": {**ask, "model": "llama"}}])  # fmt: skip
    put(logs, [*lines, "START RequestId: x", '{"level": "INFO", "message": "request"}'],
        [day_ms("2026-11-30"), day_ms("2026-12-01"), day_ms("2026-12-01"), day_ms("2026-12-01", 13),
         day_ms("2026-12-01"), day_ms("2026-12-01")])  # fmt: skip
    totals = report.aggregate({"test": GROUP}, logs, date(2026, 11, 30), date(2026, 12, 1))
    out = tmp_path / "report.csv"
    report.write_csv(totals, out)
    got = {(r["day"], r["tenant"], r["model"]): r for r in report.rows(out)}
    assert set(got) == {("2026-11-30", "acme", "haiku"), ("2026-12-01", "acme", "haiku"),
                        ("2026-12-01", "globex", "haiku"), ("2026-12-01", "acme", "llama")}  # fmt: skip
    day = got[("2026-12-01", "acme", "haiku")]
    assert (day["requests"], day["errors"], day["input_tokens"], day["output_tokens"]) == ("1", "0", "1000", "2000")
    assert float(day["cost_usd"]) == pytest.approx(0.00025 + 2 * 0.00125)
    unknown = got[("2026-12-01", "acme", "llama")]
    assert (unknown["requests"], unknown["errors"], unknown["cost_usd"]) == ("1", "1", ""), "no price: no cost"
    assert out.read_text().splitlines()[0] == ",".join(report.COLUMNS)


def test_the_period_bounds_are_utc_days(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], logs: Any
) -> None:
    router = build_router(monkeypatch)
    router.backend.scripts[HAIKU_ID] = [ChatResult("ok", "stop", 5, 5)] * 3
    ask = {"model": "haiku", "messages": [{"role": "user", "content": "hi"}]}
    lines = router_lines(router, capsys, [{"body": ask}] * 3)
    put(logs, lines, [day_ms("2026-11-29", 23), day_ms("2026-11-30", 0), day_ms("2026-12-01", 23)])
    totals = report.aggregate({"test": GROUP}, logs, date(2026, 11, 30), date(2026, 11, 30))
    assert {k[0]: t.requests for k, t in totals.items()} == {"2026-11-30": 1}


def test_every_page_is_read(monkeypatch: pytest.MonkeyPatch, logs: Any) -> None:
    pages = iter([{"events": [{"timestamp": day_ms("2026-12-01"), "message": line}], "nextToken": f"t{i}"}
                  for i, line in enumerate(['{"_aws": {}, "service": "router", "tenant": "a", "model": "m"}'] * 3)]
                 + [{"events": []}])  # fmt: skip
    monkeypatch.setattr(logs, "filter_log_events", lambda **_kwargs: next(pages))
    totals = report.aggregate({"test": GROUP}, logs, date(2026, 12, 1), date(2026, 12, 1))
    assert [t.requests for t in totals.values()] == [3]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--env", "qa", "--since", "2026-12-01"], "ENV 'qa' is unknown"),
        (["--env", "local", "--since", "yesterday"], "SINCE must be a date as YYYY-MM-DD"),
        (["--env", "local", "--since", "2026-12-02", "--until", "2026-12-01"], "is after"),
        (["--env", "staging", "--since", "2026-12-01", "--env-dir", "/nonexistent"], "backend.hcl is missing"),
    ],
)
def test_bad_arguments_get_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_missing_log_group_says_so(logs: Any) -> None:
    with pytest.raises(report.ReportError, match="does not exist"):
        report.aggregate({"test": "/aws/lambda/nowhere"}, logs, date(2026, 12, 1), datetime.now(UTC).date())
