"""The matcher: consumers of each market's work queue.

Each market has a stream (``kz:{m}:q``) and one consumer group of matchers. An entry
says "match this job" or "match this worker"; handling it writes offers (idempotent on
job + worker) and only then acknowledges it. Entries left pending by a matcher that
died are claimed by another after ``claim_idle_ms``; an entry delivered
``max_deliveries`` times goes to the dead-letter stream for operators to see.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Iterable
from typing import Any

from redis.exceptions import ResponseError

from matcher.clock import day_key, to_ms
from matcher.engine import Scored, eligible, rank, score
from matcher.keys import MATCHERS, QUEUE_GROUP
from matcher.records import dumps, loads, new_id, strs
from matcher.scripts import ScriptError
from matcher.store import Store

log = logging.getLogger(__name__)

CANDIDATE_LIMIT = 2000


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{new_id('', 4)}"


class Matcher:
    def __init__(self, store: Store, markets: Iterable[str], *, name: str | None = None) -> None:
        self.store = store
        self.redis = store.redis
        self.settings = store.settings
        self.markets = list(markets)
        self.name = name or consumer_name()
        self._stopping = asyncio.Event()
        self.handled = 0

    # -- set-up ---------------------------------------------------------------------

    async def ensure_groups(self) -> None:
        for m in self.markets:
            try:
                await self.redis.xgroup_create(
                    self.store.keys(m).queue, QUEUE_GROUP, id="0", mkstream=True
                )
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- the loop -------------------------------------------------------------------

    async def run(self, *, tick_s: float = 2.0) -> None:
        """Consume every market until ``stop()``; then finish the entries in hand."""
        await self.ensure_groups()
        tasks = [
            asyncio.create_task(self._consume_forever(m), name=f"consume-{m}") for m in self.markets
        ]
        tasks.append(asyncio.create_task(self._timers(tick_s), name="matcher-timers"))
        try:
            await self._stopping.wait()
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.redis.hdel(MATCHERS, self.name)

    def stop(self) -> None:
        self._stopping.set()

    async def _consume_forever(self, market: str) -> None:
        while not self._stopping.is_set():
            try:
                await self.consume_once(market, block_ms=1000)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("matcher: consuming %s failed; retrying", market)
                await asyncio.sleep(1)

    async def _timers(self, tick_s: float) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("matcher: timer tick failed")
            await asyncio.sleep(tick_s)

    async def tick(self) -> None:
        """Heartbeat, orphan claims, offer expiry and the day rollover."""
        await self.redis.hset(MATCHERS, self.name, to_ms(self.store.clock.now()))
        for m in self.markets:
            await self.store.roll_day(m)
            await self.store.expire_offers(m)
            await self.claim_orphans(m)

    async def consume_once(
        self, market: str, *, block_ms: int | None = None, count: int = 32
    ) -> int:
        """Read new entries for this consumer and handle them; returns how many."""
        k = self.store.keys(market)
        reply = await self.redis.xreadgroup(
            QUEUE_GROUP, self.name, {k.queue: ">"}, count=count, block=block_ms
        )
        n = 0
        streams: list[Any] = list(reply or [])
        for _stream, entries in streams:
            for entry_id, fields in entries:
                await self._handle_and_ack(market, entry_id, fields)
                n += 1
        return n

    async def claim_orphans(self, market: str, *, min_idle_ms: int | None = None) -> int:
        """Take over entries another matcher read but never acknowledged."""
        k = self.store.keys(market)
        idle = self.settings.claim_idle_ms if min_idle_ms is None else min_idle_ms
        handled = 0
        start = "0-0"
        while True:
            reply = await self.redis.xautoclaim(
                k.queue, QUEUE_GROUP, self.name, min_idle_time=idle, start_id=start, count=64
            )
            start, entries = reply[0], reply[1]
            for entry_id, fields in entries:
                if fields is None:
                    continue
                deliveries = await self._deliveries(market, entry_id)
                if deliveries > self.settings.max_deliveries:
                    await self._dead_letter(market, entry_id, fields, deliveries)
                    continue
                await self._handle_and_ack(market, entry_id, fields)
                handled += 1
            if start in ("0-0", b"0-0"):
                return handled

    async def _deliveries(self, market: str, entry_id: str) -> int:
        rows = await self.redis.xpending_range(
            self.store.keys(market).queue, QUEUE_GROUP, min=entry_id, max=entry_id, count=1
        )
        return int(rows[0]["times_delivered"]) if rows else 0

    async def _dead_letter(
        self, market: str, entry_id: str, fields: dict[str, str], deliveries: int
    ) -> None:
        k = self.store.keys(market)
        async with self.redis.pipeline(transaction=True) as p:
            dead: dict[Any, Any] = {**fields, "entry": entry_id, "deliveries": deliveries}
            p.xadd(k.dead, dead)
            p.xack(k.queue, QUEUE_GROUP, entry_id)
            p.xadd(
                k.events, {"type": "dead_letter", "entry": entry_id, "kind": fields.get("kind", "")}
            )
            await p.execute()
        log.error(
            "matcher: %s entry %s dead-lettered after %d deliveries", market, entry_id, deliveries
        )

    async def _handle_and_ack(self, market: str, entry_id: str, fields: dict[str, str]) -> None:
        try:
            await self.handle(market, fields)
        except Exception:
            # Left pending on purpose: the claim timer retries it, and dead-letters
            # it after max_deliveries.
            log.exception("matcher: %s entry %s failed", market, entry_id)
            return
        await self.redis.xack(self.store.keys(market).queue, QUEUE_GROUP, entry_id)
        self.handled += 1

    # -- matching -------------------------------------------------------------------

    async def handle(self, market: str, fields: dict[str, str]) -> None:
        kind, ident = fields.get("kind"), fields.get("id", "")
        if kind == "job":
            await self.match_job(market, ident)
        elif kind == "worker":
            await self.match_worker(market, ident)
        else:
            raise ValueError(f"unknown queue entry kind {kind!r}")

    async def match_job(self, market: str, job_id: str) -> int:
        store = self.store
        k = store.keys(market)
        now = store.clock.now()
        day = day_key(now)
        job = await store.get_job_record(market, job_id)
        if job is None or job["status"] != "open" or job["day"] != day:
            return 0
        need = job["remaining"] * self.settings.offers_per_slot - job["pending"]
        if need <= 0:
            return 0
        ids: set[str] = set()
        for skill in job["skills"]:
            ids.update(
                strs(await self.redis.zrange(k.workers_by_skill(day, skill), 0, CANDIDATE_LIMIT))
            )
        ids -= set(job["offered"])
        if not ids:
            return 0
        id_list = sorted(ids)
        now_ms = to_ms(now)
        scored = []
        for raw in await self.redis.hmget(k.checkins(day), id_list):
            ck = loads(raw)
            if ck is None or not self._can_take_offers(ck) or not eligible(job, ck):
                continue
            scored.append(score(job, ck, now_ms))
        chosen = rank(scored)[:need]
        return await self._offer(market, job_id, chosen)

    async def match_worker(self, market: str, worker_id: str) -> int:
        store = self.store
        k = store.keys(market)
        now = store.clock.now()
        day = day_key(now)
        ck = await store.get_checkin_record(market, worker_id, day)
        if ck is None or not self._can_take_offers(ck):
            return 0
        room = self.settings.max_pending_offers - int(ck.get("pending", 0))
        job_ids: set[str] = set()
        for skill in ck["skills"]:
            job_ids.update(strs(await self.redis.zrange(k.jobs_by_skill(skill), 0, -1)))
        if not job_ids:
            return 0
        id_list = sorted(job_ids)
        now_ms = to_ms(now)
        scored: list[Scored] = []
        stale: dict[str, list[str]] = {}
        for job_id, raw in zip(id_list, await self.redis.hmget(k.jobs, id_list), strict=True):
            job = loads(raw)
            if job is None or job["status"] != "open" or job["day"] != day:
                if job is None or job["status"] not in ("open", "filled") or job["day"] != day:
                    for skill in job["skills"] if job else ():
                        stale.setdefault(skill, []).append(job_id)
                continue
            if worker_id in job["offered"]:
                continue
            if job["pending"] >= job["remaining"] * self.settings.offers_per_slot:
                continue
            if eligible(job, ck):
                scored.append(score(job, ck, now_ms))
        for skill, dead in stale.items():
            # Lazy index clean-up: closed jobs leave the per-skill index here.
            await self.redis.zrem(k.jobs_by_skill(skill), *dead)
        made = 0
        for s in sorted(scored, key=lambda s: -s.score)[: max(0, room)]:
            made += await self._offer(market, s.job_id, [s])
        return made

    def _can_take_offers(self, ck: dict[str, Any]) -> bool:
        return (
            ck.get("status") in ("available", "offered")
            and int(ck.get("pending", 0)) < self.settings.max_pending_offers
        )

    async def _offer(self, market: str, job_id: str, chosen: list[Scored]) -> int:
        if not chosen:
            return 0
        now = self.store.clock.now()
        expires = to_ms(now) + self.settings.offer_ttl_minutes * 60_000
        offers = [
            (
                s.worker_id,
                new_id("o"),
                dumps(
                    {
                        "score": s.score,
                        "explanation": s.explanation_zh,
                        "explanation_en": s.explanation_en,
                    }
                ),
            )
            for s in chosen
        ]
        try:
            result = await self.store.scripts.create_offers(
                self.store.keys(market),
                day=day_key(now),
                job_id=job_id,
                now_ms=to_ms(now),
                expires_ms=expires,
                offers_per_slot=self.settings.offers_per_slot,
                max_pending=self.settings.max_pending_offers,
                offers=offers,
            )
        except ScriptError as exc:
            if exc.code in ("job_closed", "no_job"):
                return 0
            raise
        made = str(result.value["made"]).split()
        return len(made)
