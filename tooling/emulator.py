"""Start, check and stop the local AWS emulator (a moto server on 127.0.0.1).

Every wait is bounded; every failure is one line on stderr and a non-zero exit.
The server is stopped by the pid this tool recorded, never by name.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


class EmulatorError(Exception):
    """The emulator could not be started, reached or stopped."""


@dataclass(frozen=True)
class Emulator:
    """A moto server this project runs: where it listens and where it keeps its pid and log."""

    port: int
    pid_file: Path
    log_file: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def answers(self, timeout: float = 1.0) -> bool:
        """Return True when an HTTP server answers on the port (any status counts)."""
        try:
            # The URL is always http://127.0.0.1:<port>/, built here, never taken from input.
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=timeout):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    def recorded_pid(self) -> int | None:
        """Return the pid in the pid file when that process still runs, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> int:
        """Start the server (or reuse the one this pid file names) and wait until it answers.

        Returns the server's pid.

        Raises
        ------
        EmulatorError
            The port is taken by something else, or the server did not answer in time.
        """
        pid = self.recorded_pid()
        if pid is not None and self.answers():
            return pid
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
        if port_in_use(self.port):
            raise EmulatorError(
                f"port {self.port} on {HOST} is in use by another program; choose a free one with EMULATOR_PORT=<port>"
            )
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # Without the managed policies, attaching AWS-managed policies fails with NoSuchEntity.
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise EmulatorError(f"the emulator exited with status {process.returncode}; see {self.log_file}")
            if self.answers(timeout=0.5):
                return process.pid
            time.sleep(0.2)
        self.stop()
        raise EmulatorError(f"the emulator did not answer on {self.endpoint} within {timeout:.0f} s")

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop the server this pid file names; return False when none was running."""
        pid = self.recorded_pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return True
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        return True


def process_alive(pid: int) -> bool:
    """Return True while `pid` runs (a zombie child is reaped and counts as gone)."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_in_use(port: int) -> bool:
    """Return True when something already listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    """Return a port on 127.0.0.1 that is free right now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


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
            stopped = emulator.stop()
            print("emulator: stopped" if stopped else "emulator: was not running")
        else:
            if emulator.recorded_pid() is None or not emulator.answers():
                print(f"emulator: not running on {emulator.endpoint}", file=sys.stderr)
                return 1
            print(f"emulator: running on {emulator.endpoint}")
    except EmulatorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
