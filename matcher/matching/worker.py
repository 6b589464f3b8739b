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
import time as _time
from collections.abc import Awaitable, Iterable
from typing import Any

from redis.exceptions import ResponseError

from matcher.clock import to_ms
from matcher.matching.batch import reoptimise
from matcher.matching.engine import Engine
from matcher.store.facade import Store
from matcher.store.keys import MATCHERS, QUEUE_GROUP
from matcher.store.records import new_id
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

log = logging.getLogger(__name__)

CANDIDATE_LIMIT = 2000


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{new_id('', 4)}"


class Matcher:
    def __init__(
        self,
        store: Store,
        markets: Iterable[str],
        *,
        name: str | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.store = store
        self.engine = engine or Engine(store, default_taxonomy(), default_gazetteer())
        self.redis = store.redis
        self.settings = store.settings
        self.markets = list(markets)
        self.name = name or consumer_name()
        self._stopping = asyncio.Event()
        self._last_batch = 0.0
        self._repaired: dict[str, float] = {}
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
        """Heartbeat, orphan claims, offer expiry and the day rollover.

        After the heartbeat (which fails only when the server does), every step of every
        market runs on its own: one that fails is logged and does not stop the others,
        above all not the orphan claims that recover what a dead matcher left behind.
        """
        await self.redis.hset(MATCHERS, self.name, to_ms(self.store.clock.now()))
        now = _time.monotonic()
        batch_due = now - self._last_batch >= self.settings.batch_interval_s
        for m in self.markets:
            await self._step("day rollover", m, self.store.roll_day(m))
            await self._step("offer expiry", m, self.store.expire_offers(m))
            await self._step("orphan claims", m, self.claim_orphans(m))
            await self._step("pool catch-up", m, self.engine.catch_up(m))
            if batch_due:
                await self._step("batch pass", m, reoptimise(self.engine, m))
        if batch_due:
            self._last_batch = now

    async def _step(self, what: str, market: str, step: Awaitable[object]) -> None:
        try:
            await step
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("matcher: %s of %s failed", what, market)

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
            await self.engine.match_job(market, ident)
        elif kind == "worker":
            await self.engine.match_worker(market, ident)
        else:
            raise ValueError(f"unknown queue entry kind {kind!r}")
        if market in self.engine.repair_due:
            # A place the live graph could fill only by moving a pending offer: move it
            # now rather than at the next batch pass, once per decision window, so a
            # burst of posts is decided together instead of a pass per post.
            now = _time.monotonic()
            if now - self._repaired.get(market, -1e9) >= self.settings.decision_window_ms / 1000:
                self.engine.repair_due.discard(market)
                self._repaired[market] = now
                await reoptimise(self.engine, market, repair=True)
