"""A server this project runs in the background: started with a pid file, awaited, stopped by that pid.

Every wait is bounded. A server is only ever stopped through the pid this module
recorded when it started it, never by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
STOP_TIMEOUT_SECONDS = 10.0


class ServerError(Exception):
    """A background server could not be started or did not answer; the message is one line."""


def answers_http(url: str, timeout: float = 1.0) -> bool:
    """Return True when an HTTP server answers at `url` (any status counts)."""
    try:
        # Callers pass http://127.0.0.1:<port>/ URLs they built, never input.
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def port_in_use(port: int) -> bool:
    """Return True when something already listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections of a stopped server lingering in TIME_WAIT don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


@dataclass(frozen=True)
class BackgroundServer:
    """One HTTP server process on 127.0.0.1:`port`, with its pid and log files."""

    name: str
    port: int
    pid_file: Path
    log_file: Path
    # The make variable that chooses the port, named when the port is taken.
    port_variable: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def answers(self, timeout: float = 1.0) -> bool:
        return answers_http(f"{self.url}/", timeout)

    def recorded_pid(self) -> int | None:
        """Return the pid in the pid file when that process still runs, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if process_alive(pid) else None

    def running(self) -> bool:
        return self.recorded_pid() is not None and self.answers()

    def start(self, command: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> int:
        """Start `command` (or reuse the server the pid file names) and wait until it answers.

        Raises
        ------
        ServerError
            The port is taken by something else, the process exited, or it did not answer in time.
        """
        pid = self.recorded_pid()
        if pid is not None and self.answers():
            return pid
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
        if port_in_use(self.port):
            raise ServerError(
                f"port {self.port} on {HOST} is in use by another program; "
                f"choose a free one with {self.port_variable}=<port>"
            )
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                list(command),
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
                raise ServerError(f"the {self.name} exited with status {process.returncode}; see {self.log_file}")
            if self.answers(timeout=0.5):
                return process.pid
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"the {self.name} did not answer on {self.url} within {timeout:.0f} s")

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop the server the pid file names; return False when none was running."""
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
