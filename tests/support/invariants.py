"""The market's promises, checked against what the Redis server holds.

Every fault test ends with ``check_invariants``: whatever crashed or restarted, the
stored state must still say

- never more bookings than headcount on a job, and ``remaining`` = headcount − active
  bookings (active: a ticket ``booked`` or ``hired``);
- at most one active booking per worker per day;
- a job's ``pending`` equals its pending offers, and ``offers:pending`` holds exactly the
  pending offers; at most one offer per job and worker (effects applied once);
- the daily counters agree with the records (``offers``, ``bookings``, ``jobs_posted``):
  a script applied twice would show here (offers only for days retention has not
  trimmed yet);
- every queue entry (``kz:{m}:q``) is acknowledged, pending in the group, dead-lettered,
  or not yet delivered; every job the queue must carry is in its history; with
  ``settled=True`` nothing is pending or undelivered any more.

It reads everything with plain commands (no product code), so a bug in the store
cannot hide itself from the check.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from matcher.store.keys import QUEUE_GROUP, MarketKeys

ACTIVE = frozenset({"booked", "hired"})
# Jobs that were never put on the queue: held for review, or rejected there.
NOT_QUEUED = frozenset({"review", "rejected"})
# A cancelled job keeps the ``remaining`` it had when cancelled; its bookings are gone.
NO_REMAINING = frozenset({"cancelled"})

Record = dict[str, Any]
Entry = tuple[str, dict[str, str]]


@dataclass
class MarketState:
    """What ``check_invariants`` read, for a test's own further assertions."""

    jobs: dict[str, Record]
    tickets: dict[str, Record]
    offers: dict[str, Record]
    queue: list[Entry]
    dead: list[Entry]
    # Entry id -> (consumer, times delivered) of the group's pending entries.
    pel: dict[str, tuple[str, int]]
    last_delivered: str
    acked: list[str] = field(default_factory=list)
    undelivered: list[str] = field(default_factory=list)

    def offers_of(self, job_id: str) -> list[Record]:
        return [o for o in self.offers.values() if o["job_id"] == job_id]

    def active_tickets(self) -> list[Record]:
        return [t for t in self.tickets.values() if t["status"] in ACTIVE]

    @property
    def dead_entries(self) -> set[str]:
        return {fields["entry"] for _id, fields in self.dead}


def stream_id(raw: str) -> tuple[int, int]:
    ms, _, seq = raw.partition("-")
    return int(ms), int(seq or 0)


def _records(raw: Mapping[Any, Any], what: str) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for key, value in ((str(k), str(v)) for k, v in raw.items()):
        try:
            record = json.loads(value)
        except ValueError:
            raise AssertionError(f"{what} {key}: not JSON: {value[:200]!r}") from None
        assert isinstance(record, dict), f"{what} {key}: {value[:200]!r}"
        out[key] = record
    return out


async def _pel(redis: Redis, queue: str) -> tuple[dict[str, tuple[str, int]], str]:
    try:
        groups = await redis.xinfo_groups(queue)
    except ResponseError:
        return {}, "0-0"  # no stream yet
    group = next((g for g in groups if str(g["name"]) == QUEUE_GROUP), None)
    if group is None:
        return {}, "0-0"
    pel: dict[str, tuple[str, int]] = {}
    start = "-"
    while True:
        rows = await redis.xpending_range(queue, QUEUE_GROUP, min=start, max="+", count=1000)
        for row in rows:
            pel[str(row["message_id"])] = (str(row["consumer"]), int(row["times_delivered"]))
        if len(rows) < 1000:
            break
        ms, seq = stream_id(str(rows[-1]["message_id"]))
        start = f"{ms}-{seq + 1}"
    return pel, str(group["last-delivered-id"])


async def entries(redis: Redis, key: str) -> list[Entry]:
    """A whole stream, as (entry id, fields) with str everywhere."""
    rows: list[Any] = list(await redis.xrange(key) or [])
    return [(str(i), {str(a): str(b) for a, b in (f or {}).items()}) for i, f in rows]


async def read_market(redis: Redis, market: str) -> MarketState:
    k = MarketKeys(market)
    jobs = _records(await redis.hgetall(k.jobs), "job")
    tickets = _records(await redis.hgetall(k.tickets), "ticket")
    offers = _records(await redis.hgetall(k.offers), "offer")
    queue = await entries(redis, k.queue)
    dead = await entries(redis, k.dead)
    pel, last = await _pel(redis, k.queue)
    state = MarketState(jobs, tickets, offers, queue, dead, pel, last)
    for entry_id, _fields in queue:
        if entry_id in pel:
            continue
        if stream_id(entry_id) <= stream_id(last):
            state.acked.append(entry_id)
        else:
            state.undelivered.append(entry_id)
    return state


async def check_invariants(redis: Redis, market: str, *, settled: bool = False) -> MarketState:
    """Assert every invariant of ``market``; return what was read.

    ``redis`` must decode responses (``decode_responses=True``). ``settled``: no matcher
    is working any more, so every queue entry must have been handled (acknowledged or
    dead-lettered).
    """
    k = MarketKeys(market)
    s = await read_market(redis, market)

    # -- bookings -----------------------------------------------------------------------
    active_by_job: Counter[str] = Counter()
    active_by_worker_day: Counter[tuple[str, str]] = Counter()
    for ref, t in s.tickets.items():
        assert t["ref"] == ref, f"ticket {ref} stored under another ref: {t}"
        assert t["job_id"] in s.jobs, f"ticket {ref} of unknown job {t['job_id']}"
        if t["status"] in ACTIVE:
            active_by_job[t["job_id"]] += 1
            active_by_worker_day[(t["worker_id"], t["day"])] += 1
            job = s.jobs[t["job_id"]]
            assert job["bookings"].get(t["worker_id"]) == ref, (
                f"active ticket {ref} not in job {job['id']}'s bookings {job['bookings']}"
            )
    twice = {wd: n for wd, n in active_by_worker_day.items() if n > 1}
    assert not twice, f"workers with more than one active booking on a day: {twice}"

    for job_id, job in s.jobs.items():
        assert job["id"] == job_id, f"job {job_id} stored under another id"
        active = active_by_job[job_id]
        assert active <= job["headcount"], (
            f"job {job_id}: {active} active bookings for headcount {job['headcount']}"
        )
        assert int(job.get("active", 0)) == active, (
            f"job {job_id}: active={job.get('active')} but {active} active tickets"
        )
        if job["status"] not in NO_REMAINING:
            assert job["remaining"] == job["headcount"] - active, (
                f"job {job_id} ({job['status']}): remaining={job['remaining']}, "
                f"headcount={job['headcount']}, active bookings={active}"
            )
        if job["status"] == "filled":
            assert job["remaining"] == 0, f"job {job_id} filled with {job['remaining']} left"

    # -- offers -------------------------------------------------------------------------
    pending_by_job: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for oid, o in s.offers.items():
        assert o["id"] == oid, f"offer {oid} stored under another id"
        pairs[(o["job_id"], o["worker_id"])] += 1
        if o["status"] == "pending":
            pending_by_job[o["job_id"]] += 1
        assert o["job_id"] in s.jobs, f"offer {oid} of unknown job {o['job_id']}"
        offered = s.jobs[o["job_id"]]["offered"]
        assert offered.get(o["worker_id"]) == oid, (
            f"offer {oid}: job {o['job_id']} records {offered.get(o['worker_id'])} "
            f"for worker {o['worker_id']}"
        )
    dup = {p: n for p, n in pairs.items() if n > 1}
    assert not dup, f"more than one offer for the same job and worker: {dup}"
    for job_id, job in s.jobs.items():
        assert int(job.get("pending", 0)) == pending_by_job[job_id], (
            f"job {job_id}: pending={job.get('pending')} but "
            f"{pending_by_job[job_id]} pending offers"
        )
    pending_ids = {oid for oid, o in s.offers.items() if o["status"] == "pending"}
    indexed = set(await redis.zrange(k.offers_pending, 0, -1))
    assert indexed == pending_ids, (
        f"offers:pending differs from the pending offers: only indexed "
        f"{sorted(indexed - pending_ids)}, not indexed {sorted(pending_ids - indexed)}"
    )

    # -- daily counters agree with the records --------------------------------------------
    # Retention deletes the offers of old days; their counters stay. Compare a day's
    # offers only while every offer its jobs made is still stored.
    trimmed = {
        j["day"] for j in s.jobs.values() if any(o not in s.offers for o in j["offered"].values())
    }
    per_day: dict[str, Counter[str]] = {}
    for o in s.offers.values():
        if o["day"] not in trimmed:
            per_day.setdefault(o["day"], Counter())["offers"] += 1
    for t in s.tickets.values():
        per_day.setdefault(t["day"], Counter())["bookings"] += 1
    for j in s.jobs.values():
        per_day.setdefault(j["day"], Counter())["jobs_posted"] += 1
    for day, counted in sorted(per_day.items()):
        stored = await redis.hmget(k.stats(day), list(counted))
        for (name, n), raw in zip(counted.items(), stored, strict=True):
            assert int(raw or 0) == n, f"stats {day} {name}={raw!r} but {n} records"

    # -- the queue ------------------------------------------------------------------------
    queue_ids = {entry_id for entry_id, _ in s.queue}
    dead_entries = s.dead_entries
    for entry_id in dead_entries:
        assert entry_id not in s.pel, f"entry {entry_id} dead-lettered and still pending"
    stale = set(s.pel) - queue_ids
    assert not stale, f"pending entries missing from the stream: {sorted(stale)}"
    info = await _stream_info(redis, k.queue)
    if info.get("max-deleted-entry-id", "0-0") in ("0-0", None):
        # Nothing was ever trimmed: every job that must be queued is in the history.
        queued = {f.get("id") for _, f in s.queue if f.get("kind") == "job"}
        queued |= {f.get("id") for _, f in s.dead if f.get("kind") == "job"}
        missing = [
            j for j, job in s.jobs.items() if job["status"] not in NOT_QUEUED and j not in queued
        ]
        assert not missing, f"jobs never put on the queue: {missing}"
    if settled:
        assert not s.pel, f"entries still pending: {s.pel}"
        assert not s.undelivered, f"entries never delivered: {s.undelivered}"
    return s


async def _stream_info(redis: Redis, key: str) -> dict[str, Any]:
    try:
        info: dict[str, Any] = await redis.xinfo_stream(key)
    except ResponseError:
        return {}
    return {str(name): value for name, value in info.items()}
