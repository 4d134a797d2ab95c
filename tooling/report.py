"""`make report ENV=<env> SINCE=<YYYY-MM-DD>`: tokens and cost per gateway, tenant, model and UTC day, as CSV.

Reads the router's usage records (one EMF line per model request, `contract.metrics`)
from its CloudWatch Logs group: for ENV=local from the emulator `make up` applied to,
for a real environment from AWS with the usual credentials (the root's outputs name the
log groups and the region). The day is the UTC day the record was logged. Requests,
errors and tokens are exact sums of the records; cost is the router's estimate from
the catalog's prices, empty where no record of the row had a price.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from contract import metrics as emf
from tooling import real_env
from tooling.paths import BUILD_DIR, ENVIRONMENTS, ENVS_DIR
from tooling.terraform import TerraformError, run, terraform_environ

COLUMNS = ("day", "gateway", "tenant", "model", "requests", "errors", "input_tokens", "output_tokens", "cost_usd")
# Every usage record holds this term; the filter keeps other log lines on the server side.
RECORD_FILTER = f'"{emf.INPUT_TOKENS}"'
OUTPUT_TIMEOUT = 120.0
# FilterLogEvents pages; a report bigger than this is cut off with an error, never silently.
MAX_PAGES = 100_000


class ReportError(Exception):
    """The environment, the dates or the log groups are wrong; the message says what to do."""


@dataclass
class Totals:
    requests: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None

    def add(self, record: dict[str, Any]) -> None:
        self.requests += 1
        self.errors += int(record.get(emf.ERRORS) or 0)
        self.input_tokens += int(record.get(emf.INPUT_TOKENS) or 0)
        self.output_tokens += int(record.get(emf.OUTPUT_TOKENS) or 0)
        cost = record.get(emf.ESTIMATED_COST)
        if isinstance(cost, int | float):
            self.cost_usd = (self.cost_usd or 0.0) + float(cost)


Key = tuple[str, str, str, str]  # day, gateway, tenant, model


def usage_record(message: str) -> dict[str, Any] | None:
    """The router's usage record in a log line, or None for any other line."""
    try:
        record = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict) or "_aws" not in record or record.get(emf.SERVICE_DIMENSION) != emf.SERVICE:
        return None
    return record


def events(client: Any, log_group: str, start_ms: int, end_ms: int) -> Iterator[dict[str, Any]]:
    """Every log event of `log_group` in [start, end) holding a usage record, page by page."""
    kwargs: dict[str, Any] = {"logGroupName": log_group, "startTime": start_ms, "endTime": end_ms - 1,
                              "filterPattern": RECORD_FILTER}  # fmt: skip
    try:
        for _ in range(MAX_PAGES):
            page = client.filter_log_events(**kwargs)
            yield from page.get("events", [])
            token = page.get("nextToken")
            if not token or token == kwargs.get("nextToken"):
                return
            kwargs["nextToken"] = token
    except client.exceptions.ResourceNotFoundException:
        raise ReportError(f"log group {log_group} does not exist (was the environment applied?)") from None
    raise ReportError(f"{log_group}: more than {MAX_PAGES} pages of records; report a shorter period")


def aggregate(groups: dict[str, str], client: Any, since: date, until: date) -> dict[Key, Totals]:
    """Totals per (UTC day, gateway, tenant, model) of the records logged from `since` to the end of `until`."""
    start = int(datetime.combine(since, datetime.min.time(), UTC).timestamp() * 1000)
    end = int(datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC).timestamp() * 1000)
    totals: dict[Key, Totals] = {}
    for gateway, log_group in sorted(groups.items()):
        for event in events(client, log_group, start, end):
            record = usage_record(str(event.get("message", "")))
            if record is None:
                continue
            day = datetime.fromtimestamp(int(event["timestamp"]) / 1000, UTC).date().isoformat()
            key = (day, gateway, str(record.get(emf.TENANT, emf.UNKNOWN)), str(record.get(emf.MODEL, emf.UNKNOWN)))
            totals.setdefault(key, Totals()).add(record)
    return totals


def write_csv(totals: dict[Key, Totals], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for key in sorted(totals):
            t = totals[key]
            cost = "" if t.cost_usd is None else f"{t.cost_usd:.8f}"
            writer.writerow([*key, t.requests, t.errors, t.input_tokens, t.output_tokens, cost])


def parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{name} must be a date as YYYY-MM-DD, got '{text}'") from None


# -- where the records are ------------------------------------------------------------------------------


def outputs_of(env: str, env_dir: Path | None) -> dict[str, Any]:
    """The root's outputs: envs/local's own state, or a real root initialised with its backend."""
    tf_env = terraform_environ()
    if env == "local":
        folder = env_dir or ENVS_DIR / env
    else:
        try:
            real_env.check_environment(env)
        except real_env.EnvironmentSetupError as err:
            raise ReportError(str(err)) from None
        folder = env_dir or real_env.init(env, tf_env)
    document = json.loads(run(["output", "-json"], folder, timeout=OUTPUT_TIMEOUT, env=tf_env).stdout)
    values = {name: item["value"] for name, item in document.items()}
    if not values:
        hint = "run `make up` first" if env == "local" else f"apply envs/{env} first"
        raise ReportError(f"envs/{env} has no outputs: {hint}")
    return values


def log_groups(env: str, outputs: dict[str, Any]) -> dict[str, str]:
    """Gateway -> the log group of its router (one gateway per root, or one per business unit)."""
    if isinstance(outputs.get("router_log_group_names"), dict):
        return {str(k): str(v) for k, v in outputs["router_log_group_names"].items()}
    if isinstance(outputs.get("router_log_group_name"), str):
        return {env: outputs["router_log_group_name"]}
    raise ReportError(f"envs/{env} outputs no router_log_group_name; re-apply it with this version")


def env_client(env: str, outputs: dict[str, Any], service: str) -> Any:
    """A client of the environment's account: the emulator for envs/local, else the default credentials."""
    if env == "local":
        from tooling.emulator import emulator_client

        return emulator_client(str(outputs["emulator_endpoint"]), service)
    import boto3

    return boto3.client(service, region_name=outputs.get("region"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--since", required=True, help="first UTC day, YYYY-MM-DD")
    parser.add_argument("--until", default="", help="last UTC day, YYYY-MM-DD (default today)")
    parser.add_argument("--out", type=Path, default=None, help="CSV path (default build/reports/<env>-<since>.csv)")
    parser.add_argument("--env-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.env not in ENVIRONMENTS:
            shown = args.env or "(empty)"
            raise ReportError(f"ENV '{shown}' is unknown; expected one of: {', '.join(ENVIRONMENTS)}")
        if not args.since:
            raise ReportError("SINCE is required: make report ENV=<env> SINCE=YYYY-MM-DD")
        since = parse_day(args.since, "SINCE")
        until = parse_day(args.until, "UNTIL") if args.until else datetime.now(UTC).date()
        if since > until:
            raise ReportError(f"SINCE {since} is after {until}")
        outputs = outputs_of(args.env, args.env_dir)
        totals = aggregate(log_groups(args.env, outputs), env_client(args.env, outputs, "logs"), since, until)
        out = args.out or BUILD_DIR / "reports" / f"{args.env}-{since}.csv"
        write_csv(totals, out)
    except (ReportError, TerraformError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    requests = sum(t.requests for t in totals.values())
    print(f"report: {len(totals)} rows ({requests} requests, {since} to {until}) -> {out}")
    return 0


def rows(path: Path) -> Iterable[dict[str, str]]:
    """The report's rows as dicts (for callers and tests)."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


if __name__ == "__main__":
    sys.exit(main())
