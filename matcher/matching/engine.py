"""The matching engine: who is offered which job, through the published rule.

On a new job it asks the market's in-memory pool for the best eligible workers, re-reads
them from Redis (the truth), and writes offers through the create-offers script; on a
new or freed worker it looks at the open jobs of that worker's skills. Every matcher
keeps its pools fresh by tailing the market's events stream, since each queue entry is
handled by only one matcher of the group.

Both paths apply the "keep for scarce work" rule (``matcher.matching.forecast``): a worker with a
hold step above 0 is offered a job only for a place no lower-step worker covers, never
as the second person asked for a place someone else could take.

Both paths also ask only workers today's live graph can spare (``matcher.matching.live_graph``):
an offer is made only if the offers already out plus this one still complete to a
maximum matching of today's open places and free workers. Among those, the published
order decides as before.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from redis.asyncio import Redis

from matcher.clock import day_key, day_start, to_ms
from matcher.matching.forecast import REFRESH_MS, DemandForecast, Holds, holds, load_forecast
from matcher.matching.live_graph import Matching
from matcher.matching.pool import WorkerPool, job_facts, worker_facts
from matcher.matching.scoring import FloatArray, Parts, eligible_pair, explain, score_pair
from matcher.store.facade import Store
from matcher.store.keys import MarketKeys
from matcher.store.records import dumps, loads, new_id, strs
from matcher.store.scripts import ScriptError
from matcher.text.places import Gazetteer
from matcher.text.skills import Taxonomy

log = logging.getLogger(__name__)

# How many proposals are re-read from Redis per round, per offer still needed.
VERIFY_FACTOR = 2
# Rounds of choosing for a job when other matchers took some of the chosen workers.
MATCH_ROUNDS = 3
EVENT_BATCH = 2000
# The live graph (``matcher.matching.live_graph``) is built from today's open jobs on every
# decision; a market with more open jobs than this (an integration bulk-posting) is
# matched in the published order alone, and its batch pass restores fills.
MAX_LIVE_JOBS = 300
# Candidates per job in the live graph, beyond a few per open place: the best-ranked,
# since only they would be asked.
LIVE_CANDIDATES = 30
LIVE_PER_PLACE = 3
# A job's candidate set is reused for this long before it is computed again.
LIVE_CANDIDATES_MS = 2_000


class _Live:
    """Today's graph as one decision sees it: the matching of what pending offers leave,
    and how many places the whole graph could fill if pending offers were moved."""

    def __init__(self, matching: Matching, decided: int, whole: int) -> None:
        self.matching = matching
        # Moving a pending offer would fill more places than the decided ones allow.
        self.stuck = whole > decided + matching.size

    def allows(self, worker_id: str, job_id: str, *, covering: bool) -> bool:
        """Whether asking ``worker_id`` keeps the day's maximum matching reachable; if so,
        the graph takes the offer as made (the next decision sees it)."""
        m = self.matching
        m.add_edge(worker_id, job_id)
        trial = m.force(worker_id, job_id) if covering else m.spare(worker_id)
        if trial is None:
            return False
        self.matching = trial
        return True


class Engine:
    def __init__(self, store: Store, taxonomy: Taxonomy, gazetteer: Gazetteer) -> None:
        self.store = store
        self.redis: Redis = store.redis
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.pools: dict[str, WorkerPool] = {}
        self._cursor: dict[str, str] = {}
        self._forecasts: dict[str, DemandForecast] = {}
        self._holds: dict[str, tuple[str, Holds | None]] = {}
        self._candidates: dict[tuple[str, str], tuple[int, list[str]]] = {}
        # Markets where a decision found pending offers in the way (see ``_Live.stuck``).
        self.repair_due: set[str] = set()

    @property
    def settings(self) -> Any:
        return self.store.settings

    # -- the pool -------------------------------------------------------------------

    async def pool(self, market: str) -> WorkerPool:
        """Today's pool of a market, loaded on first use each day and kept in sync."""
        day = self.store.today()
        pool = self.pools.get(market)
        k = self.store.keys(market)
        if pool is None or pool.day != day:
            # The cursor first, then the load: events in between are applied twice,
            # which is harmless (a refresh), instead of being missed.
            last = await self.redis.xrevrange(k.events, count=1)
            self._cursor[market] = str(last[0][0]) if last else "0-0"
            pool = WorkerPool(day, self.gazetteer)
            for raw in (await self.redis.hgetall(k.checkins(day))).values():
                ck = loads(raw)
                if ck is not None:
                    pool.upsert(ck)
            self.pools[market] = pool
            return pool
        await self._sync(market, k, pool)
        return pool

    async def _sync(self, market: str, k: MarketKeys, pool: WorkerPool) -> int:
        """Apply up to EVENT_BATCH new events to the pool; returns how many were read."""
        reply: list[Any] = list(
            await self.redis.xread({k.events: self._cursor[market]}, count=EVENT_BATCH) or []
        )
        workers: set[str] = set()
        read = 0
        for _stream, entries in reply:
            for entry_id, fields in entries:
                self._cursor[market] = str(entry_id)
                read += 1
                if fields.get("worker"):
                    workers.add(str(fields["worker"]))
        if workers:
            ids = sorted(workers)
            for raw in await self.redis.hmget(k.checkins(pool.day), ids):
                ck = loads(raw)
                if ck is not None:
                    pool.upsert(ck)
        return read

    async def catch_up(self, market: str, rounds: int = 10) -> None:
        """Bring a loaded pool up to the end of the events stream, off the match path:
        after a burst of check-ins the next job's match would otherwise pay for the
        backlog, a batch of events at a time."""
        pool = self.pools.get(market)
        if pool is None or pool.day != self.store.today():
            return
        k = self.store.keys(market)
        for _ in range(rounds):
            if await self._sync(market, k, pool) < EVENT_BATCH:
                return

    # -- keep for scarce work ------------------------------------------------------------

    async def hold(
        self, market: str, pool: WorkerPool, now_ms: int, *, max_age_ms: int = REFRESH_MS
    ) -> FloatArray | None:
        """The pool's hold values (``matcher.matching.forecast``), recomputed when older than
        ``max_age_ms``; None when the market has no earlier days to learn from."""
        cached = self._holds.get(market)
        if cached is not None and cached[0] == pool.day:
            found = cached[1]
            if found is None:
                return None
            if 0 <= now_ms - found.at_ms < max_age_ms:
                # Workers who checked in since the last refresh are added one by one.
                grown = found.extended(pool)
                if grown is not found:
                    self._holds[market] = (pool.day, grown)
                return grown.values
        forecast = self._forecasts.get(market)
        if forecast is None or forecast.day != pool.day:
            forecast = await load_forecast(
                self.redis,
                self.store.keys(market),
                pool.day,
                self.gazetteer,
                days=self.settings.hold_forecast_days,
            )
            self._forecasts[market] = forecast
        fresh = holds(pool, forecast, now_ms) if forecast.places else None
        self._holds[market] = (pool.day, fresh)
        return fresh.values if fresh is not None else None

    def _steps(
        self, pool: WorkerPool, ids: list[str], hold: FloatArray | None, now_ms: int
    ) -> dict[str, int]:
        rows = np.fromiter((pool.rows.get(w, -1) for w in ids), dtype=np.int64, count=len(ids))
        known = rows >= 0
        steps = np.zeros(len(ids), dtype=np.int64)
        steps[known] = pool.hold_steps(rows[known], hold, now_ms)
        return {w: int(s) for w, s in zip(ids, steps, strict=True)}

    # -- the live graph ---------------------------------------------------------------------

    def _job_candidates(
        self, market: str, job: dict[str, Any], pool: WorkerPool, now_ms: int, *, fresh: bool
    ) -> list[str]:
        key = (market, str(job["id"]))
        cached = self._candidates.get(key)
        if cached is not None and not fresh and 0 <= now_ms - cached[0] < LIVE_CANDIDATES_MS:
            return cached[1]
        limit = LIVE_CANDIDATES + LIVE_PER_PLACE * int(job["remaining"])
        facts = job_facts(job, self.gazetteer)
        found = [w for w, _ in pool.propose(facts, now_ms, max_pending=10**6, limit=limit)]
        self._candidates[key] = (now_ms, found)
        return found

    async def live(
        self, market: str, pool: WorkerPool, now_ms: int, *, deciding: str | None = None
    ) -> _Live | None:
        """Today's graph of open places and free workers, with the places pending offers
        cover taken out; None when the rule is off or the market is too big for it."""
        if not self.settings.live_graph:
            return None
        store = self.store
        k = store.keys(market)
        now = store.clock.now()
        day = day_key(now)
        ids = strs(await self.redis.zrangebyscore(k.jobs_open, to_ms(day_start(now)), "+inf"))
        if not ids or len(ids) > MAX_LIVE_JOBS:
            return None
        async with self.redis.pipeline(transaction=False) as p:
            p.hmget(k.jobs, ids)
            p.zrange(k.offers_pending, 0, -1)
            job_raws, pending_ids = await p.execute()
        jobs = [
            j
            for raw in job_raws
            if (j := loads(raw))
            and j["status"] == "open"
            and j["day"] == day
            and int(j["remaining"]) > 0
        ]
        by_job: dict[str, list[tuple[int, str]]] = {}
        if pending_ids:
            for raw in await self.redis.hmget(k.offers, strs(pending_ids)):
                o = loads(raw)
                if o is not None and o["status"] == "pending":
                    by_job.setdefault(str(o["job_id"]), []).append(
                        (int(o["created_ms"]), str(o["worker_id"]))
                    )
        # The first offers of a job, one per remaining place, are taken as decided.
        decided: set[str] = set()
        remaining = {str(j["id"]): int(j["remaining"]) for j in jobs}
        capacity: dict[str, int] = {}
        for jid, places in remaining.items():
            first = [w for _, w in sorted(by_job.get(jid, []))][:places]
            decided.update(first)
            capacity[jid] = places - len(first)
        adjacency: dict[str, list[str]] = {}
        whole: dict[str, list[str]] = {}
        for job in jobs:
            jid = str(job["id"])
            for wid in self._job_candidates(market, job, pool, now_ms, fresh=jid == deciding):
                row = pool.rows.get(wid)
                if row is None or pool.status[row] >= 2:
                    continue
                whole.setdefault(wid, []).append(jid)
                if wid not in decided and capacity[jid] > 0:
                    adjacency.setdefault(wid, []).append(jid)
        for jid, offers in by_job.items():
            for _, wid in offers:
                mine = whole.setdefault(wid, [])
                if jid in capacity and jid not in mine:
                    mine.append(jid)
        return _Live(Matching(adjacency, capacity), len(decided), Matching(whole, remaining).size)

    # -- a new or reopened job ----------------------------------------------------------

    async def match_job(self, market: str, job_id: str) -> int:
        """Offer the job to the best free workers; returns how many offers were made.

        Matchers work side by side: another may offer the same workers first, and the
        script then skips them. Choosing again from those left (a few rounds) keeps a
        job from being left with fewer offers than places just because of that race.
        """
        made = 0
        for _round in range(MATCH_ROUNDS):
            wanted, n = await self._match_job_once(market, job_id)
            made += n
            if n >= wanted:
                break
        return made

    async def _match_job_once(self, market: str, job_id: str) -> tuple[int, int]:
        """One round: (offers chosen, offers made); fewer made means some were lost."""
        store = self.store
        k = store.keys(market)
        now = store.clock.now()
        day, now_ms = day_key(now), to_ms(now)
        job = await store.get_job_record(market, job_id)
        if job is None or job["status"] != "open" or job["day"] != day:
            return 0, 0
        need = job["remaining"] * self.settings.offers_per_slot - job["pending"]
        if need <= 0:
            return 0, 0
        # Places no pending offer covers yet may go to anyone the order reaches; further
        # offers only to workers of no higher hold step than those.
        uncovered = max(0, job["remaining"] - job["pending"])
        pool = await self.pool(market)
        hold = await self.hold(market, pool, now_ms, max_age_ms=2 * REFRESH_MS)
        facts = job_facts(job, self.gazetteer)
        # Workers an operator blocked are left out here, before the places are counted.
        blocked = await store.blocks.blocked_workers(market)
        live = await self.live(market, pool, now_ms, deciding=job_id)
        proposals = pool.propose(
            facts,
            now_ms,
            max_pending=self.settings.max_pending_offers,
            exclude=set(job["offered"]) | blocked,
            hold=hold,
        )
        chosen: list[tuple[str, Parts]] = []
        top_step = 0
        start = 0
        while len(chosen) < need and start < len(proposals):
            batch = [wid for wid, _ in proposals[start : start + need * VERIFY_FACTOR]]
            start += len(batch)
            steps = self._steps(pool, batch, hold, now_ms)
            for wid, raw in zip(batch, await self.redis.hmget(k.checkins(day), batch), strict=True):
                ck = loads(raw)
                if ck is None:
                    continue
                pool.upsert(ck)  # the pool learns what changed since it last looked
                w = worker_facts(ck, self.gazetteer)
                if not (self._free(ck) and eligible_pair(facts, w)):
                    continue
                if len(chosen) >= uncovered and steps[wid] > top_step:
                    # Proposals come by step: everyone after this one is held too.
                    start = len(proposals)
                    break
                if live is not None and not live.allows(
                    wid, job_id, covering=len(chosen) < uncovered
                ):
                    continue  # today's other open places need this worker
                top_step = max(top_step, steps[wid])
                chosen.append((wid, score_pair(facts, w, now_ms)))
                if len(chosen) >= need:
                    break
        if live is not None and (
            live.stuck or (len(chosen) < uncovered and live.matching.holders.get(job_id))
        ):
            # Pending offers stand in the way: the graph fills this place with someone
            # who could not be asked (a stand-by offer elsewhere), or not at all.
            self.repair_due.add(market)
        return len(chosen), await self.write_offers(market, job, chosen, blocked=blocked)

    # -- a new or freed worker ------------------------------------------------------------

    async def match_worker(self, market: str, worker_id: str) -> int:
        store = self.store
        k = store.keys(market)
        now = store.clock.now()
        day, now_ms = day_key(now), to_ms(now)
        ck = await store.get_checkin_record(market, worker_id, day)
        if ck is None:
            return 0
        pool = self.pools.get(market)
        if pool is not None and pool.day == day:
            pool.upsert(ck)
        if not self._free(ck):
            return 0
        room = self.settings.max_pending_offers - int(ck.get("pending", 0))
        held = False
        if pool is not None and pool.day == day:
            hold = await self.hold(market, pool, now_ms, max_age_ms=2 * REFRESH_MS)
            held = self._steps(pool, [worker_id], hold, now_ms)[worker_id] > 0
        job_ids: set[str] = set()
        for skill in ck["skills"]:
            job_ids.update(strs(await self.redis.zrange(k.jobs_by_skill(skill), 0, -1)))
        if not job_ids:
            return 0
        ids = sorted(job_ids)
        live = (
            await self.live(market, pool, now_ms) if pool is not None and pool.day == day else None
        )
        w = worker_facts(ck, self.gazetteer)
        scored: list[tuple[tuple[int, int], dict[str, Any], Parts]] = []
        for job_id, raw in zip(ids, await self.redis.hmget(k.jobs, ids), strict=True):
            job = loads(raw)
            if job is None or job["status"] not in ("open", "filled") or job["day"] != day:
                # Lazy clean-up of the per-skill job index.
                for skill in job["skills"] if job else ck["skills"]:
                    await self.redis.zrem(k.jobs_by_skill(skill), job_id)
                continue
            if job["status"] != "open" or worker_id in job["offered"]:
                continue
            if job["pending"] >= job["remaining"] * self.settings.offers_per_slot:
                continue
            if held and job["pending"] >= job["remaining"]:
                continue  # kept for scarce work: every place of this job is being asked
            facts = job_facts(job, self.gazetteer)
            if eligible_pair(facts, w):
                parts = score_pair(facts, w, now_ms)
                scarcity = (0, 0)
                if live is not None and pool is not None:
                    # The job fewest others could take comes first: a worker who can do a
                    # scarce trade and a common one is asked for the scarce one. Scarce:
                    # few of today's check-ins hold its skill (those still to come are
                    # likely more of the same), then few free workers are eligible now.
                    rows, _ = pool.eligible(facts, now_ms, max_pending=10**6)
                    holders = min(len(pool.by_skill.get(sk, ())) for sk in facts.skills)
                    scarcity = (holders, int(rows.size))
                scored.append((scarcity, job, parts))
        scored.sort(key=lambda t: (t[0], -t[2].total, t[1]["created_ms"]))
        made = 0
        for _total, job, parts in scored:
            if made >= room:
                break
            covering = int(job["pending"]) < int(job["remaining"])
            if live is not None and not live.allows(worker_id, str(job["id"]), covering=covering):
                continue  # a place elsewhere needs this worker more
            made += await self.write_offers(market, job, [(worker_id, parts)])
        if live is not None and live.stuck:
            self.repair_due.add(market)
        return made

    # -- writing offers -------------------------------------------------------------------

    def _free(self, ck: dict[str, Any]) -> bool:
        return (
            ck.get("status") in ("available", "offered")
            and int(ck.get("pending", 0)) < self.settings.max_pending_offers
        )

    def _skill_names(self, job: dict[str, Any], worker_skills: set[str]) -> tuple[str, str]:
        shared = [s for s in job["skills"] if s in worker_skills] or list(job["skills"])
        skill = self.taxonomy.get(shared[0])
        return (skill.name_zh, skill.name_en) if skill else (shared[0], shared[0])

    async def write_offers(
        self,
        market: str,
        job: dict[str, Any],
        chosen: list[tuple[str, Parts]],
        *,
        blocked: set[str] | None = None,
    ) -> int:
        """Offer the job to the chosen workers; ``blocked``: the market's blocked
        workers when the caller already has them (every path ends here, so none of
        them is ever offered work)."""
        if not chosen:
            return 0
        if blocked is None:
            blocked = await self.store.blocks.blocked_workers(market)
        chosen = [(wid, parts) for wid, parts in chosen if wid not in blocked]
        if not chosen:
            return 0
        now = self.store.clock.now()
        pool = self.pools.get(market)
        offers = []
        for wid, parts in chosen:
            facts = pool.facts[pool.rows[wid]] if pool is not None and wid in pool else None
            skills = set(facts.skills) if facts else set(job["skills"])
            zh, en = self._skill_names(job, skills)
            same_t = facts is not None and str(facts.township) == job["township"]
            same_c = facts is not None and str(facts.county) == job["county_adcode"]
            text_zh, text_en = explain(parts, zh, en, same_township=same_t, same_county=same_c)
            body = {"score": parts.total, "explanation": text_zh, "explanation_en": text_en}
            offers.append((wid, new_id("o"), dumps(body)))
        try:
            result = await self.store.scripts.create_offers(
                self.store.keys(market),
                day=day_key(now),
                job_id=job["id"],
                now_ms=to_ms(now),
                # The market's own offer expiry (operators' setting) over the service's.
                expires_ms=to_ms(now) + await self.store.market_settings.offer_ttl_ms(market),
                offers_per_slot=self.settings.offers_per_slot,
                max_pending=self.settings.max_pending_offers,
                offers=offers,
            )
        except ScriptError as exc:
            if exc.code in ("job_closed", "no_job"):
                return 0
            raise
        made = str(result.value["made"]).split()
        if pool is not None:
            # Only the offers the script made: a skipped worker (busy, saturated, due
            # elsewhere at that time) holds no new offer.
            written = {wid for wid, oid, _body in offers if oid in made}
            for wid in written:
                if wid in pool:
                    row = pool.rows[wid]
                    pool.pending[row] += 1
                    pool.status[row] = 1
        return len(made)
