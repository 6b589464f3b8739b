"""Today's figures for the operators (matcher.matching.funnel) against the real store."""

from __future__ import annotations

from conftest import drain
from support.builders import at, checkin_body, job_body

from kiosk.web.validation import Context, parse_checkin, parse_job
from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.funnel import FUNNEL_STAGES, LOSSES, STALE_JOB_MIN, market_today
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy


def ctx(clock: FixedClock) -> Context:
    return Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())


async def post(store: Store, clock: FixedClock, rid: str, **kw: object) -> dict:  # type: ignore[type-arg]
    body = job_body(**kw)
    result = await store.post_job(
        "kaili", parse_job(body, ctx(clock)), request_id=rid, fingerprint=body
    )
    return dict(result.value)


async def check_in(store: Store, clock: FixedClock, n: int, **kw: object) -> str:
    body = checkin_body(n, **kw)
    result = await store.check_in(
        "kaili", parse_checkin(body, ctx(clock)), request_id=f"c{n}", fingerprint=body
    )
    return str(result.value["worker_id"])


async def accept_first(store: Store, wid: str) -> dict:  # type: ignore[type-arg]
    [offer] = [o for o in await store.offers_for_worker("kaili", wid) if o["status"] == "pending"]
    return await store.accept_offer("kaili", offer["id"], worker_id=wid)


async def test_an_empty_day(store: Store) -> None:
    today = await market_today(store, "kaili")
    assert today.day == "2026-11-27"
    assert [s.key for s in today.funnel] == list(FUNNEL_STAGES)
    assert [(s.count, s.of_previous) for s in today.funnel] == [(0, None)] * 6
    assert today.losses == dict.fromkeys(LOSSES, 0)
    assert today.fill_rate == 0.0
    assert today.median_minutes_to_first_booking is None
    assert today.median_minutes_to_fill is None
    assert (today.open_jobs, today.waiting, today.skills) == ((), (), ())


async def test_the_funnel_from_check_in_to_pay(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    workers = [await check_in(store, clock, n) for n in (1, 2, 3)]
    job = await post(store, clock, "j1", headcount=2)
    await drain(matcher)
    clock.advance(minutes=7)
    # Two of the three offered workers take the job; it fills in 7 minutes.
    booked: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    for wid in workers:
        if len(booked) < 2 and await store.offers_for_worker("kaili", wid):
            booked.append((wid, await accept_first(store, wid)))
    assert len(booked) == 2
    (hired, ticket), (absent, _) = booked
    await store.record_outcome("kaili", job["id"], hired, "hired")
    await store.record_outcome("kaili", job["id"], absent, "no_show")
    await store.report_pay("kaili", ticket["ref"], paid="yes")
    await store.worker_answer("kaili", ticket["ref"], answer="dispute", reason="boss_absent")

    today = await market_today(store, "kaili")
    funnel = {s.key: s.count for s in today.funnel}
    assert funnel["checked_in"] == 3
    assert 2 <= funnel["offered"] <= 3
    assert (funnel["booked"], funnel["interviewed"], funnel["hired"], funnel["paid"]) == (
        2,
        1,
        1,
        1,
    )
    shares = {s.key: s.of_previous for s in today.funnel}
    assert shares["checked_in"] is None
    assert shares["interviewed"] == 0.5 and shares["hired"] == 1.0
    # Dropping out is counted beside the funnel, on both sides.
    assert today.losses["no_shows"] == 1
    assert today.losses["employer_no_shows"] == 1
    assert today.fill_rate == 0.5  # one hired of two posted
    assert today.median_minutes_to_first_booking == 7
    assert today.median_minutes_to_fill == 7
    # The no-show reopened the job: one place open again, one held.
    [aging] = today.open_jobs
    assert (aging.id, aging.remaining, aging.booked, aging.stale) == (job["id"], 1, 1, False)


async def test_pay_not_received_is_no_confirmation(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid = await check_in(store, clock, 1)
    job = await post(store, clock, "j1", headcount=1)
    await drain(matcher)
    ticket = await accept_first(store, wid)
    await store.record_outcome("kaili", job["id"], wid, "hired")
    await store.report_pay("kaili", ticket["ref"], paid="no")
    today = await market_today(store, "kaili")
    assert [s.count for s in today.funnel][-2:] == [1, 0]
    assert today.losses["arrears_reported"] == 1
    # A dispute that is not about a missing employer is no employer no-show.
    await store.worker_answer("kaili", ticket["ref"], answer="dispute", reason="wage")
    assert (await market_today(store, "kaili")).losses["employer_no_shows"] == 0


async def test_open_jobs_oldest_first_flagged_after_an_hour(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    old = await post(store, clock, "j1", skills=["bricklayer"], title="砌墙")
    clock.advance(minutes=STALE_JOB_MIN + 1)
    new = await post(
        store,
        clock,
        "j2",
        skills=["tiler"],
        title="贴砖",
        start_at=at("11:00"),
        interview_at=at("10:30"),
    )
    clock.advance(minutes=2)
    today = await market_today(store, "kaili")
    assert [j.id for j in today.open_jobs] == [old["id"], new["id"]]
    assert [(j.age_min, j.stale) for j in today.open_jobs] == [
        (STALE_JOB_MIN + 3, True),
        (2, False),
    ]
    assert (today.open_jobs_total, today.stale_jobs) == (2, 1)
    assert today.open_jobs[0].skill == "bricklayer" and today.open_jobs[0].title == "砌墙"
    # A cancelled job is not open.
    await store.cancel_job("kaili", old["id"])
    assert [j.id for j in (await market_today(store, "kaili")).open_jobs] == [new["id"]]


async def test_workers_waiting_longest_without_an_offer(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    # Nobody posts cooking jobs: these two wait, the first the longest.
    first = await check_in(store, clock, 1, skills=["chef"], name="张")
    clock.advance(minutes=30)
    second = await check_in(store, clock, 2, skills=["chef"])
    # A laborer gets one offer: still short of three recommendations, but not "no offer".
    await check_in(store, clock, 3)
    await post(store, clock, "j1", headcount=1, interview_at=at("09:30"))
    await drain(matcher)
    clock.advance(minutes=10)
    today = await market_today(store, "kaili")
    assert [w.id for w in today.waiting] == [first, second]
    assert [w.waited_min for w in today.waiting] == [40, 10]
    assert today.waiting[0].phone_masked == "139****0001" and today.waiting[0].name == "张"
    assert today.waiting[0].skills == ("chef",)
    assert (today.looking, today.waiting_no_offer, today.short_of_goal) == (3, 2, 3)
    assert "13900000001" not in repr(today)


async def test_skills_short_today(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    await post(store, clock, "j1", skills=["bricklayer"], headcount=3)
    await check_in(store, clock, 1, skills=["bricklayer", "general_laborer"])
    await check_in(store, clock, 2)
    await check_in(store, clock, 3)
    today = await market_today(store, "kaili")
    rows = {s.skill: s for s in today.skills}
    brick = rows["bricklayer"]
    assert (brick.posted, brick.checked_in, brick.open_places, brick.waiting) == (3, 1, 3, 1)
    assert brick.short and brick.gap == 2
    laborer = rows["general_laborer"]
    assert (laborer.posted, laborer.checked_in, laborer.open_places) == (0, 3, 0)
    assert not laborer.short
    assert today.short_skills == ("bricklayer",)
    assert today.skills[0].skill == "bricklayer"  # the shortest first


async def test_yesterday_is_not_today(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    await check_in(store, clock, 1, skills=["chef"])
    await post(store, clock, "j1", skills=["bricklayer"])
    clock.advance(days=1)
    today = await market_today(store, "kaili")
    assert today.day == "2026-11-28"
    assert (today.open_jobs, today.waiting, today.skills) == ((), (), ())
    assert today.funnel[0].count == 0
