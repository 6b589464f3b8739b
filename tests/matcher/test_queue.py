"""The work queue: consumer groups, orphan claims, dead letters."""

from __future__ import annotations

import asyncio

from support.builders import checkin_body, job_body
from test_store import check_in, ctx, post

from kiosk.web.validation import parse_job
from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.keys import QUEUE_GROUP


async def test_a_matcher_killed_between_read_and_ack_loses_no_job(
    store: Store, clock: FixedClock
) -> None:
    """The first matcher reads the entry and dies before acknowledging it; the second
    claims the orphan and makes the offer."""
    k = store.keys("kaili")
    dead = Matcher(store, ["kaili"], name="doomed")
    await dead.ensure_groups()
    wid = await check_in(store, clock, 1)
    # The check-in entry first: handled normally by the survivor.
    survivor = Matcher(store, ["kaili"], name="survivor")
    await survivor.consume_once("kaili")
    job = await post(store, clock)
    # "Killed": read with XREADGROUP, never handled, never acknowledged.
    reply = await store.redis.xreadgroup(QUEUE_GROUP, dead.name, {k.queue: ">"}, count=10)
    assert reply and reply[0][1], "the doomed matcher should have taken the entry"
    assert await store.offers_for_worker("kaili", wid) == []
    # Nothing new for the survivor: the entry is pending on the dead consumer.
    assert await survivor.consume_once("kaili") == 0
    await asyncio.sleep(0.06)  # claim_idle_ms is 50 in tests
    assert await survivor.claim_orphans("kaili") == 1
    [offer] = await store.offers_for_worker("kaili", wid)
    assert offer["job_id"] == job["id"]
    pending = await store.redis.xpending(k.queue, QUEUE_GROUP)
    assert pending["pending"] == 0


async def test_effects_are_applied_once(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    """Handling the same entry twice (a claim racing a slow matcher) offers once."""
    wid = await check_in(store, clock, 1)
    job = await post(store, clock)
    await matcher.handle("kaili", {"kind": "job", "id": job["id"]})
    await matcher.handle("kaili", {"kind": "job", "id": job["id"]})
    await matcher.handle("kaili", {"kind": "worker", "id": wid})
    assert len(await store.offers_for_worker("kaili", wid)) == 1
    assert (await store.stats("kaili", "2026-11-27"))["offers"] == 1


async def test_poison_entry_goes_to_dead_letters(store: Store, matcher: Matcher) -> None:
    k = store.keys("kaili")
    await store.redis.xadd(k.queue, {"kind": "nonsense", "id": "x"})
    await matcher.consume_once("kaili")  # fails: left pending
    assert (await store.redis.xpending(k.queue, QUEUE_GROUP))["pending"] == 1
    for _ in range(store.settings.max_deliveries + 1):
        await asyncio.sleep(0.06)
        await matcher.claim_orphans("kaili")
    dead = await store.redis.xrange(k.dead)
    assert len(dead) == 1
    assert dead[0][1]["kind"] == "nonsense"
    assert int(dead[0][1]["deliveries"]) > store.settings.max_deliveries
    assert (await store.redis.xpending(k.queue, QUEUE_GROUP))["pending"] == 0


async def test_several_matchers_share_the_work(store: Store, clock: FixedClock) -> None:
    matchers = [Matcher(store, ["kaili"], name=f"m{i}") for i in range(3)]
    await matchers[0].ensure_groups()
    workers = [await check_in(store, clock, n) for n in range(1, 7)]
    for i in range(6):
        body = job_body(headcount=1, title=f"第{i}个活")
        await store.post_job(
            "kaili", parse_job(body, ctx(clock)), request_id=f"j{i}", fingerprint=body
        )
    while sum(await asyncio.gather(*(m.consume_once("kaili", count=2) for m in matchers))):
        pass
    offers = [o for w in workers for o in await store.offers_for_worker("kaili", w)]
    # Every worker holds at most max_pending offers; every job at most 3 (1 place x 3).
    assert offers
    per_job: dict[str, int] = {}
    for o in offers:
        per_job[o["job_id"]] = per_job.get(o["job_id"], 0) + 1
    assert max(per_job.values()) <= store.settings.offers_per_slot
    assert (await store.redis.xpending(store.keys("kaili").queue, QUEUE_GROUP))["pending"] == 0


async def test_run_loop_and_clean_stop(store: Store, clock: FixedClock) -> None:
    m = Matcher(store, list(MARKETS), name="loop")
    task = asyncio.create_task(m.run(tick_s=0.05))
    wid = await check_in(store, clock, 1)
    await post(store, clock)
    for _ in range(100):
        if await store.offers_for_worker("kaili", wid):
            break
        await asyncio.sleep(0.02)
    assert len(await store.offers_for_worker("kaili", wid)) == 1
    m.stop()
    await asyncio.wait_for(task, 5)
    assert await store.redis.hget("kz:matchers", "loop") is None


async def test_checkin_body_builder_is_valid(store: Store, clock: FixedClock) -> None:
    assert checkin_body(3)["phone"] == "13900000003"
