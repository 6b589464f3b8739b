"""The product's two promises under concurrency: never more bookings than headcount,
never two bookings for one worker."""

from __future__ import annotations

import asyncio
import random

from support.builders import job_body
from test_store import check_in, ctx

from kiosk.web.validation import parse_job
from matcher.clock import FixedClock
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.records import loads
from matcher.store.scripts import ScriptError


async def test_hundreds_of_concurrent_accepts_keep_both_invariants(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    rng = random.Random(7)
    settings = store.settings
    from dataclasses import replace

    # Many offers per place and per worker, so that accepts really collide.
    store.settings = matcher.settings = replace(settings, offers_per_slot=20, max_pending_offers=8)
    workers = [await check_in(store, clock, n) for n in range(1, 61)]
    jobs = []
    for i in range(12):
        body = job_body(headcount=rng.randint(1, 3), title=f"活 {i}")
        result = await store.post_job(
            "kaili", parse_job(body, ctx(clock)), request_id=f"job{i}", fingerprint=body
        )
        jobs.append(result.value)
    while await matcher.consume_once("kaili", count=100):
        pass
    offers = [(w, o["id"]) for w in workers for o in await store.offers_for_worker("kaili", w)]
    assert len(offers) >= 200, len(offers)
    attempts = offers * 2  # and every accept twice: double taps
    rng.shuffle(attempts)

    async def accept(worker: str, offer: str) -> str:
        try:
            ticket = await store.accept_offer("kaili", offer, worker_id=worker)
            return str(ticket["ref"])
        except ScriptError as exc:
            return exc.code

    results = await asyncio.gather(*(accept(w, o) for w, o in attempts))
    assert len(results) >= 400
    k = store.keys("kaili")
    tickets = {ref: loads(raw) for ref, raw in (await store.redis.hgetall(k.tickets)).items()}
    per_worker: dict[str, int] = {}
    per_job: dict[str, int] = {}
    for t in tickets.values():
        assert t is not None
        per_worker[t["worker_id"]] = per_worker.get(t["worker_id"], 0) + 1
        per_job[t["job_id"]] = per_job.get(t["job_id"], 0) + 1
    assert max(per_worker.values()) == 1
    for job in jobs:
        record = await store.get_job_record("kaili", job["id"])
        assert record is not None
        booked = per_job.get(job["id"], 0)
        assert booked <= record["headcount"]
        assert record["remaining"] == record["headcount"] - booked
        assert len(record["bookings"]) == booked
    assert sum(per_job.values()) == sum(j["headcount"] for j in jobs) or len(per_worker) == 60
    stats = await store.stats("kaili", "2026-11-27")
    assert stats["bookings"] == len(tickets)
