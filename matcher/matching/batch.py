"""The periodic batch pass: move pending offers where they raise total fills.

Greedy online offers can strand a job: its only possible worker already holds the most
pending offers from jobs that have other candidates. Every little while one matcher
solves the assignment of open places to free workers (scipy's
``linear_sum_assignment``, maximising the summed score among pairs the rule allows)
and, only when that covers more places than the pending offers do, withdraws the
offers in the way and writes the missing ones.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from matcher.clock import day_key, day_start, to_ms
from matcher.matching.engine import Engine
from matcher.matching.pool import WorkerPool, job_facts, worker_facts
from matcher.matching.scoring import eligible_pair, score_pair
from matcher.store.records import loads, strs
from matcher.store.scripts import ScriptError

log = logging.getLogger(__name__)

CANDIDATES_PER_JOB = 40
# The pass solves a dense slots x workers assignment. Bounded, so that a flood of posts
# (an integration posting thousands at once) cannot stall the matcher, and with it a
# web process it runs in, for seconds: 15,000 open jobs once made a 30,000 x 10,000
# matrix. Oldest posts first; the others wait for a later pass and are matched greedily
# meanwhile. A market's day (~150 jobs) is far below it; at the bound the solve takes
# ~0.1 s.
MAX_CELLS = 4_000_000
READ_CHUNK = 50
# Each pair the rule allows is worth this much before its score: the assignment fills as
# many places as it can first, and only among those prefers the better-scored pairs (a
# pair of 90 must never beat two of 40).
PLACE_WEIGHT = 10_000.0
# Among assignments filling as many places, the one keeping the most offers already out:
# a pass moves an offer only where that fills a place, never to trade one worker for
# another of a slightly better score (two passes would otherwise undo each other's ties).
KEEP_WEIGHT = 1_000.0
LOCK_MS = 15_000


def _cover(pairs: set[tuple[int, str]], slots: list[int], workers: list[str]) -> int:
    """Places covered by distinct workers: a maximum matching of slots to workers."""
    if not pairs:
        return 0
    col = {w: i for i, w in enumerate(workers)}
    m = np.zeros((len(slots), len(workers)))
    for r, job_index in enumerate(slots):
        for j, w in pairs:
            if j == job_index:
                m[r, col[w]] = 1.0
    rows, cols = linear_sum_assignment(m, maximize=True)
    return int(m[rows, cols].sum())


async def reoptimise(engine: Engine, market: str, *, repair: bool = False) -> int:
    """One batch pass over a market; returns offers written. Safe to run on every
    matcher: a short lock lets one of them do it.

    ``repair``: a pass right after an arrival the live graph could not place without
    moving a pending offer (the caller spaces them by the decision window). It has its
    own lock, held only while it runs, so it neither waits for nor delays the periodic
    pass."""
    store = engine.store
    redis = store.redis
    k = store.keys(market)
    now = store.clock.now()
    now_ms = to_ms(now)
    # Every matcher keeps its own hold values fresh here, off the path of a new post.
    pool = await engine.pool(market)
    await engine.hold(market, pool, now_ms)
    if repair:
        if not await redis.set(k.repair_lock, "1", nx=True, px=LOCK_MS):
            return 0
        try:
            return await _pass(engine, market, pool, now_ms)
        finally:
            await redis.delete(k.repair_lock)
    if not await redis.set(k.batch_lock, "1", nx=True, px=LOCK_MS):
        return 0
    return await _pass(engine, market, pool, now_ms)


async def _pass(engine: Engine, market: str, pool: WorkerPool, now_ms: int) -> int:
    store = engine.store
    redis = store.redis
    k = store.keys(market)
    now = store.clock.now()
    day = day_key(now)
    # Today's open jobs, oldest first (jobs:open is scored by the post time), read a
    # chunk at a time: a pass stops reading at its bound, and the event loop (the web
    # requests beside an in-process matcher) gets a turn between chunks.
    ids = strs(await redis.zrangebyscore(k.jobs_open, to_ms(day_start(now)), "+inf"))
    cap = store.settings.max_pending_offers
    jobs: list[dict[str, Any]] = []
    # Candidates per job, including workers this job already asked.
    cand: dict[int, dict[str, float]] = {}
    seen: set[str] = set()
    n_slots = 0
    full = False
    for at in range(0, len(ids), READ_CHUNK):
        for raw in await redis.hmget(k.jobs, ids[at : at + READ_CHUNK]):
            job = loads(raw)
            if not job or job["status"] != "open" or job["day"] != day or job["remaining"] < 1:
                continue
            facts = job_facts(job, engine.gazetteer)
            props = dict(pool.propose(facts, now_ms, max_pending=10**6, limit=CANDIDATES_PER_JOB))
            new = props.keys() - seen
            if cand and (n_slots + job["remaining"]) * (len(seen) + len(new)) > MAX_CELLS:
                full = True
                break
            cand[len(jobs)] = props
            jobs.append(job)
            seen |= new
            n_slots += job["remaining"]
        if full:
            break
    workers = sorted(seen)
    if not workers:
        return 0
    slots = [i for i, job in enumerate(jobs) for _ in range(job["remaining"])]
    col = {w: c for c, w in enumerate(workers)}
    offers = {
        o["id"]: o
        for r in await redis.hmget(
            k.offers, [oid for job in jobs for oid in job["offered"].values()] or ["-"]
        )
        if (o := loads(r)) and o["status"] == "pending"
    }
    current = {
        (i, o["worker_id"])
        for i, job in enumerate(jobs)
        for o in offers.values()
        if o["job_id"] == job["id"]
    }
    weight = np.full((len(slots), len(workers)), -1.0)
    for r, i in enumerate(slots):
        asked = jobs[i]["offered"]
        for w, total in cand[i].items():
            if w in asked and (i, w) not in current:
                continue  # asked before and answered: a job asks a worker only once
            keep = KEEP_WEIGHT if (i, w) in current else 0.0
            weight[r, col[w]] = PLACE_WEIGHT + keep + total
    rows, cols = linear_sum_assignment(weight, maximize=True)
    best = {(slots[r], workers[c]) for r, c in zip(rows, cols, strict=True) if weight[r, c] >= 0}
    if len(best) <= _cover(current, slots, workers):
        return 0
    missing = [(i, w) for i, w in sorted(best) if (i, w) not in current]
    by_worker: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for o in offers.values():
        by_worker[o["worker_id"]].append(o)
    useful = {(jobs[i]["id"], w) for i, w in best}
    made = 0
    for i, wid in missing:
        record = await store.get_job_record(market, jobs[i]["id"])
        ck = await store.get_checkin_record(market, wid, day)
        if record is None or ck is None or record["status"] != "open" or wid in record["offered"]:
            continue
        if ck.get("status") not in ("available", "offered"):
            continue
        facts, wf = job_facts(record, engine.gazetteer), worker_facts(ck, engine.gazetteer)
        if not eligible_pair(facts, wf):
            continue
        # Free a place on the worker: their pending offer the assignment does not use.
        if int(ck.get("pending", 0)) >= cap:
            spare = [o for o in by_worker[wid] if (o["job_id"], wid) not in useful]
            if not spare:
                continue
            await _withdraw(engine, market, min(spare, key=lambda o: o["score"])["id"])
        # Free a place on the job: a pending offer to a worker the assignment sends elsewhere.
        if record["pending"] >= record["remaining"] * store.settings.offers_per_slot:
            spare = [
                o
                for o in offers.values()
                if o["job_id"] == record["id"] and (record["id"], o["worker_id"]) not in useful
            ]
            if not spare:
                continue
            await _withdraw(engine, market, min(spare, key=lambda o: o["score"])["id"])
            record = await store.get_job_record(market, record["id"])
            if record is None:
                continue
        made += await engine.write_offers(market, record, [(wid, score_pair(facts, wf, now_ms))])
    if made:
        log.info("batch pass in %s: %d offers moved to raise fills", market, made)
    return made


async def _withdraw(engine: Engine, market: str, offer_id: str) -> None:
    store = engine.store
    now = store.clock.now()
    try:
        await store.scripts.withdraw_offer(
            store.keys(market),
            day=day_key(now),
            offer_id=offer_id,
            now_ms=to_ms(now),
            reason="batch",
        )
    except ScriptError as exc:
        # Answered, expired or moved since the pass read it: nothing left to withdraw.
        # Anything else (a lost connection) is not this pass's to swallow.
        if exc.code != "no_offer" and not exc.code.startswith("offer_"):
            raise
        log.debug("offer %s no longer pending (%s)", offer_id, exc.code)
