"""The contract test's engine: schemathesis requests from the OpenAPI document, checked against the document.

Every operation of the document gets generated requests (valid and invalid bodies, path
parameters and queries, as schemathesis draws them from the document's schemas), sent
with a tenant's key to a served stage. Each answer is checked for a server error (any
5xx) and against the document: a documented status, a documented content type, a body
that matches the documented schema. The run is bounded: at most `examples` requests per
operation, a request rate, and a deadline for the whole run.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class ContractReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def run_contract(
    document: dict[str, Any],
    base_url: str,
    headers: dict[str, str],
    *,
    examples: int,
    requests_per_second: float,
    deadline_seconds: float,
) -> ContractReport:
    """Send generated requests for every operation of `document` to `base_url`; what was sent and what failed."""
    schema = schemathesis.openapi.from_dict(document)
    report = ContractReport()
    pace = Pace(1.0 / requests_per_second, time.monotonic() + deadline_seconds)
    with requests.Session() as session:
        for result in schema.get_all_operations():
            _exercise(result.ok(), base_url, headers, session=session, report=report, pace=pace, examples=examples)
    return report


@dataclass
class Pace:
    """The gap between two requests and the run's deadline (monotonic)."""

    gap: float
    deadline: float
    last: float = 0.0

    def wait(self) -> bool:
        """Sleep until the next request may go; False once the deadline has passed."""
        if time.monotonic() > self.deadline:
            return False
        pause = self.last + self.gap - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self.last = time.monotonic()
        return True


def _exercise(
    operation: Any, base_url: str, headers: dict[str, str], *, session: requests.Session, report: ContractReport,
    pace: Pace, examples: int,
) -> None:  # fmt: skip
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    def exercise(case: schemathesis.Case) -> None:
        if not pace.wait():
            return
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        report.requests += 1
        report.statuses[response.status_code] += 1
        report.by_operation[label] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as failure:  # one failure, or several distinct ones
            report.failures.append(f"{label} -> {response.status_code}: {str(failure)[:600]}")

    exercise()
