"""The store and its Lua scripts against a real server: the same-day loop's states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import drain
from support.builders import at, checkin_body, job_body

from kiosk.web.validation import Context, parse_checkin, parse_job
from matcher.clock import FixedClock, to_ms
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

KAILI = MARKETS["kaili"]


def ctx(clock: FixedClock) -> Context:
    return Context(clock, KAILI, default_taxonomy(), default_gazetteer())


async def post(store: Store, clock: FixedClock, rid: str = "r1", **kw: object) -> dict:
    body = job_body(**kw)
    result = await store.post_job(
        "kaili", parse_job(body, ctx(clock)), request_id=rid, fingerprint=body
    )
    return result.value


async def check_in(store: Store, clock: FixedClock, n: int = 1, **kw: object) -> str:
    body = checkin_body(n, **kw)
    spec = parse_checkin(body, ctx(clock))
    result = await store.check_in("kaili", spec, request_id=f"c{n}-{len(kw)}", fingerprint=body)
    return str(result.value["worker_id"])


async def test_post_job_is_idempotent_on_request_id(store: Store, clock: FixedClock) -> None:
    first = await post(store, clock, "same")
    again = await post(store, clock, "same")
    assert again["id"] == first["id"]
    assert len(await store.list_jobs("kaili")) == 1
    with pytest.raises(ScriptError) as err:
        await post(store, clock, "same", headcount=3)
    assert err.value.code == "idempotency_conflict"
    stats = await store.stats("kaili", "2026-11-27")
    assert stats["jobs_posted"] == 1 and stats["headcount_posted"] == 2


async def test_the_whole_loop(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    wid = await check_in(store, clock, 1)
    job = await post(store, clock)
    assert await drain(matcher) >= 1
    offers = await store.offers_for_worker("kaili", wid)
    assert [o["job_id"] for o in offers] == [job["id"]]
    assert offers[0]["status"] == "pending"
    assert "技能相符" in offers[0]["explanation"]
    ticket = await store.accept_offer("kaili", offers[0]["id"], worker_id=wid)
    assert ticket["ref"].startswith("KL1127-")
    assert ticket["interview_place"] == "3号洽谈桌"
    view = await store.get_job("kaili", job["id"])
    assert view is not None
    assert view["remaining"] == 1
    assert view["bookings"] == [
        {
            "worker_id": wid,
            "ticket": ticket["ref"],
            "status": "booked",
            "worker_name": "李",
            "worker_phone_masked": "139****0001",
            "employer_rating": None,  # not rated yet
        }
    ]
    checkin = await store.get_checkin("kaili", wid)
    assert checkin is not None and checkin["status"] == "booked"
    # Accepting again gives the same ticket, not a second booking.
    again = await store.accept_offer("kaili", offers[0]["id"], worker_id=wid)
    assert again["ref"] == ticket["ref"]
    await store.record_outcome("kaili", job["id"], wid, "hired")
    stats = await store.stats("kaili", "2026-11-27")
    assert stats["hired"] == 1 and stats["bookings"] == 1 and stats["offers"] == 1
    assert stats["fill_rate"] == 0.5


async def test_new_checkin_is_matched_against_open_jobs(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    job = await post(store, clock)
    await drain(matcher)
    wid = await check_in(store, clock, 7)
    await drain(matcher)
    offers = await store.offers_for_worker("kaili", wid)
    assert [o["job_id"] for o in offers] == [job["id"]]


async def test_hard_constraints_keep_offers_away(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    greedy = await check_in(store, clock, 1, min_wage_yuan=500)
    other_skill = await check_in(store, clock, 2, skills=["welder"])
    far = await check_in(store, clock, 3, township="522631001", reach="county")
    gone = await check_in(store, clock, 4, available_until="2026-11-27T09:30:00+08:00")
    fine = await check_in(store, clock, 5)
    await post(store, clock)
    await drain(matcher)
    for wid in (greedy, other_skill, far, gone):
        assert await store.offers_for_worker("kaili", wid) == []
    assert len(await store.offers_for_worker("kaili", fine)) == 1


async def test_longest_waiting_first_among_equals(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    early = await check_in(store, clock, 1)
    clock.advance(minutes=40)
    late = await check_in(store, clock, 2)
    clock.advance(minutes=1)
    # One place, one offer per place: only the earlier worker is asked.
    matcher.settings = matcher.store.settings = _with(matcher.settings, offers_per_slot=1)
    await post(store, clock, headcount=1, interview_at=at("09:50"))
    await drain(matcher)
    assert len(await store.offers_for_worker("kaili", early)) == 1
    assert await store.offers_for_worker("kaili", late) == []


def _with(settings, **kw):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(settings, **kw)


async def test_decline_reoffers_to_the_next_worker(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    matcher.settings = matcher.store.settings = _with(matcher.settings, offers_per_slot=1)
    first = await check_in(store, clock, 1)
    clock.advance(minutes=5)
    second = await check_in(store, clock, 2)
    await post(store, clock, headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", first)
    assert await store.offers_for_worker("kaili", second) == []
    await store.decline_offer("kaili", offer["id"], worker_id=first)
    await drain(matcher)
    assert len(await store.offers_for_worker("kaili", second)) == 1
    assert (await store.get_checkin("kaili", first))["status"] == "available"  # type: ignore[index]


async def test_offers_expire_and_are_made_again(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid = await check_in(store, clock, 1)
    job = await post(store, clock, headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", wid)
    clock.advance(minutes=store.settings.offer_ttl_minutes + 1)
    with pytest.raises(ScriptError) as err:
        await store.accept_offer("kaili", offer["id"], worker_id=wid)
    assert err.value.code == "offer_expired"
    assert await store.expire_offers("kaili") == 0  # already settled by the accept attempt
    view = await store.get_job("kaili", job["id"])
    assert view is not None and view["offers_pending"] == 0
    stats = await store.stats("kaili", "2026-11-27")
    assert stats["offers"] == 1


async def test_expiry_sweep(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    wid = await check_in(store, clock, 1)
    await post(store, clock, headcount=1)
    await drain(matcher)
    clock.advance(minutes=store.settings.offer_ttl_minutes + 1)
    assert await store.expire_offers("kaili") == 1
    [offer] = await store.offers_for_worker("kaili", wid)
    assert offer["status"] == "expired"
    assert (await store.get_checkin("kaili", wid))["status"] == "available"  # type: ignore[index]
    assert (await store.stats("kaili", "2026-11-27"))["offers_expired"] == 1


async def test_filled_job_withdraws_other_offers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    a = await check_in(store, clock, 1)
    b = await check_in(store, clock, 2)
    job = await post(store, clock, headcount=1)
    await drain(matcher)
    [offer_a] = await store.offers_for_worker("kaili", a)
    await store.accept_offer("kaili", offer_a["id"], worker_id=a)
    [offer_b] = await store.offers_for_worker("kaili", b)
    assert offer_b["status"] == "withdrawn"
    with pytest.raises(ScriptError) as err:
        await store.accept_offer("kaili", offer_b["id"], worker_id=b)
    assert err.value.code == "offer_withdrawn"
    view = await store.get_job("kaili", job["id"])
    assert view is not None and view["status"] == "filled" and view["remaining"] == 0


async def test_booking_withdraws_the_workers_other_offers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    matcher.settings = matcher.store.settings = _with(matcher.settings, max_pending_offers=3)
    wid = await check_in(store, clock, 1)
    j1 = await post(store, clock, "a")
    j2 = await post(store, clock, "b", title="另一个工地")
    await drain(matcher)
    offers = await store.offers_for_worker("kaili", wid)
    assert {o["job_id"] for o in offers} == {j1["id"], j2["id"]}
    await store.accept_offer("kaili", offers[0]["id"], worker_id=wid)
    statuses = sorted(o["status"] for o in await store.offers_for_worker("kaili", wid))
    assert statuses == ["accepted", "withdrawn"]
    with pytest.raises(ScriptError) as err:
        await store.accept_offer("kaili", offers[1]["id"], worker_id=wid)
    assert err.value.code == "offer_withdrawn"


async def test_accept_checks_the_offer_belongs_to_the_worker(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid = await check_in(store, clock, 1)
    other = await check_in(store, clock, 2, skills=["welder"])
    await post(store, clock)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", wid)
    with pytest.raises(ScriptError) as err:
        await store.accept_offer("kaili", offer["id"], worker_id=other)
    assert err.value.code == "no_offer"


async def test_cancel_releases_booked_workers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid = await check_in(store, clock, 1)
    job = await post(store, clock)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", wid)
    ticket = await store.accept_offer("kaili", offer["id"], worker_id=wid)
    await store.cancel_job("kaili", job["id"])
    view = await store.get_job("kaili", job["id"])
    assert view is not None and view["status"] == "cancelled"
    assert (await store.get_ticket("kaili", ticket["ref"]))["status"] == "cancelled"  # type: ignore[index]
    assert (await store.get_checkin("kaili", wid))["status"] == "available"  # type: ignore[index]
    assert await store.list_jobs("kaili", status="open") == []
    # Cancelling again is a no-op, not an error.
    assert (await store.cancel_job("kaili", job["id"])).replay


async def test_not_hired_reopens_a_filled_job(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    a = await check_in(store, clock, 1)
    job = await post(store, clock, headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", a)
    await store.accept_offer("kaili", offer["id"], worker_id=a)
    assert (await store.get_job("kaili", job["id"]))["status"] == "filled"  # type: ignore[index]
    await store.record_outcome("kaili", job["id"], a, "not_hired", "不合适")
    view = await store.get_job("kaili", job["id"])
    assert view is not None and view["status"] == "open" and view["remaining"] == 1
    assert (await store.get_checkin("kaili", a))["status"] == "available"  # type: ignore[index]
    # A correction moves the counters with it.
    await store.record_outcome("kaili", job["id"], a, "hired")
    stats = await store.stats("kaili", "2026-11-27")
    assert (stats["hired"], stats["not_hired"]) == (1, 0)
    view = await store.get_job("kaili", job["id"])
    assert view is not None and view["status"] == "filled" and view["remaining"] == 0


async def test_no_show_is_counted(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    a = await check_in(store, clock, 1)
    job = await post(store, clock, headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", a)
    await store.accept_offer("kaili", offer["id"], worker_id=a)
    await store.record_outcome("kaili", job["id"], a, "no_show")
    assert (await store.stats("kaili", "2026-11-27"))["no_shows"] == 1
    assert (await store.get_checkin("kaili", a))["status"] == "released"  # type: ignore[index]


async def test_day_boundary(store: Store, clock: FixedClock, matcher: Matcher) -> None:
    """At midnight open jobs expire, check-ins clear, and the day's counts stay."""
    wid = await check_in(store, clock, 1)
    open_job = await post(store, clock, "open", headcount=5, skills=["welder"], title="电焊")
    filled = await post(store, clock, "filled", headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", wid)
    await store.accept_offer("kaili", offer["id"], worker_id=wid)
    clock.set(clock.now().replace(hour=23, minute=59, second=59))
    assert len(await store.list_jobs("kaili", status="open")) == 1
    clock.advance(seconds=2)  # 00:00:01 the next day
    assert await store.list_jobs("kaili", status="open") == []
    assert await store.get_checkin("kaili", wid) is None
    assert await store.roll_day("kaili") == 2
    assert (await store.get_job("kaili", open_job["id"]))["status"] == "expired"  # type: ignore[index]
    assert (await store.get_job("kaili", filled["id"]))["status"] == "closed"  # type: ignore[index]
    old = await store.stats("kaili", "2026-11-27")
    assert (old["jobs_posted"], old["bookings"], old["jobs_expired"]) == (2, 1, 1)
    new = await store.stats("kaili", "2026-11-28")
    assert new["jobs_posted"] == 0
    assert await store.roll_day("kaili") == 0


async def test_checkin_again_updates_without_losing_waiting_time(
    store: Store, clock: FixedClock
) -> None:
    wid = await check_in(store, clock, 1)
    first = await store.get_checkin("kaili", wid)
    clock.advance(minutes=30)
    again = await check_in(store, clock, 1, skills=["bricklayer"], min_wage_yuan=250)
    assert again == wid
    second = await store.get_checkin("kaili", wid)
    assert first is not None and second is not None
    assert second["checked_in_at"] == first["checked_in_at"]
    assert second["skills"] == ["bricklayer"] and second["min_wage_yuan"] == 250
    assert (await store.stats("kaili", "2026-11-27"))["checkins"] == 1


async def test_phone_numbers_are_not_stored(store: Store, clock: FixedClock) -> None:
    await check_in(store, clock, 1)
    await post(store, clock)
    dump = []
    async for key in store.redis.scan_iter("*"):
        kind = await store.redis.type(key)
        if kind == "hash":
            dump.append(str(await store.redis.hgetall(key)))
        elif kind == "string":
            dump.append(str(await store.redis.get(key)))
    text = "\n".join(dump)
    assert "13900000001" not in text and "13800000000" not in text
    assert "139****0001" in text


async def test_refuses_an_evicting_server(store: Store) -> None:
    await store.redis.config_set("maxmemory-policy", "allkeys-lru")
    try:
        with pytest.raises(RuntimeError, match="noeviction"):
            await store.probe()
    finally:
        await store.redis.config_set("maxmemory-policy", "noeviction")


def test_clock_helpers() -> None:
    from matcher.clock import day_end, day_key, day_start

    c = FixedClock(__import__("conftest").MORNING)
    c.set(c.now().replace(hour=23, minute=59))
    assert day_key(c.now()) == "2026-11-27"
    assert day_end(c.now()) - c.now() == timedelta(minutes=1)
    assert day_end(c.now()) - day_start(c.now()) == timedelta(days=1)
    assert day_start(c.now()).isoformat() == "2026-11-27T00:00:00+08:00"


async def test_retention_trims_old_events_and_offers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    k = store.keys("kaili")
    # Stream ids carry the server's time, which tests cannot move: plant an old event
    # first (a stream only takes ids larger than its last).
    seconds, _micros = await store.redis.time()
    old_ms = (int(seconds) - (store.settings.retention_days + 2) * 86_400) * 1000
    await store.redis.xadd(k.events, {"type": "ancient"}, id=f"{old_ms}-0")
    wid = await check_in(store, clock, 1)
    job = await post(store, clock)
    await drain(matcher)
    assert len(await store.offers_for_worker("kaili", wid)) == 1
    # Thirty-one days later the day rolls over: the day's figures stay, the rest goes.
    # Retention counts market days: that day's events go too (their own stamps say so,
    # though the server's clock has hardly moved), the rollover's own stay.
    clock.advance(days=store.settings.retention_days + 1)
    await store.roll_day("kaili")
    cutoff = to_ms(clock.now()) - store.settings.retention_days * 86_400_000
    left = [e for _id, e in await store.redis.xrange(k.events)]
    assert not [e for e in left if e.get("type") == "ancient"]
    assert left and all(int(e["at"]) >= cutoff for e in left), left
    assert await store.redis.hlen(k.offers) == 0
    assert (await store.stats("kaili", "2026-11-27"))["offers"] == 1
    assert await store.get_job_record("kaili", job["id"]) is not None


async def test_forget_a_worker(store: Store, clock: FixedClock) -> None:
    wid = await check_in(store, clock, 1)
    assert await store.get_profile("kaili", wid) is not None
    assert await store.forget_worker("kaili", wid) == 2
    assert await store.get_profile("kaili", wid) is None
    assert await store.get_checkin("kaili", wid) is None


async def test_rollover_closes_a_filled_job_when_nothing_is_open(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    """Yesterday's filled job is found by its day's index (it is not among the open
    ones); the close names that job's own day."""
    wid = await check_in(store, clock, 1)
    job = await post(store, clock, "filled", headcount=1)
    await drain(matcher)
    [offer] = await store.offers_for_worker("kaili", wid)
    await store.accept_offer("kaili", offer["id"], worker_id=wid)
    clock.advance(days=1)
    assert await store.roll_day("kaili") == 1
    record = await store.get_job_record("kaili", job["id"])
    assert record is not None and record["status"] == "closed"


async def test_a_write_the_server_has_no_script_for_is_sent_again_once(
    store: Store, clock: FixedClock
) -> None:
    # A restart or failover forgets the scripts: the write comes back NOSCRIPT, the script
    # is loaded, the write sent again and applied once; the connection that carried the
    # refusal (and the wait behind it) stays in step for whatever uses it next.
    await post(store, clock, "before")
    await store.redis.script_flush()
    job = await post(store, clock, "after")
    assert await store.redis.ping()
    for _ in range(5):
        record = await store.get_job_record("kaili", job["id"])
        assert record is not None and record["id"] == job["id"]
    assert len(await store.list_jobs("kaili")) == 2
    assert (await store.stats("kaili", "2026-11-27"))["jobs_posted"] == 2
