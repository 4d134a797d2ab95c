"""A bounded load test: N concurrent clients send one request for a fixed time; what they got and how fast."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests


@dataclass
class LoadReport:
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    # When each request was sent (monotonic) and what it got, to replay against a token bucket.
    sent: list[tuple[float, int]] = field(default_factory=list)
    tokens_served: int = 0  # the `usage.total_tokens` of every answer that succeeded
    errors: list[str] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        return sum(self.statuses.values()) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0


def run_load(url: str, headers: dict[str, str], body: dict[str, object], *, clients: int, seconds: float) -> LoadReport:
    """`clients` threads POST `body` to `url` back to back for `seconds`; every thread is joined (bounded)."""
    report = LoadReport()
    lock = threading.Lock()
    payload = json.dumps(body).encode()
    start = threading.Event()
    stop_at = [0.0]

    def client() -> None:
        with requests.Session() as session:
            start.wait(timeout=30)
            while time.monotonic() < stop_at[0]:
                sent = time.monotonic()
                try:
                    answer = session.post(url, data=payload, headers=headers, timeout=30)
                except requests.RequestException as err:
                    with lock:
                        report.errors.append(type(err).__name__)
                    continue
                took = time.monotonic() - sent
                tokens = answer.json().get("usage", {}).get("total_tokens", 0) if answer.status_code == 200 else 0
                with lock:
                    report.statuses[answer.status_code] += 1
                    report.latencies.append(took)
                    report.sent.append((sent, answer.status_code))
                    report.tokens_served += int(tokens)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.set()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    report.seconds = time.monotonic() - began
    if any(thread.is_alive() for thread in threads):
        report.errors.append("a client did not finish")
    return report


def bucket_admits(sent_at: list[float], rate: float, burst: int) -> int:
    """How many of requests arriving at `sent_at` a full token bucket (`burst`, refilled at `rate`) admits."""
    tokens, last, admitted = float(burst), None, 0
    for moment in sorted(sent_at):
        tokens = tokens if last is None else min(float(burst), tokens + (moment - last) * rate)
        last = moment
        if tokens >= 1.0:
            tokens -= 1.0
            admitted += 1
    return admitted
