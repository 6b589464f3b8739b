"""Finding where to trim a stream by the market's clock, not the server's.

Stream entry ids carry the *server's* time when the entry was added; every entry kuaizhao
writes also carries ``at``, the service clock's milliseconds (the clock that decides the
market's day). Retention is counted in market days, so the trim point is found by ``at``:
the first entry stamped at or after the cutoff. That holds when the two clocks disagree
(a server whose clock is off, a restore onto another server) and when days are
simulated faster than they pass (``kuaizhao bench soak``). Entries are appended in
order, so the scan stops at the first one that is new enough: once a day it reads about
a day's worth of entries, in pages.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

PAGE = 1000


def parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def first_at_or_after(
    redis: Redis, stream: str, at_ms: int, *, server_offset_ms: int
) -> str | None:
    """The id of the first entry stamped at or after ``at_ms``; None when all are older
    (or the stream is empty). An entry without ``at`` (written by other code, or planted)
    is dated by its id moved to the service clock: id ms + ``server_offset_ms`` (the
    service clock's now minus the server's)."""
    start = "-"
    while True:
        rows: list[Any] = list(await redis.xrange(stream, min=start, count=PAGE) or [])
        for entry_id, fields in rows:
            stamped = _stamp(str(entry_id), fields or {}, server_offset_ms)
            if stamped >= at_ms:
                return str(entry_id)
        if len(rows) < PAGE:
            return None
        start = f"({rows[-1][0]}"


def _stamp(entry_id: str, fields: dict[str, Any], server_offset_ms: int) -> int:
    raw = fields.get("at")
    if raw:
        try:
            return int(float(raw))
        except ValueError:
            pass
    return parse_id(entry_id)[0] + server_offset_ms


async def trim_before(redis: Redis, stream: str, keep_from: str | None) -> int:
    """Delete the entries before ``keep_from`` (all of them when it is None)."""
    if keep_from is None:
        return int(await redis.xtrim(stream, maxlen=0, approximate=False))
    return int(await redis.xtrim(stream, minid=keep_from, approximate=False))
