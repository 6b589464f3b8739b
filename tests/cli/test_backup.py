"""``kuaizhao backup`` and ``kuaizhao restore``: a market's morning is posted through the
API into one server, backed up by the real command, and restored by the real command into
a fresh server of each kind (a REDIS_URL server, and the embedded server of a new
KUAIZHAO_DATA); every job, check-in, ticket, token, queue group and daily figure is there.

Servers run in short directories under /tmp (unix socket names) and are stopped at the
end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import API_TOKEN, Client
from redis.asyncio import Redis
from support.builders import checkin_body, job_body
from support.processes import kuaizhao

from kiosk.app import create_app
from kiosk.auth.tokens import create_token, lookup
from kiosk.cli.backup import BackupError, backup, restore, restore_command
from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.settings import Settings
from matcher.store.embedded import EmbeddedServer
from matcher.store.facade import Store
from matcher.store.keys import QUEUE_GROUP

pytestmark = pytest.mark.slow

SECRET = "backup-test-secret"


@pytest.fixture
def dirs() -> Iterator[Callable[[str], Path]]:
    made: list[Path] = []

    def make(prefix: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def servers(dirs: Callable[[str], Path]) -> Iterator[Callable[[], EmbeddedServer]]:
    started: list[EmbeddedServer] = []

    def start() -> EmbeddedServer:
        server = EmbeddedServer(dirs("kzs"))
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def source(
    servers: Callable[[], EmbeddedServer], clock: FixedClock, tmp_path: Path
) -> AsyncIterator[Client]:
    server = servers()
    settings = Settings(redis_url=server.url, data_dir=tmp_path, secret=SECRET, api_token=API_TOKEN)
    app = create_app(settings, clock=clock, run_matcher=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with Client(transport=transport, base_url="http://kz.test") as c:
            c.state = app.state.kz
            yield c


async def market_morning(client: Client) -> dict[str, Any]:
    """Check-ins and jobs in three markets, offers, a booking and a hire; what they made."""
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    workers: dict[str, list[str]] = {}
    jobs: dict[str, list[str]] = {}
    for market, n in (("kaili", 1), ("kaili", 2), ("kaili", 3), ("liping", 4)):
        body = checkin_body(n, township="522631001" if market == "liping" else "522601001")
        r = await client.post(f"/api/v1/markets/{market}/checkins", json=body, headers=auth)
        assert r.status_code == 201, r.text
        workers.setdefault(market, []).append(r.json()["worker_id"])
    for market, township in (("kaili", "522601001"), ("kaili", "522601001"), ("jianhe", None)):
        body = job_body() if township else job_body(township="522629001")
        r = await client.post(f"/api/v1/markets/{market}/jobs", json=body, headers=auth)
        assert r.status_code == 201, r.text
        jobs.setdefault(market, []).append(r.json()["id"])
    store: Store = client.state.store
    matcher = Matcher(store, list(MARKETS), name="backup-test")
    await matcher.ensure_groups()
    for m in MARKETS:
        while await matcher.consume_once(m):
            pass
    offers = await store.offers_for_worker("kaili", workers["kaili"][0])
    assert offers, "the matcher made no offer"
    r = await client.post(f"/api/v1/markets/kaili/offers/{offers[0]['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text
    ticket = r.json()["ticket"]["ref"]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{offers[0]['job_id']}/outcomes",
        json={"worker_id": workers["kaili"][0], "outcome": "hired"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    token = await create_token(store.redis, market="kaili", role="kiosk", created_at="now")
    return {"workers": workers, "jobs": jobs, "ticket": ticket, "token": token}


async def snapshot_of(store: Store, made: dict[str, Any]) -> dict[str, Any]:
    """Everything the test promises survives, as the service reads it."""
    day = store.today()
    queue = {}
    for m in MARKETS:
        groups = await store.redis.xinfo_groups(store.keys(m).queue)
        queue[m] = [(g["name"], g["last-delivered-id"], g["pending"]) for g in groups]
    return {
        "jobs": {m: [await store.get_job(m, j) for j in ids] for m, ids in made["jobs"].items()},
        "checkins": {
            m: [await store.get_checkin(m, w) for w in ids] for m, ids in made["workers"].items()
        },
        "stats": {m: await store.stats(m, day) for m in MARKETS},
        "ticket": await store.get_ticket("kaili", made["ticket"]),
        "token": await lookup(store.redis, made["token"], None),
        "queue": queue,
    }


def read_archive(archive: Path) -> tuple[int, set[str], dict[str, Any]]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return archive.stat().st_mode & 0o777, set(tar.getnames()), json.loads(member.read())


async def all_keys(redis: Redis) -> dict[bytes, bytes | None]:
    return {k: await redis.dump(k) async for k in redis.scan_iter(count=1000)}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*kuaizhao(), *args], env=env, capture_output=True, text=True, timeout=60)


def cli_env(data: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("KUAIZHAO_")
    }
    env.update(KUAIZHAO_DATA=str(data), KUAIZHAO_FAKE_NOW="2026-11-27T09:00:00+08:00", **extra)
    return env


async def test_backup_then_restore_into_fresh_servers(
    source: Client,
    servers: Callable[[], EmbeddedServer],
    dirs: Callable[[str], Path],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    made = await market_morning(source)
    store: Store = source.state.store
    before = await snapshot_of(store, made)
    assert before["stats"]["kaili"]["hired"] == 1
    assert all(j is not None for js in before["jobs"].values() for j in js)
    assert all(c is not None for cs in before["checkins"].values() for c in cs)
    url = str(store.redis.connection_pool.connection_kwargs["path"])
    raw = Redis.from_url(f"unix://{url}")
    try:
        keys_before = await all_keys(raw)
    finally:
        await raw.aclose()

    # The real command, as the systemd timer runs it.
    backups = dirs("kzb")
    env = cli_env(dirs("kzd"), REDIS_URL=f"unix://{url}", KUAIZHAO_SECRET=SECRET)
    proc = run(env, "backup", "--to", str(backups), "--keep", "5")
    assert proc.returncode == 0, proc.stderr
    archive = Path(proc.stdout.strip())
    assert archive.parent == backups
    mode, names, manifest = read_archive(archive)
    assert mode == 0o600  # it holds people's data
    assert {"manifest.json", "dump.rdb", "secret"} <= names
    assert "appendonlydir/appendonly.aof.manifest" in names
    assert any(n.endswith(".base.rdb") for n in names)
    assert manifest["keys"] == len(keys_before) and manifest["db"] == 0

    # Writes after the backup are not in it.
    await store.redis.set("kz:after-backup", "1")

    # 1. Into a fresh system-style server (REDIS_URL).
    fresh = servers()
    proc = run(
        cli_env(dirs("kzd"), REDIS_URL=fresh.url, KUAIZHAO_SECRET=SECRET),
        "restore",
        "--from",
        str(archive),
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["keys"] == len(keys_before) and summary["secret"] == "same"
    restored = Redis.from_url(fresh.url, decode_responses=True)
    try:
        restored_store = Store(restored, store.settings, clock)
        assert await snapshot_of(restored_store, made) == before
        raw = Redis.from_url(fresh.url)
        try:
            assert await all_keys(raw) == keys_before
        finally:
            await raw.aclose()
    finally:
        await restored.aclose()

    # 2. Into the embedded server of a new data directory (the default install); the
    # command's function in this process, to spare a second start of the CLI.
    data = dirs("kzd")
    for name in [n for n in os.environ if n.startswith("KUAIZHAO_") or n == "REDIS_URL"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KUAIZHAO_DATA", str(data))
    args = argparse.Namespace(source=str(archive), replace=False)
    assert await asyncio.to_thread(restore_command, args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["keys"] == len(keys_before)
    assert summary["secret"] == f"written to {data}/secret"
    assert (data / "secret").read_text() == SECRET
    embedded = EmbeddedServer(data / "redis")
    embedded.start()
    try:
        r = Redis.from_url(embedded.url, decode_responses=True)
        try:
            assert await snapshot_of(Store(r, store.settings, clock), made) == before
        finally:
            await r.aclose()
    finally:
        embedded.stop()


async def test_restore_refuses_a_store_in_use_unless_replace(
    source: Client, servers: Callable[[], EmbeddedServer], dirs: Callable[[str], Path]
) -> None:
    made = await market_morning(source)
    store: Store = source.state.store
    settings = store.settings
    archive = await backup(store.redis, settings, dirs("kzb"))
    second = await backup(store.redis, settings, archive.parent, keep=1)
    assert list(archive.parent.glob("kuaizhao-*")) == [second]

    target = Redis.from_url(servers().url, decode_responses=True)
    try:
        await target.set("kz:{kaili}:jobs", "in the way")
        with pytest.raises(BackupError, match="already holds 1 kuaizhao keys"):
            await restore(second, target, settings)
        summary = await restore(second, target, settings, replace=True)
        assert summary["replaced"] == 1
        assert await target.type("kz:{kaili}:jobs") == "hash"
        job = made["jobs"]["kaili"][0]
        assert await target.hexists("kz:{kaili}:jobs", job)
        assert summary["secret"] == "same"
        groups = await target.xinfo_groups("kz:{kaili}:q")
        assert [g["name"] for g in groups] == [QUEUE_GROUP]
    finally:
        await target.aclose()
