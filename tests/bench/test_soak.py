"""``kuaizhao bench soak`` in a tiny configuration, and its simulated key expiry."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from kiosk.bench.soak import SimulatedExpiry, SoakConfig, run_soak

DAY_MS = 86_400_000


async def test_simulated_expiry_deletes_what_the_server_would(redis: Redis) -> None:
    expiry = SimulatedExpiry()
    await redis.set("kz:{kaili}:idem:a", "1", ex=2 * 86_400)
    await redis.set("kz:{kaili}:idem:b", "1", ex=2 * 86_400)
    await redis.set("kz:{kaili}:jobs", "kept")  # no TTL: never touched
    assert await expiry.advance(redis, 0) == 0
    assert await expiry.advance(redis, DAY_MS) == 0
    # b is set again a day later: its two days start over. (A set is told from a look by
    # its expiry time moving later, so let the server's clock pass a few milliseconds,
    # as it does between rollovers.)
    await asyncio.sleep(0.01)
    await redis.set("kz:{kaili}:idem:b", "2", ex=2 * 86_400)
    assert await expiry.advance(redis, DAY_MS + 1) == 0
    assert await expiry.advance(redis, 2 * DAY_MS) == 1
    assert await redis.exists("kz:{kaili}:idem:a") == 0
    assert await redis.get("kz:{kaili}:idem:b") == "2"
    assert await expiry.advance(redis, 3 * DAY_MS + 1) == 1
    assert await redis.exists("kz:{kaili}:idem:b") == 0
    assert await redis.get("kz:{kaili}:jobs") == "kept"


@pytest.mark.slow
async def test_tiny_soak_plays_days_and_reports_memory() -> None:
    report = await run_soak(SoakConfig(days=3, retention_days=1, workers=30, jobs=12))
    days = report["days"]
    assert [d["day"] for d in days] == [1, 2, 3]
    assert all(d["workers"] == 30 and d["jobs"] == 12 for d in days)
    assert sum(d["bookings"] for d in days) > 0
    for d in days:
        assert d["used_memory"] > 0 and d["pending_entries"] == 0
        assert set(d["bytes_by_kind"]) == {"streams", "expiring", "kept"}
    # Idempotency records (2-day TTL) of day 1 are gone by the third rollover.
    assert days[-1]["expired_by_simulation"] > 0
    summary = report["summary"]
    assert summary["days_compared"] == [1, 3]
    assert summary["pending_entries_max"] == 0
