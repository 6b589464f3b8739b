"""Running the ``kuaizhao`` command for real, as subprocesses: the environment a test
gives it, the server it starts, and how a test waits for and stops it.

Shared by the CLI, fault-injection, backup and deployment suites.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

EXTERNAL_URL = os.environ.get("KUAIZHAO_TEST_REDIS_URL") or "redis://127.0.0.1:6379/9"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def kuaizhao() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    script = shutil.which("kuaizhao", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "kiosk.cli"]


def cli_env(data: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("KUAIZHAO_")
    }
    env["KUAIZHAO_DATA"] = str(data)
    # The service's clock starts at a market morning: demo jobs are "today" at any hour.
    env["KUAIZHAO_FAKE_NOW"] = "2026-11-27T09:00:00+08:00"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [*kuaizhao(), *args],
        env=env,
        cwd=env["KUAIZHAO_DATA"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"kuaizhao {' '.join(args)}: {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def server_pid(data: Path) -> int | None:
    pidfile = data / "redis" / "server.pid"
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


class Proc:
    """A long-running CLI process whose merged output is collected by a thread."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.args = args
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            [*kuaizhao(), *args],
            env=env,
            cwd=env["KUAIZHAO_DATA"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def fail(self, why: str) -> NoReturn:
        pytest.fail(f"kuaizhao {' '.join(self.args)}: {why}\n--- output ---\n{self.output}")

    def terminate(self) -> int:
        """SIGTERM; the exit code, which must come within STOP_TIMEOUT."""
        self.popen.send_signal(signal.SIGTERM)
        return self.wait_exit()

    def wait_exit(self) -> int:
        try:
            code = self.popen.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail(f"still running {STOP_TIMEOUT} s after SIGTERM")
        self._reader.join(5)
        return code

    def cleanup(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        self._reader.join(5)


class Serve(Proc):
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = free_port()
        super().__init__(env, "serve", "--port", str(self.port), *args)
        self.base = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.base, timeout=10)

    def wait_healthy(self) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                self.fail(f"exited with {self.popen.returncode} before it was healthy")
            try:
                r = self.http.get("/-/health")
            except httpx.TransportError:
                r = None
            # The banner comes once the port is bound, so it may trail the first 200.
            if r is not None and r.status_code == 200 and "kuaizhao is running" in self.output:
                body: dict[str, Any] = r.json()
                return body
            time.sleep(0.05)
        self.fail(f"/-/health not 200 within {START_TIMEOUT} s")

    def cleanup(self) -> None:
        self.http.close()
        super().cleanup()
