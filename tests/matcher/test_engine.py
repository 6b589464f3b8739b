"""The engine end to end on a real server: no offer ever breaks a hard constraint."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from conftest import drain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from support.builders import checkin_body, drawn_checkin_body, drawn_job_body, job_body
from test_scoring import naive_eligible
from test_store import ctx, post

from kiosk.web.validation import parse_checkin, parse_job
from matcher.clock import FixedClock, iso, to_ms
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store

PLACES = ["522601100", "522601105", "522601001", "522601", "522631001", "522627002"]
SKILLS = ["general_laborer", "bricklayer", "welder"]

people = st.lists(
    st.fixed_dictionaries(
        {
            "skills": st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True),
            "township": st.sampled_from(PLACES),
            "reach": st.sampled_from(["township", "county", "prefecture"]),
            "min_wage_yuan": st.sampled_from([0, 150, 200, 260]),
            "until": st.sampled_from(["09:40", "12:00", "18:00"]),
        }
    ),
    min_size=1,
    max_size=12,
)
posts = st.lists(
    st.fixed_dictionaries(
        {
            "skills": st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True),
            "township": st.sampled_from(PLACES),
            "wage_yuan": st.sampled_from([160, 200, 250]),
            "headcount": st.integers(1, 3),
            "start": st.sampled_from(["10:00", "13:00"]),
        }
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(crowd=people, jobs=posts, order=st.booleans())
async def test_no_offer_breaks_a_hard_constraint(
    redis: Redis,
    store: Store,
    clock: FixedClock,
    crowd: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    order: bool,
) -> None:
    await redis.flushdb()
    clock.set(clock.now().replace(hour=9, minute=0))
    matcher = Matcher(store, list(MARKETS), name="prop")
    await matcher.ensure_groups()
    c = ctx(clock)

    async def check_ins() -> None:
        for n, p in enumerate(crowd, 1):
            body = drawn_checkin_body(n, p)
            await store.check_in(
                "kaili", parse_checkin(body, c), request_id=f"c{n}", fingerprint=body
            )

    async def post_jobs() -> None:
        for i, j in enumerate(jobs):
            body = drawn_job_body(i, j)
            await store.post_job("kaili", parse_job(body, c), request_id=f"j{i}", fingerprint=body)

    if order:
        await check_ins()
        await post_jobs()
    else:
        await post_jobs()
        await check_ins()
    while await matcher.consume_once("kaili"):
        pass
    offers = [
        o
        for raw in (await redis.hgetall(store.keys("kaili").offers)).values()
        if (o := __import__("json").loads(raw))
    ]
    day = store.today()
    for o in offers:
        job = await store.get_job_record("kaili", o["job_id"])
        ck = await store.get_checkin_record("kaili", o["worker_id"], day)
        assert job is not None and ck is not None
        ref_job = {
            "skills": job["skills"],
            "township": job["township"],
            "wage": job["wage_day_yuan"],
            "start": to_ms(__import__("datetime").datetime.fromisoformat(job["start_at"])),
            "employer_id": job["employer_id"],
        }
        ref_worker = {
            "skills": ck["skills"],
            "township": ck["township"],
            "reach": ck["reach"],
            "min_wage": ck["min_wage_yuan"],
            "until": ck["available_until_ms"],
            "checked_in": ck["checked_in_ms"],
            "blocked": set(ck.get("blocked_employers", "").split()),
        }
        assert naive_eligible(ref_job, ref_worker), (o, job, ck)
    # Caps: offers per job within remaining x k, per worker within max pending.
    for job_id in {o["job_id"] for o in offers}:
        job = await store.get_job_record("kaili", job_id)
        assert job is not None
        mine = [o for o in offers if o["job_id"] == job_id and o["status"] == "pending"]
        assert len(mine) == job["pending"] <= job["remaining"] * store.settings.offers_per_slot
    for wid in {o["worker_id"] for o in offers}:
        mine = [o for o in offers if o["worker_id"] == wid and o["status"] == "pending"]
        assert len(mine) <= store.settings.max_pending_offers


# -- keep for scarce work -----------------------------------------------------------------


async def _yesterdays_welding_job(store: Store, clock: FixedClock) -> None:
    """Yesterday a welder was wanted at 11:00: the forecast expects one later today."""
    today = clock.now()
    yesterday = today.replace(hour=11, minute=0) - timedelta(days=1)
    clock.set(yesterday)
    body = job_body(
        skills=["welder"],
        headcount=1,
        title="电焊工",
        start_at=iso(yesterday.replace(hour=13)),
        interview_at=iso(yesterday.replace(hour=12, minute=30)),
        end_at=iso(yesterday.replace(hour=17)),
    )
    await store.post_job("kaili", parse_job(body, ctx(clock)), request_id="y1", fingerprint=body)
    clock.set(today)


async def _two_labourers(store: Store, clock: FixedClock, *, only_welder: bool = False) -> None:
    """Worker 1 (labourer and welder) has waited longest; worker 2 is a labourer only."""
    c = ctx(clock)
    crowd = [["general_laborer", "welder"]] if only_welder else [
        ["general_laborer", "welder"], ["general_laborer"]
    ]  # fmt: skip
    for n, skills in enumerate(crowd, 1):
        body = checkin_body(n, skills=skills)
        await store.check_in("kaili", parse_checkin(body, c), request_id=f"c{n}", fingerprint=n)
        clock.set(clock.now() + timedelta(minutes=1))


async def _offered(redis: Redis, store: Store) -> list[str]:
    raw = await redis.hgetall(store.keys("kaili").offers)
    phones = {
        ck["worker_id"]: ck["phone_masked"]
        for r in (await redis.hgetall(store.keys("kaili").checkins(store.today()))).values()
        if (ck := json.loads(r))
    }
    return sorted(phones[o["worker_id"]][-1] for r in raw.values() if (o := json.loads(r)))


async def test_a_worker_needed_for_later_work_steps_back_for_one_who_is_not(
    redis: Redis, store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await _yesterdays_welding_job(store, clock)
    await _two_labourers(store, clock)
    await drain(matcher)
    await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    # Without the rule both would be asked (two offers a place), worker 1 first.
    assert await _offered(redis, store) == ["2"]


async def test_without_earlier_days_the_published_order_alone_decides(
    redis: Redis, store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await _two_labourers(store, clock)
    await drain(matcher)
    await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    assert await _offered(redis, store) == ["1", "2"]


async def test_a_held_worker_is_still_asked_when_no_one_else_fits(
    redis: Redis, store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await _yesterdays_welding_job(store, clock)
    await _two_labourers(store, clock, only_welder=True)
    await drain(matcher)
    await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    assert await _offered(redis, store) == ["1"]


async def test_a_held_worker_checking_in_takes_only_places_nobody_is_asked_for(
    redis: Redis, store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await _yesterdays_welding_job(store, clock)
    c = ctx(clock)
    body = checkin_body(2, skills=["general_laborer"])
    await store.check_in("kaili", parse_checkin(body, c), request_id="c2", fingerprint=2)
    await drain(matcher)
    await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    assert await _offered(redis, store) == ["2"]
    # The welder arrives: the one place is being asked of worker 2 already.
    body = checkin_body(1, skills=["general_laborer", "welder"])
    await store.check_in("kaili", parse_checkin(body, c), request_id="c1", fingerprint=1)
    await drain(matcher)
    assert await _offered(redis, store) == ["2"]
    # A second place nobody is asked for: the welder is asked after all.
    await post(store, clock, "j2", headcount=1, employer_phone="13800000009")
    await drain(matcher)
    assert await _offered(redis, store) == ["1", "2"]


async def test_operators_can_turn_the_rule_off(
    redis: Redis, store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await _yesterdays_welding_job(store, clock)
    store.settings = replace(store.settings, hold_forecast_days=0)
    await _two_labourers(store, clock)
    await drain(matcher)
    await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    assert await _offered(redis, store) == ["1", "2"]


async def test_the_tick_brings_the_pool_up_to_date_off_the_match_path(
    store: Store, matcher: Matcher, clock: FixedClock, monkeypatch: Any
) -> None:
    """After a burst of check-ins the pool catches up in the matcher's tick, a batch of
    events at a time, so the next job's match does not pay for the backlog."""
    import matcher.matching.engine as engine_module

    monkeypatch.setattr(engine_module, "EVENT_BATCH", 2)
    pool = await matcher.engine.pool("kaili")
    assert len(pool.ids) == 0
    for n in range(1, 6):
        await store.check_in(
            "kaili",
            parse_checkin(checkin_body(n), ctx(clock)),
            request_id=f"c{n}",
            fingerprint=n,
        )
    await matcher.tick()
    assert len(pool.ids) == 5
    last = await store.redis.xrevrange(store.keys("kaili").events, count=1)
    assert matcher.engine._cursor["kaili"] == str(last[0][0])
