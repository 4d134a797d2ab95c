"""Start, check and stop the local AWS emulator (a moto server on 127.0.0.1).

Every wait is bounded; every failure is one line on stderr and a non-zero exit.
The server is stopped by the pid this tool recorded, never by name.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.background import HOST, BackgroundServer, ServerError, free_port, process_alive
from tooling.paths import REPO_ROOT
from tooling.resent_requests import REPLAYED

__all__ = ["HOST", "Emulator", "EmulatorError", "emulator_client", "free_port", "process_alive"]

START_TIMEOUT_SECONDS = 30.0
EmulatorError = ServerError


@dataclass(frozen=True)
class Emulator:
    """The moto server this project runs; `endpoint` is what the AWS provider and SDKs call."""

    port: int
    pid_file: Path
    log_file: Path

    @property
    def server(self) -> BackgroundServer:
        return BackgroundServer("emulator", self.port, self.pid_file, self.log_file, "EMULATOR_PORT")

    @property
    def endpoint(self) -> str:
        return self.server.url

    def answers(self, timeout: float = 1.0) -> bool:
        return self.server.answers(timeout)

    def recorded_pid(self) -> int | None:
        return self.server.recorded_pid()

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> int:
        """Start moto (or reuse the one this pid file names); return its pid."""
        env = dict(os.environ)
        # Without the managed policies, attaching AWS-managed policies fails with NoSuchEntity.
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
        # moto with its SageMaker read-backs put right (tooling/moto_server.py).
        command = [sys.executable, "-m", "tooling.moto_server", "-H", HOST, "-p", str(self.port)]
        return self.server.start(command, timeout, env)

    def stop(self) -> bool:
        """Stop the server this pid file names; False when none was running."""
        return self.server.stop()

    def replays(self) -> list[str]:
        """The re-sent requests this server answered with their first answers (their log lines)."""
        if not self.log_file.exists():
            return []
        with self.log_file.open(encoding="utf-8", errors="replace") as log:
            return [line.strip() for line in log if REPLAYED in line]


def emulator_client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for `service` on the emulator (which accepts any credentials)."""
    import boto3  # only the callers that talk to the emulator pay for boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator's placeholder, not a secret
    )


def parse_port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port '{text}' is not a number; expected 1024-65535") from None
    if not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range; expected 1024-65535")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=parse_port, required=True)
    parser.add_argument("--state-dir", type=Path, required=True, help="folder for the pid and log files")
    args = parser.parse_args(argv)
    emulator = Emulator(args.port, args.state_dir / "moto.pid", args.state_dir / "moto.log")
    try:
        if args.action == "start":
            pid = emulator.start()
            print(f"emulator: moto server on {emulator.endpoint} (pid {pid}, log {emulator.log_file})")
        elif args.action == "stop":
            print("emulator: stopped" if emulator.stop() else "emulator: was not running")
        elif emulator.server.running():
            print(f"emulator: running on {emulator.endpoint}")
        else:
            print(f"emulator: not running on {emulator.endpoint}", file=sys.stderr)
            return 1
    except EmulatorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
