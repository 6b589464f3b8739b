"""``kuaizhao bench soak``: a market's weeks, time-compressed, and what stays in memory.

One busy market (the Kaili mix of ``matcher.sim.simulate``: 400 workers, 150 jobs a day by
default) is played day after day on a private embedded Valkey through the real store,
queue and matcher, with the injected clock: check-ins and posts arrive over the morning,
the matcher offers, workers accept, and at 06:00 the next day the matcher's own timer
runs the real day rollover (jobs closed, the day rolled up, streams trimmed by market
days, old offers deleted). After each rollover the report reads ``used_memory``, the
stream lengths and the pending list, and splits memory by kind of key.

The server's clock does not run compressed, so its key expiry would never fire in a
simulated fortnight: ``SimulatedExpiry`` plays it instead, deleting each key whose TTL
has run out in simulated time (a key's TTL counted from the rollover after it was last
set: at most a day late, so memory is if anything overstated). Everything else is the
product's own code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from kiosk.bench.private_store import private_store
from matcher.clock import FixedClock, to_ms
from matcher.matching.worker import Matcher
from matcher.sim.simulate import START, SimJob, checkin_spec, chosen_skills, generate, job_spec
from matcher.store.keys import QUEUE_GROUP, MarketKeys
from matcher.store.records import loads, strs
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

MARKET = "kaili"
STEP_MIN = 10  # the simulation advances ten minutes at a time
DAY_MS = 86_400_000


@dataclass
class _Seen:
    base_ms: int  # simulated time when the TTL was (last) seen set
    ttl_ms: int  # the TTL then
    expire_at: int  # the server's absolute expiry then (a later one: the key was set again)


class SimulatedExpiry:
    """The server's key expiry, in simulated time."""

    def __init__(self) -> None:
        self.seen: dict[str, _Seen] = {}

    async def advance(self, redis: Redis, sim_ms: int) -> int:
        keys = [str(k) async for k in redis.scan_iter(match="kz:*", count=1000)]
        async with redis.pipeline(transaction=False) as p:
            for key in keys:
                p.pttl(key)
                p.execute_command("PEXPIRETIME", key)
            replies = await p.execute()
        expired = []
        for n, key in enumerate(keys):
            ttl, expire_at = int(replies[2 * n]), int(replies[2 * n + 1])
            if ttl < 0:
                continue
            seen = self.seen.get(key)
            if seen is None or expire_at > seen.expire_at:
                seen = self.seen[key] = _Seen(sim_ms, ttl, expire_at)
            if sim_ms - seen.base_ms >= seen.ttl_ms:
                expired.append(key)
        for key in expired:
            await redis.delete(key)
            del self.seen[key]
        live = set(keys)
        self.seen = {k: v for k, v in self.seen.items() if k in live}
        return len(expired)


def _kind(key: str, ttl: int) -> str:
    if key.endswith((":events", ":q", ":q:dead")):
        return "streams"
    if ttl >= 0:
        return "expiring"  # per-day keys and idempotency records, TTL-bound
    return "kept"  # jobs, tickets, profiles, daily counters and roll-ups


async def measure(redis: Redis, day: int, sim_day: str, expired: int) -> dict[str, Any]:
    info: dict[str, Any] = await redis.info("memory")
    keys = [str(k) async for k in redis.scan_iter(match="kz:*", count=1000)]
    async with redis.pipeline(transaction=False) as p:
        for key in keys:
            p.pttl(key)
            p.memory_usage(key, samples=0)
        replies = await p.execute()
    by_kind = {"streams": 0, "expiring": 0, "kept": 0}
    for n, key in enumerate(keys):
        ttl, size = int(replies[2 * n]), int(replies[2 * n + 1] or 0)
        by_kind[_kind(key, ttl)] += size
    k = MarketKeys(MARKET)
    pending = await redis.xpending(k.queue, QUEUE_GROUP)
    return {
        "day": day,
        "date": sim_day,
        "used_memory": int(info["used_memory"]),
        "used_memory_dataset": int(info.get("used_memory_dataset", 0)),
        "keys": len(keys),
        "expired_by_simulation": expired,
        "bytes_by_kind": by_kind,
        "events_len": int(await redis.xlen(k.events)),
        "queue_len": int(await redis.xlen(k.queue)),
        "dead_len": int(await redis.xlen(k.dead)),
        "pending_entries": int(pending.get("pending", 0)),
        "offers": int(await redis.hlen(k.offers)),
        "jobs": int(await redis.hlen(k.jobs)),
        "tickets": int(await redis.hlen(k.tickets)),
    }


async def _play_day(
    d: int, store: Any, matcher: Any, clock: FixedClock, taxonomy: Any, gazetteer: Any, cfg: Any
) -> dict[str, int]:
    shift = timedelta(days=d)
    day = generate(d, taxonomy, gazetteer, workers=cfg.workers, jobs=cfg.jobs)
    arrivals: dict[int, list[tuple[str, int]]] = {}
    for i, w in enumerate(day.workers):
        arrivals.setdefault(w.arrive // STEP_MIN, []).append(("w", i))
    for j, job in enumerate(day.jobs):
        arrivals.setdefault(job.post // STEP_MIN, []).append(("j", j))
    booked = 0
    last_step = max(arrivals) + 6  # an hour after the last arrival for the answers
    for step in range(last_step + 1):
        clock.set(START + shift + timedelta(minutes=step * STEP_MIN))
        for kind, n in arrivals.get(step, []):
            if kind == "w":
                w = replace(day.workers[n], until=day.workers[n].until + shift)
                spec = checkin_spec(w, chosen_skills(taxonomy, w.text, w.true_skills))
                await store.check_in(MARKET, spec, request_id=f"d{d}w{n}", fingerprint=n)
            else:
                job = day.jobs[n]
                moved = SimJob(
                    job.true_skill, job.text, job.headcount, job.wage, job.unit, job.township,
                    job.post, job.start + shift, job.end + shift,
                )  # fmt: skip
                skills = chosen_skills(taxonomy, job.text, [job.true_skill])
                await store.post_job(
                    MARKET, job_spec(n, moved, skills), request_id=f"d{d}j{n}", fingerprint=n
                )
        while await matcher.consume_once(MARKET, count=200):
            pass
        await matcher.tick()
        booked += await _answer(store)
        while await matcher.consume_once(MARKET, count=200):
            pass
    return {"workers": len(day.workers), "jobs": len(day.jobs), "bookings": booked}


async def _answer(store: Any) -> int:
    """Every worker with a pending offer takes it (one at a time per worker)."""

    k = store.keys(MARKET)
    ids = strs(await store.redis.zrange(k.offers_pending, 0, -1))
    booked = 0
    for raw in await store.redis.hmget(k.offers, ids) if ids else []:
        offer = loads(raw)
        if offer is None or offer["status"] != "pending":
            continue
        try:
            await store.accept_offer(MARKET, offer["id"], worker_id=offer["worker_id"])
            booked += 1
        except ScriptError:
            pass  # the job filled, or the worker took another: as in the hall
    return booked


@dataclass
class SoakConfig:
    days: int = 14
    retention_days: int = 3
    workers: int = 400
    jobs: int = 150


async def run_soak(cfg: SoakConfig) -> dict[str, Any]:
    taxonomy, gazetteer = default_taxonomy(), default_gazetteer()
    clock = FixedClock(START)
    expiry = SimulatedExpiry()
    days: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    # Memory is measured here, not latency: no WAITAOF round trip per write.
    async with private_store(
        clock, retention_days=cfg.retention_days, durable_writes=False
    ) as store:
        matcher = Matcher(store, [MARKET], name="soak")
        await matcher.ensure_groups()
        for d in range(cfg.days):
            played = await _play_day(d, store, matcher, clock, taxonomy, gazetteer, cfg)
            # 06:00 the next morning: the matcher's timer runs the real rollover.
            clock.set(START + timedelta(days=d + 1) - timedelta(minutes=30))
            await matcher.tick()
            expired = await expiry.advance(store.redis, to_ms(clock.now()))
            row = await measure(store.redis, d + 1, store.today(), expired)
            days.append({**row, **played})
    return {
        "bench": "soak",
        "market": MARKET,
        "config": cfg.__dict__,
        "seconds": round(time.perf_counter() - t0, 1),
        "store": "embedded valkey (AOF appendfsync always), real store, queue, matcher, "
        "rollover, roll-up and trim; key expiry played in simulated time",
        "days": days,
        "summary": _summary(days, cfg),
    }


def _summary(days: list[dict[str, Any]], cfg: SoakConfig) -> dict[str, Any]:
    """Growth over the last week, once the longest lifetime (8 days) has been reached."""
    week = days[-7:] if len(days) >= 7 else days
    first, last = week[0], week[-1]
    span = max(1, int(last["day"]) - int(first["day"]))

    def per_day(get: Callable[[dict[str, Any]], int]) -> int:
        return round((get(last) - get(first)) / span)

    return {
        "days_compared": [first["day"], last["day"]],
        "used_memory_first": first["used_memory"],
        "used_memory_last": last["used_memory"],
        "used_memory_growth_per_day": per_day(lambda r: r["used_memory"]),
        "bounded_bytes_growth_per_day": per_day(
            lambda r: r["bytes_by_kind"]["streams"] + r["bytes_by_kind"]["expiring"]
        ),
        "kept_records_bytes_per_day": per_day(lambda r: r["bytes_by_kind"]["kept"]),
        "events_len_max": max(r["events_len"] for r in week),
        "queue_len_max": max(r["queue_len"] for r in week),
        "pending_entries_max": max(r["pending_entries"] for r in days),
        "offers_max": max(r["offers"] for r in week),
        "note": "jobs, tickets, profiles, daily counters and roll-ups are kept by design "
        "(reports); everything else is bounded by retention (streams, offers: "
        f"{cfg.retention_days} days) or by its TTL (per-day keys: 8 days)",
    }
