"""``kuaizhao backup`` and ``kuaizhao restore``.

Backup: ask the server for a fresh AOF (BGREWRITEAOF) and a fresh RDB snapshot (BGSAVE),
wait for both, and pack them — the AOF directory (``appendonlydir/``: manifest, base and
increment files) and ``dump.rdb`` — with a ``manifest.json`` and the hash key of phone
numbers (``secret``) into one ``kuaizhao-<time>.tar.gz`` (mode 600: it holds people's
data). It reads the files from the server's ``dir``, so it runs on the server's machine:
the embedded server of ``KUAIZHAO_DATA`` or the system server of ``REDIS_URL``.

Restore: unpack an archive, start a private embedded server on its files (the AOF when
there is one, else the snapshot), and copy every key of the backed-up database into the
target — ``REDIS_URL``, or the embedded server of ``KUAIZHAO_DATA`` — with DUMP and
RESTORE, absolute expiry times kept and streams with their consumer groups. A target that
already holds kuaizhao keys is refused unless ``--replace`` (which deletes them first).
This works with the service running or stopped, on this machine or another, and into
a server of the same or a newer version.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import socket
import sys
import tarfile
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from kiosk.cli.connect import open_redis
from matcher.settings import Settings
from matcher.store.embedded import EmbeddedServer

FORMAT = 1
PREFIX = "kuaizhao-"
SUFFIX = ".tar.gz"
AOF_DIR = "appendonlydir"
RDB = "dump.rdb"
BATCH = 200


class BackupError(RuntimeError):
    pass


# -- backup -------------------------------------------------------------------------------


async def _persistence(redis: Redis) -> dict[str, Any]:
    info: dict[str, Any] = await redis.info("persistence")
    return info


async def _wait(redis: Redis, done: Any, what: str, within_s: float) -> dict[str, Any]:
    try:
        async with asyncio.timeout(within_s):
            while True:
                info = await _persistence(redis)
                if done(info):
                    return info
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise BackupError(f"{what} did not finish within {within_s:.0f} s") from None


async def rewrite_aof(redis: Redis, within_s: float = 600) -> None:
    """A fresh AOF: its base file then holds the whole dataset, the increment is short."""
    before = int((await _persistence(redis))["aof_rewrites"])
    await redis.bgrewriteaof()  # started, or scheduled after a running BGSAVE
    info = await _wait(
        redis,
        lambda i: (
            int(i["aof_rewrites"]) > before
            and not int(i["aof_rewrite_in_progress"])
            and not int(i["aof_rewrite_scheduled"])
        ),
        "BGREWRITEAOF",
        within_s,
    )
    if info.get("aof_last_bgrewrite_status") != "ok":
        raise BackupError(f"BGREWRITEAOF failed: {info.get('aof_last_bgrewrite_status')}")


async def snapshot(redis: Redis, within_s: float = 600) -> None:
    """A fresh RDB snapshot, taken after the call (not one already running)."""
    await _wait(redis, lambda i: not int(i["rdb_bgsave_in_progress"]), "a BGSAVE", within_s)
    before = int((await _persistence(redis))["rdb_saves"])
    try:
        await redis.bgsave()
    except ResponseError as exc:  # an AOF rewrite started meanwhile: queue behind it
        if "in progress" not in str(exc):
            raise
        await redis.bgsave(schedule=True)
    info = await _wait(
        redis,
        lambda i: int(i["rdb_saves"]) > before and not int(i["rdb_bgsave_in_progress"]),
        "BGSAVE",
        within_s,
    )
    if info.get("rdb_last_bgsave_status") != "ok":
        raise BackupError(f"BGSAVE failed: {info.get('rdb_last_bgsave_status')}")


def _aof_files(aof_dir: Path) -> list[Path]:
    """The manifest first, then the files it names (a rewrite may replace them)."""
    manifests = sorted(aof_dir.glob("*.manifest"))
    if len(manifests) != 1:
        raise BackupError(f"expected one AOF manifest in {aof_dir}, found {len(manifests)}")
    files = [manifests[0]]
    for line in manifests[0].read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "file":
            files.append(aof_dir / parts[1])
    return files


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(mtime)
    tar.addfile(info, io.BytesIO(data))


async def backup(redis: Redis, settings: Settings, to: Path, *, keep: int = 0) -> Path:
    """Write one archive into ``to`` and return its path."""
    started = time.time()
    config = await redis.config_get("*")
    server_dir = Path(str(config["dir"]))
    if not await asyncio.to_thread(server_dir.is_dir):
        raise BackupError(
            f"the server keeps its files in {server_dir}, which is not on this machine: "
            "run `kuaizhao backup` where the Redis/Valkey server runs"
        )
    if config.get("appendonly") != "yes":
        raise BackupError("the server runs without AOF (appendonly no); see deploy/redis.conf")
    await rewrite_aof(redis)
    await snapshot(redis)
    server = await redis.info("server")
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "server": {
            "name": server.get("server_name", "redis"),
            "version": server.get("valkey_version") or server.get("redis_version"),
            "dir": str(server_dir),
        },
        "db": int(redis.connection_pool.connection_kwargs.get("db") or 0),
        "keys": int(await redis.dbsize()),
        "appendfilename": config.get("appendfilename", "appendonly.aof"),
    }
    return await asyncio.to_thread(
        write_archive,
        to,
        manifest,
        aof_dir=server_dir / str(config.get("appenddirname") or AOF_DIR),
        rdb=server_dir / str(config.get("dbfilename") or RDB),
        secret=_current_secret(settings),
        started=started,
        keep=keep,
    )


def write_archive(
    to: Path,
    manifest: dict[str, Any],
    *,
    aof_dir: Path,
    rdb: Path,
    secret: str,
    started: float,
    keep: int,
) -> Path:
    if not rdb.is_file() or rdb.stat().st_mtime < started - 1:
        raise BackupError(f"{rdb} is not the snapshot just taken: is it this server's file?")
    to.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = to / f"{PREFIX}{stamp}{SUFFIX}"
    n = 1
    while final.exists():
        n += 1
        final = to / f"{PREFIX}{stamp}-{n}{SUFFIX}"
    for attempt in range(3):
        try:
            # Read each file once; the increment may grow meanwhile, and a half-written
            # last command is dropped when it is loaded (aof-load-truncated yes).
            blobs = [(f.name, f.read_bytes()) for f in _aof_files(aof_dir)]
            break
        except FileNotFoundError:  # an automatic rewrite swapped the files: again
            if attempt == 2:
                raise
    partial = to / f".{final.name}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                manifest_json = json.dumps(manifest, indent=2).encode()
                _add_bytes(tar, "manifest.json", manifest_json, started)
                for name, data in blobs:
                    _add_bytes(tar, f"{AOF_DIR}/{name}", data, started)
                _add_bytes(tar, RDB, rdb.read_bytes(), started)
                if secret:
                    _add_bytes(tar, "secret", secret.encode(), started)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
        dir_fd = os.open(to, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    if keep > 0:
        archives = sorted(to.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name))
        for old in archives[:-keep]:
            old.unlink()
    return final


def _current_secret(settings: Settings) -> str:
    """The service's hash key, without making one (the service makes it at first start)."""
    if settings.secret:
        return settings.secret
    path = settings.data_dir / "secret"
    return path.read_text().strip() if path.is_file() else ""


# -- restore ------------------------------------------------------------------------------


def read_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Unpack an archive (safely: no paths outside ``into``) and return its manifest."""
    with tarfile.open(archive, mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    manifest_path = into / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{archive} is not a kuaizhao backup (no manifest.json)")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    if manifest.get("appendfilename", "appendonly.aof") != "appendonly.aof":
        # The embedded server names its AOF appendonly.aof: use the snapshot instead.
        shutil.rmtree(into / AOF_DIR, ignore_errors=True)
    return manifest


@dataclass
class _PrivateServer(EmbeddedServer):
    """The embedded server on an unpacked archive. Without an AOF directory it must run
    with ``appendonly no``: with AOF on and no AOF file, a server starts empty instead of
    loading the snapshot."""

    use_aof: bool = True

    def config_lines(self) -> list[str]:
        lines = super().config_lines()
        return lines if self.use_aof else [*lines, "appendonly no"]


@contextlib.asynccontextmanager
async def opened_backup(archive: Path) -> AsyncIterator[tuple[Redis, dict[str, Any]]]:
    """A private server on an archive's files, with a binary-safe connection to its db."""
    # A short directory: the server's unix socket lives there (names ≤ ~100 bytes).
    work = Path(tempfile.mkdtemp(prefix="kzr", dir="/tmp"))
    server = _PrivateServer(work, fsync="no")
    try:
        manifest = read_archive(archive, work)
        server.use_aof = (work / AOF_DIR).is_dir()
        url = await asyncio.to_thread(server.start, 120.0)
        redis = Redis.from_url(url, db=int(manifest.get("db", 0)))
        try:
            yield redis, manifest
        finally:
            await redis.aclose()
    finally:
        await asyncio.to_thread(server.stop)
        shutil.rmtree(work, ignore_errors=True)


async def kuaizhao_keys(redis: Redis) -> list[bytes]:
    return [k async for k in redis.scan_iter(match="kz:*", count=1000)]


async def copy_keys(source: Redis, target: Redis) -> int:
    """Copy every key of the source db into the target with DUMP/RESTORE; returns how
    many were copied. Expiry times are absolute (PEXPIRETIME), so a key restored from an
    old backup expires when it would have."""
    batch: list[bytes] = []
    copied = 0

    async def flush() -> int:
        async with source.pipeline(transaction=False) as p:
            for key in batch:
                p.dump(key)
                p.execute_command("PEXPIRETIME", key)
            replies = await p.execute()
        async with target.pipeline(transaction=False) as p:
            n = 0
            for key, payload, expire_at in zip(batch, replies[::2], replies[1::2], strict=True):
                if payload is None or expire_at == -2:  # gone meanwhile
                    continue
                ttl = int(expire_at) if int(expire_at) > 0 else 0
                if ttl:
                    p.restore(key, ttl, payload, absttl=True)
                else:
                    p.restore(key, 0, payload)
                n += 1
            await p.execute()
        batch.clear()
        return n

    async for key in source.scan_iter(count=1000):
        batch.append(key)
        if len(batch) >= BATCH:
            copied += await flush()
    if batch:
        copied += await flush()
    return copied


async def restore(
    archive: Path, target: Redis, settings: Settings, *, replace: bool = False
) -> dict[str, Any]:
    existing = await kuaizhao_keys(target)
    if existing and not replace:
        raise BackupError(
            f"the target already holds {len(existing)} kuaizhao keys: restore into an empty "
            "server, or add --replace to delete them first"
        )
    async with opened_backup(archive) as (source, manifest):
        if existing:
            for i in range(0, len(existing), 1000):
                await target.delete(*existing[i : i + 1000])
        copied = await copy_keys(source, target)
        secret = _restore_secret(archive, settings)
    return {
        "archive": str(archive),
        "created_at": manifest.get("created_at"),
        "keys": copied,
        "replaced": len(existing),
        "secret": secret,
    }


def _restore_secret(archive: Path, settings: Settings) -> str:
    """Put the archive's hash key where the service reads it, never over another one."""
    with tarfile.open(archive, mode="r:gz") as tar:
        try:
            member = tar.extractfile("secret")
        except KeyError:
            return "not in the backup"
        saved = member.read().decode().strip() if member else ""
    if not saved:
        return "not in the backup"
    if settings.secret:
        return "same" if settings.secret == saved else "differs: set KUAIZHAO_SECRET to it"
    path = settings.data_dir / "secret"
    if path.exists():
        return "same" if path.read_text().strip() == saved else f"differs: {path} kept"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(saved)
    return f"written to {path}"


# -- commands -----------------------------------------------------------------------------


def backup_command(args: argparse.Namespace) -> int:

    settings = Settings.from_env()

    async def main() -> Path:
        async with open_redis(settings) as redis:
            return await backup(redis, settings, Path(args.to), keep=args.keep)

    try:
        print(asyncio.run(main()))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    return 0


def restore_command(args: argparse.Namespace) -> int:

    settings = Settings.from_env()
    archive = Path(args.source)
    if not archive.is_file():
        print(f"no such backup: {archive}", file=sys.stderr)
        return 2

    async def main() -> dict[str, Any]:
        async with open_redis(settings) as redis:
            return await restore(archive, redis, settings, replace=args.replace)

    try:
        summary = asyncio.run(main())
    except (BackupError, ResponseError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if summary["secret"].startswith("differs"):
        print(
            "warning: the backup's phone-number key differs from this installation's; "
            "returning workers will not be recognised until KUAIZHAO_SECRET is set to the "
            "`secret` file of the archive",
            file=sys.stderr,
        )
    return 0
