"""The batch pass (``matcher.matching.batch``): bounded however many posts arrive at once."""

from __future__ import annotations

import pytest
from support.builders import checkin_body
from test_store import ctx, post

from kiosk.web.validation import parse_checkin
from matcher.clock import FixedClock
from matcher.matching import batch
from matcher.matching.batch import reoptimise
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.records import loads


async def _offered_jobs(store: Store) -> set[str]:
    raw = await store.redis.hgetall(store.keys("kaili").offers)
    return {str(o["job_id"]) for r in raw.values() if (o := loads(r)) is not None}


async def test_a_flood_of_posts_is_solved_oldest_first_within_the_bound(
    store: Store, clock: FixedClock, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(1, 4):
        body = checkin_body(n)
        spec = parse_checkin(body, ctx(clock))
        await store.check_in("kaili", spec, request_id=f"c{n}", fingerprint=body)
    jobs = []
    for n in range(3):
        jobs.append(await post(store, clock, f"j{n}", headcount=1, title=f"招小工 {n}"))
        clock.advance(minutes=1)
    # Three workers fit every job: one job is 1 x 3 cells, two would be 2 x 3.
    monkeypatch.setattr(batch, "MAX_CELLS", 5)
    assert await reoptimise(matcher.engine, "kaili") >= 1
    assert await _offered_jobs(store) == {jobs[0]["id"]}


async def test_within_the_bound_every_open_job_is_in_the_pass(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    for n in range(1, 4):
        body = checkin_body(n)
        spec = parse_checkin(body, ctx(clock))
        await store.check_in("kaili", spec, request_id=f"c{n}", fingerprint=body)
    jobs = [await post(store, clock, f"j{n}", headcount=1, title=f"招小工 {n}") for n in range(3)]
    assert await reoptimise(matcher.engine, "kaili") == 3
    assert await _offered_jobs(store) == {j["id"] for j in jobs}
