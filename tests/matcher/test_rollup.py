"""Daily roll-ups: computed at the day rollover from the day's records and kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import drain, make_settings
from redis.asyncio import Redis
from test_store import check_in, post

from matcher.clock import FixedClock
from matcher.matching.worker import Matcher
from matcher.store import rollup
from matcher.store.facade import Store

DAY = "2026-11-27"


async def busy_day(store: Store, clock: FixedClock, matcher: Matcher) -> dict[str, str]:
    """Three workers (one in a priority group), two jobs, one hire and one no-show."""
    older = await check_in(store, clock, 1, priority_groups=["older"], priority_consent=True)
    other = await check_in(store, clock, 2)
    welder = await check_in(store, clock, 3, skills=["welder"])
    job = await post(store, clock, "j1", headcount=2)
    await post(store, clock, "j2", headcount=1, skills=["welder"], title="电焊")
    await drain(matcher)
    booked = {}
    for wid in (older, other, welder):
        [offer] = await store.offers_for_worker("kaili", wid)
        booked[wid] = (await store.accept_offer("kaili", offer["id"], worker_id=wid))["ref"]
    await store.record_outcome("kaili", job["id"], older, "hired")
    await store.record_outcome("kaili", job["id"], other, "no_show")
    return {"older": older, "other": other, "welder": welder, "job": job["id"]}


async def test_figures_per_skill_and_group(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await busy_day(store, clock, matcher)
    f = await rollup.compute(store, "kaili", DAY)
    assert f.totals["jobs_posted"] == 2 and f.totals["bookings"] == 3
    laborer, welder = f.skills["general_laborer"], f.skills["welder"]
    assert laborer == {
        "jobs_posted": 1,
        "headcount_posted": 2,
        "checkins": 2,
        "bookings": 2,
        "hired": 1,
        "no_shows": 1,
    }
    assert (welder["checkins"], welder["bookings"], welder["hired"]) == (1, 1, 0)
    assert f.skill_fill_rate("general_laborer") == 0.5
    older, none = f.groups["older"], f.groups[rollup.NO_GROUP]
    assert older == {
        "checkins": 1,
        "offered": 1,
        "short_of_offers": 1,
        "booked": 1,
        "hired": 1,
        "no_shows": 0,
    }
    assert (none["checkins"], none["booked"], none["no_shows"]) == (2, 2, 1)
    # Every check-in is in exactly one group or in "none".
    assert sum(g["checkins"] for g in f.groups.values()) == f.totals["checkins"] == 3
    assert f.source == "live" and f.complete


async def test_rolled_up_at_the_day_change_and_kept(
    store: Store, clock: FixedClock, matcher: Matcher, redis_url: str, tmp_path: Path
) -> None:
    await busy_day(store, clock, matcher)
    await store.roll_day("kaili")  # the first rollover of the service: nothing closed yet
    assert await store.redis.exists(store.keys("kaili").rollup(DAY)) == 0
    clock.set(clock.now().replace(hour=23, minute=59, second=59))
    clock.advance(seconds=2)  # 00:00:01 in Shanghai, the next day
    assert await rollup.unrolled_days(store, "kaili") == [DAY]
    await store.roll_day("kaili")
    assert await rollup.unrolled_days(store, "kaili") == []
    kept = await rollup.stored(store, "kaili", DAY)
    assert kept is not None and kept.source == "rollup" and kept.complete
    assert kept.rolled_at is not None and kept.rolled_at.startswith("2026-11-28T00:00:01")
    assert kept.totals["jobs_expired"] == 1  # the rollover closed the open job first
    assert kept.skills["general_laborer"]["hired"] == 1
    # The check-ins expire after DAY_TTL: the kept figures do not depend on them.
    await store.redis.delete(store.keys("kaili").checkins(DAY))
    assert (await rollup.compute(store, "kaili", DAY)).skills["general_laborer"]["checkins"] == 0
    # A restart: a new connection and store over the same server read the same figures.
    r2 = Redis.from_url(redis_url, decode_responses=True)
    try:
        store2 = Store(r2, make_settings(redis_url, tmp_path), FixedClock(clock.now()))
        again = await rollup.figures(store2, "kaili", DAY)
        assert again.source == "rollup"
        assert again.skills == kept.skills and again.groups == kept.groups
        assert again.totals == kept.totals
        assert again.groups["older"]["checkins"] == 1
        # Idempotent: a second rollover and a second roll-up keep the first copy.
        await store2.roll_day("kaili")
        assert (await rollup.roll_up(store2, "kaili", DAY)).rolled_at == kept.rolled_at
    finally:
        await r2.aclose()


async def test_today_is_live_and_cannot_be_rolled_up(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await busy_day(store, clock, matcher)
    with pytest.raises(ValueError, match="not closed"):
        await rollup.roll_up(store, "kaili", DAY)
    f = await rollup.figures(store, "kaili", DAY)
    assert f.source == "live" and f.totals["hired"] == 1


async def test_a_closed_day_without_its_checkins_is_marked_incomplete(
    store: Store, clock: FixedClock
) -> None:
    await check_in(store, clock, 1)
    await store.redis.delete(store.keys("kaili").checkins(DAY))
    clock.advance(days=1)
    f = await rollup.roll_up(store, "kaili", DAY)
    assert not f.complete and f.totals["checkins"] == 1


async def test_range_with_empty_days(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    await busy_day(store, clock, matcher)
    clock.advance(days=3)
    await store.roll_day("kaili")
    days = await rollup.range_figures(store, "kaili", "2026-11-26", "2026-11-30")
    assert [d.day for d in days] == rollup.days_between("2026-11-26", "2026-11-30")
    assert [d.totals["bookings"] for d in days] == [0, 3, 0, 0, 0]
    # Only a day with activity is rolled up; empty days read as zeros, never as errors.
    assert [d.source for d in days] == ["live", "rollup", "live", "live", "live"]
    total = rollup.combine(days, day="2026-11-26/2026-11-30", market="kaili")
    assert total.totals["bookings"] == 3 and total.totals["hired"] == 1
    assert total.totals["fill_rate"] == round(1 / 3, 4)
    assert total.skills["welder"]["bookings"] == 1
    assert total.totals["median_minutes_to_first_booking"] == 0
    # A quiet day is read without computing anything, and looks as if it had been.
    quiet = await rollup.compute(store, "kaili", "2026-11-26")
    assert days[0].totals == quiet.totals and days[0].groups == quiet.groups
    assert days[0].skills == quiet.skills == {} and days[0].complete


async def test_trim_keeps_events_of_days_not_rolled_up(store: Store, clock: FixedClock) -> None:
    k = store.keys("kaili")
    days = store.settings.retention_days
    seconds, _ = await store.redis.time()
    # An event of that day as the server sees it, older than the retention (planted
    # first: a stream only takes ids larger than its last).
    old_ms = (int(seconds) - (days + 2) * 86_400) * 1000
    await store.redis.xadd(k.events, {"type": "old"}, id=f"{old_ms}-0")
    await check_in(store, clock, 1)  # activity on 11-27 (stats kept, no roll-up)
    await store.redis.xadd(k.events, {"type": "new"})
    clock.advance(days=days + 3)
    # trim alone (no rollover): the un-rolled day's events stay.
    await store.trim("kaili")
    types = [e["type"] for _id, e in await store.redis.xrange(k.events)]
    assert "old" in types
    # After the roll-up the same trim removes them.
    await store.roll_day("kaili")
    types = [e["type"] for _id, e in await store.redis.xrange(k.events)]
    assert "old" not in types and "new" in types
    assert (await rollup.stored(store, "kaili", DAY)) is not None


async def test_two_matchers_rolling_up_the_same_day(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await busy_day(store, clock, matcher)
    clock.advance(days=1)
    a, b = await asyncio.gather(
        rollup.roll_up(store, "kaili", DAY), rollup.roll_up(store, "kaili", DAY)
    )
    kept = await rollup.stored(store, "kaili", DAY)
    assert kept is not None
    assert a.totals == b.totals == kept.totals and a.skills == b.skills == kept.skills
    assert a.groups == kept.groups and kept.complete
