"""Trimming streams by the service clock's stamps (matcher/store/stream_trim.py)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from matcher.store import stream_trim
from matcher.store.stream_trim import first_at_or_after, parse_id, trim_before

DAY = 86_400_000
KEY = "kz:{kaili}:events"


async def _stamped(redis: Redis, ats: list[int | None]) -> list[str]:
    ids = []
    for n, at in enumerate(ats):
        fields: dict[str, str | int] = {"n": n} if at is None else {"n": n, "at": at}
        ids.append(str(await redis.xadd(KEY, fields)))  # type: ignore[arg-type]
    return ids


async def test_the_cut_follows_the_stamps_not_the_ids(
    redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A compressed week: the ids are milliseconds apart, the stamps days apart."""
    monkeypatch.setattr(stream_trim, "PAGE", 3)  # the scan crosses pages
    ats = [d * DAY + m for d in range(7) for m in (0, 1)]
    ids = await _stamped(redis, ats)
    keep = await first_at_or_after(redis, KEY, 4 * DAY, server_offset_ms=0)
    assert keep == ids[8]
    assert await trim_before(redis, KEY, keep) == 8
    assert [str(i) for i, _ in await redis.xrange(KEY)] == ids[8:]
    # Everything older than the cutoff: the stream is emptied.
    assert await first_at_or_after(redis, KEY, 10 * DAY, server_offset_ms=0) is None
    assert await trim_before(redis, KEY, None) == 6
    assert await redis.xlen(KEY) == 0


async def test_entries_without_a_stamp_are_dated_by_their_id(redis: Redis) -> None:
    [unstamped] = await _stamped(redis, [None])
    id_ms = parse_id(unstamped)[0]
    # The service clock runs a day ahead of the server's: the entry is a day "later".
    found = await first_at_or_after(redis, KEY, id_ms + DAY, server_offset_ms=DAY)
    assert found == unstamped
    assert await first_at_or_after(redis, KEY, id_ms + DAY + 1, server_offset_ms=DAY) is None


async def test_an_empty_or_missing_stream_has_nothing_to_keep(redis: Redis) -> None:
    assert await first_at_or_after(redis, KEY, 0, server_offset_ms=0) is None
    assert await trim_before(redis, KEY, None) == 0
