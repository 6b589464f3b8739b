"""What the hall board shows, read in bounded time whatever the day's volume (issue 14).

The board lists the first ``BOARD_JOBS`` open jobs by its rule (the soonest interview
first; among equals, the earliest posted: ``hall_pages.board_order``) and says how many
more there are ("还有 M 个"). It used to read and sort every open job on every poll,
which took it from 392 to 3 requests a second, with errors, at 11,500 open jobs. Now:

- the board's order is kept in memory, per market and day: every job posted that day
  (the day's index only grows) is placed once, by its interview time, read from where
  the last read stopped, at most ``INDEX_BATCH`` at a time, and only when the market
  has moved on since (every post writes an event);
- a refresh walks that order from the front, asks the store which jobs are still open
  (a chunk at a time, at most ``WALK`` of them), reads the first ``BOARD_JOBS`` that
  are, counts the open jobs with one ZCOUNT, and reads the calls from the day's last
  ``CALL_WINDOW`` bookings;
- a refresh is kept for up to a second per market, and only while the market's event
  stream has not moved (every change the board shows writes an event), so a post shows
  at once and a hall of boards polling together costs one refresh a second at most.
  Concurrent requests for a market wait for one refresh rather than each making one.

All of it is process-local: each web instance keeps its own, per running app.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from kiosk.http.state import get_state
from matcher.store.facade import Store
from matcher.store.records import job_public

# The jobs the board lists (board.js shows them a page at a time): the rest are counted.
BOARD_JOBS = 30
# Jobs of the day placed in the board's order per refresh: a burst of posts (or a
# restart late in a busy day) is taken in over a few refreshes, the earliest first.
INDEX_BATCH = 2000
# Entries of the order checked for being open per refresh, from the front: jobs filled,
# cancelled or expired stay in the day's order (a filled job reopens when a booking
# falls through), so this bounds the walk past them.
WALK = 5000
# The day's last bookings read for the calls to the desks (the board shows 8 at most).
CALL_WINDOW = 64
# How long a refresh is served while nothing changed, in seconds.
TTL_S = 1.0
# How far back the day's posts are read again when the market has moved on (see
# _take_in_posts): far longer than a post takes from its time to its write.
SLACK_MS = 2_000


@dataclass(frozen=True, slots=True)
class BoardData:
    """One market's board as of one refresh, before it is put into words."""

    jobs: tuple[dict[str, Any], ...]  # public job records, in the board's order
    open_total: int  # open jobs today, all of them
    tickets: tuple[dict[str, Any], ...]  # the day's last bookings, newest first
    stats: dict[str, Any]

    @property
    def more(self) -> int:
        """Open jobs beyond those listed."""
        return max(0, self.open_total - len(self.jobs))


@dataclass(slots=True)
class _DayOrder:
    """A market's jobs of one day in the board's order: (interview time, post time, id)."""

    day: str
    order: list[tuple[str, int, str]] = field(default_factory=list)
    placed: set[str] = field(default_factory=set)
    posted_ms: list[int] = field(default_factory=list)  # of the placed, sorted
    newest_ms: int = 0
    # The market's newest event when the day's posts were last read: every post writes
    # one, so while it stands there is nothing new to read.
    read_at_head: str | None = None


@dataclass(slots=True)
class _Cached:
    day: str
    head: str  # the market's newest event when the refresh began
    started: float  # monotonic seconds
    number: int  # the market's refreshes begun, this one included
    data: BoardData


class BoardCache:
    """The boards' data of every market, for one process."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        # Seconds that only move forward (tests set their own).
        self.monotonic = monotonic
        self._orders: dict[str, _DayOrder] = {}
        self._cached: dict[str, _Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._begun: dict[str, int] = {}

    async def get(self, store: Store, market: str) -> BoardData:
        asked = self.monotonic()
        begun = self._begun.get(market, 0)
        day = store.today()
        head = await store.events_head(market)
        hit = self._fresh(market, day, head, asked, begun)
        if hit is not None:
            return hit
        lock = self._locks.setdefault(market, asyncio.Lock())
        async with lock:
            # A refresh begun after this request arrived serves it too: under a stream
            # of writes, requests share refreshes instead of queueing one each.
            hit = self._fresh(market, day, head, asked, begun)
            if hit is not None:
                return hit
            number = self._begun[market] = self._begun.get(market, 0) + 1
            started = self.monotonic()
            head = await store.events_head(market)
            data = await self._refresh(store, market, day, head)
            self._cached[market] = _Cached(day, head, started, number, data)
            return data

    def _fresh(
        self, market: str, day: str, head: str, asked: float, begun: int
    ) -> BoardData | None:
        c = self._cached.get(market)
        if c is None or c.day != day:
            return None
        if c.number > begun or (c.head == head and asked - c.started < TTL_S):
            return c.data
        return None

    async def _refresh(self, store: Store, market: str, day: str, head: str) -> BoardData:
        order = self._orders.get(market)
        if order is None or order.day != day:
            order = self._orders[market] = _DayOrder(day)
        if order.read_at_head != head and await _take_in_posts(store, market, order):
            order.read_at_head = head
        jobs = await _first_open(store, market, order, BOARD_JOBS)
        return BoardData(
            jobs=tuple(jobs),
            open_total=await store.open_job_count(market),
            tickets=tuple(await store.recent_tickets(market, day, CALL_WINDOW)),
            stats=await store.stats(market, day),
        )


async def _take_in_posts(store: Store, market: str, order: _DayOrder) -> bool:
    """Place the day's posts not yet in the order, at most ``INDEX_BATCH`` of them;
    whether that was all of them. A post's time is taken before its write reaches the
    store, so the last ``SLACK_MS`` are read again each time (and what is placed already
    skipped): a post that lands just after a read went past its time is placed by the
    next one."""
    since = max(0, order.newest_ms - SLACK_MS)
    again = len(order.posted_ms) - bisect_left(order.posted_ms, since)
    limit = INDEX_BATCH + again
    posted = await store.jobs_posted_since(market, order.day, since, limit)
    new = [(jid, ms) for jid, ms in posted if jid not in order.placed]
    if new:
        records = await store.job_records(market, [jid for jid, _ in new])
        for (jid, ms), job in zip(new, records, strict=True):
            order.placed.add(jid)
            order.posted_ms.append(ms)
            order.newest_ms = max(order.newest_ms, ms)
            if job is not None:
                # The board's order (hall_pages.board_order): the interview, then the post.
                order.order.append((str(job.get("interview_at", "")), ms, jid))
        # Sorted lists with a batch added at the end: sorting them again is near linear.
        order.posted_ms.sort()
        order.order.sort()
    return len(posted) < limit


async def _first_open(
    store: Store, market: str, order: _DayOrder, wanted: int
) -> list[dict[str, Any]]:
    """The first ``wanted`` open jobs in the order: walk it a chunk at a time, asking
    which are open, then read those."""
    found: list[str] = []
    chunk = max(4 * wanted, 64)
    at = 0
    while len(found) < wanted and at < min(len(order.order), WALK):
        ids = [jid for _, _, jid in order.order[at : min(at + chunk, WALK)]]
        at += len(ids)
        found += [
            jid
            for jid, is_open in zip(ids, await store.open_among(market, ids), strict=True)
            if is_open
        ]
        chunk *= 2
    found = found[:wanted]
    records = await store.job_records(market, found)
    # Read after the check: one closed in between is left out, never shown as open.
    return [
        job_public(job)
        for job in records
        if job is not None and job.get("status") == "open" and job.get("day") == order.day
    ]


# One cache per store, that is per running app (tests run several in one process).
_CACHES: weakref.WeakKeyDictionary[Store, BoardCache] = weakref.WeakKeyDictionary()


def board_cache(store: Store) -> BoardCache:
    """The process's board cache for this store, made on first use."""
    cache = _CACHES.get(store)
    if cache is None:
        cache = _CACHES[store] = BoardCache()
    return cache


async def board_data(request: Request, market: str) -> BoardData:
    store = get_state(request).store
    return await board_cache(store).get(store, market)
