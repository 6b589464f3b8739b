"""Simulated market days: earlier days reach the forecast through the store, and a small
day played through the real store, queue and engine stays within the offline optimum."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis

from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.forecast import forecast_from, load_forecast, minute_of_day
from matcher.matching.worker import Matcher
from matcher.sim.simulate import (
    HISTORY_DAYS,
    START,
    generate,
    history,
    history_records,
    post_history,
    run_day,
)
from matcher.store.facade import Store
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

TAX, GAZ = default_taxonomy(), default_gazetteer()


async def test_earlier_days_are_posted_on_their_dates_and_read_back_by_the_forecast(
    redis: Redis, store: Store, clock: FixedClock
) -> None:
    clock.set(START)
    earlier = history(0, TAX, GAZ, jobs=6)
    assert len(earlier) == HISTORY_DAYS
    assert await post_history(earlier, store, clock, TAX) == 6 * HISTORY_DAYS
    assert clock.now() == START
    k = store.keys("kaili")
    day = store.today()
    assert await redis.zcard(k.jobs_day(day)) == 0  # nothing posted today
    loaded = await load_forecast(redis, k, day, GAZ)
    assert loaded.days_seen == HISTORY_DAYS
    places = sum(j.headcount for d in earlier for j in d.jobs)
    assert sum(p.weight for p in loaded.places) * HISTORY_DAYS == pytest.approx(places)
    # The server-free records the match benchmark uses say the same (true skills there,
    # parsed ones in the store: compare when and how many).
    offline = forecast_from(day, history_records(earlier), GAZ)
    assert {p.posted_min for p in offline.places} == {p.posted_min for p in loaded.places}
    assert sum(p.weight for p in offline.places) == pytest.approx(places / HISTORY_DAYS)
    assert all(p.posted_min >= minute_of_day(int(START.timestamp() * 1000)) for p in loaded.places)


async def test_a_small_day_with_history_stays_within_the_optimum(
    redis: Redis, store: Store, clock: FixedClock
) -> None:
    clock.set(START)
    matcher = Matcher(store, list(MARKETS), name="sim-test")
    await matcher.ensure_groups()
    await post_history(history(3, TAX, GAZ, jobs=12), store, clock, TAX)
    day = generate(3, TAX, GAZ, workers=40, jobs=12)
    result = await run_day(day, store, matcher, clock, TAX)
    assert clock.now() > START + timedelta(hours=4)
    assert 0 < result["fills"] <= result["optimum"] <= result["places"]
    assert result["wrong_skill_bookings"] <= 1
