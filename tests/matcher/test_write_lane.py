"""The connections acknowledged writes use on one server (``matcher.store.write_lane``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import make_settings
from support.builders import job_body

from kiosk.web.validation import Context, parse_job
from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.store.client import close_client, open_client
from matcher.store.facade import Store
from matcher.store.write_lane import WriteLane
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy


async def _store(valkey_url: str, tmp_path: Path, clock: FixedClock, pool: int) -> Store:
    redis = open_client(valkey_url, pool_size=pool)
    await redis.flushdb()
    store = Store(redis, make_settings(valkey_url, tmp_path), clock)
    await store.probe()
    assert store.scripts.waitaof, "the embedded Valkey acknowledges after WAITAOF"
    return store


async def _post(store: Store, clock: FixedClock, n: int) -> str:
    body = job_body(title=f"招小工 {n}")
    ctx = Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())
    spec = parse_job(body, ctx)
    result = await store.post_job("kaili", spec, request_id=f"r{n}", fingerprint=body)
    return str(result.value["id"])


async def test_a_burst_of_writes_waits_for_a_quarter_of_the_pool(
    valkey_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    store = await _store(valkey_url, tmp_path, clock, pool=8)
    try:
        ids = await asyncio.gather(*(_post(store, clock, n) for n in range(40)))
        assert len(set(ids)) == 40
        pool = store.redis.connection_pool
        # The lane borrowed 2 of the 8 connections and kept them; reads have the rest.
        assert len(pool._in_use_connections) == 2  # type: ignore[attr-defined]
        assert len(await store.list_jobs("kaili")) == 40
    finally:
        await store.redis.flushdb()
        await close_client(store.redis)


async def test_a_dropped_connection_connects_again_and_closing_the_pool_closes_the_lane(
    valkey_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    store = await _store(valkey_url, tmp_path, clock, pool=4)
    lane = store.scripts._lane
    assert isinstance(lane, WriteLane)
    try:
        await _post(store, clock, 1)
        [conn] = lane._free
        # The server drops the lane's connection (a restart, an idle timeout)...
        ids = [c["id"] for c in await store.redis.client_list()]
        for cid in ids:
            if int(cid) != int(await store.redis.client_id()):
                await store.redis.client_kill_filter(_id=cid)
        # ...and the next write connects again instead of failing.
        await _post(store, clock, 2)
        assert len(await store.list_jobs("kaili")) == 2
        assert conn.is_connected
    finally:
        await store.redis.flushdb()
        await close_client(store.redis)
    assert not conn.is_connected
