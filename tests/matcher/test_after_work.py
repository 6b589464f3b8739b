"""What is settled after the work, at the store: questions due for a returning worker,
no-show states and reliability, the operators' review, ratings and blocks in matching."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import drain
from support.builders import checkin_body, job_body

from kiosk.web.validation import Context, parse_checkin, parse_job
from matcher.clock import FixedClock
from matcher.desk.after_work import questions_for, reliability, review_queue, show_up_incidents
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

KAILI = MARKETS["kaili"]


def ctx(clock: FixedClock) -> Context:
    return Context(clock, KAILI, default_taxonomy(), default_gazetteer())


async def post(store: Store, clock: FixedClock, rid: str, **kw: object) -> dict:  # type: ignore[type-arg]
    body = job_body(**kw)
    return (
        await store.post_job("kaili", parse_job(body, ctx(clock)), request_id=rid, fingerprint=body)
    ).value


async def check_in(store: Store, clock: FixedClock, n: int, rid: str = "", **kw: object) -> str:
    body = checkin_body(n, **kw)
    spec = parse_checkin(body, ctx(clock))
    result = await store.check_in(
        "kaili", spec, request_id=rid or f"c{n}-{clock.now().isoformat()}", fingerprint=body
    )
    return str(result.value["worker_id"])


async def booked(
    store: Store, clock: FixedClock, matcher: Matcher, n: int = 1, rid: str = "j1", **kw: object
) -> tuple[str, str, str]:
    """Worker n booked on a fresh one-place job: (worker id, job id, ticket ref)."""
    wid = await check_in(store, clock, n)
    job = await post(store, clock, rid, headcount=1, **kw)
    await drain(matcher)
    [offer] = [o for o in await store.offers_for_worker("kaili", wid) if o["job_id"] == job["id"]]
    ticket = await store.accept_offer("kaili", offer["id"], worker_id=wid)
    return wid, job["id"], ticket["ref"]


async def test_pay_is_asked_once_the_work_is_over(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "hired")
    # Hired at 09:30, the work ends at 17:00: not yet.
    assert await questions_for(store, "kaili", wid) == []
    clock.set(clock.now().replace(hour=17, minute=5))
    [q] = await questions_for(store, "kaili", wid)
    assert (q.ask, q.ticket["ref"]) == ("pay", ref)
    await store.report_pay("kaili", ref, paid="no")
    assert await questions_for(store, "kaili", wid) == []
    [record] = await store.arrears("kaili")
    assert record["ticket"] == ref and record["paid_yuan"] == 0


async def test_a_no_show_counts_only_once_the_worker_could_explain(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "no_show")
    [q] = await questions_for(store, "kaili", wid)
    assert q.ask == "noshow"
    # Not yet asked: it does not count.
    assert await reliability(store, "kaili", wid) == 0
    # A week without an answer: now it counts.
    clock.advance(days=7)
    assert await reliability(store, "kaili", wid) == 1
    # Explained: off the count, into the operators' queue.
    await store.worker_answer("kaili", ref, answer="explain", reason="sick")
    assert await reliability(store, "kaili", wid) == 0
    assert await questions_for(store, "kaili", wid) == []
    queue = await review_queue(store, "kaili")
    assert [t["ref"] for t in queue.explanations] == [ref] and queue.disputes == []
    # The operator rejects it: it counts; the queue is empty.
    ticket = await store.review_answer("kaili", ref, decision="rejected", by="op1")
    assert ticket["review"] == "rejected"
    assert await reliability(store, "kaili", wid) == 1
    assert (await review_queue(store, "kaili")).explanations == []
    with pytest.raises(ScriptError) as err:
        await store.review_answer("kaili", ref, decision="accepted", by="op1")
    assert err.value.code == "not_pending"
    # Thirty days on it is forgotten.
    clock.advance(days=24)
    assert await reliability(store, "kaili", wid) == 0


async def test_an_accepted_explanation_never_counts(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "no_show")
    await store.worker_answer("kaili", ref, answer="explain", reason="family")
    await store.review_answer("kaili", ref, decision="accepted", by="op1")
    clock.advance(days=10)
    assert await reliability(store, "kaili", wid) == 0
    # Answering twice is refused (the same answer again is a replay).
    again = await store.worker_answer("kaili", ref, answer="explain", reason="family")
    assert again["worker_answer"] == "explain"
    with pytest.raises(ScriptError) as err:
        await store.worker_answer("kaili", ref, answer="dispute", reason="boss_absent")
    assert err.value.code == "answered"


async def test_explaining_needs_a_no_show(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "hired")
    with pytest.raises(ScriptError) as err:
        await store.worker_answer("kaili", ref, answer="explain", reason="sick")
    assert err.value.code == "not_no_show"


async def test_a_rejected_not_there_dispute_lifts_the_incident(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "no_show")
    await store.worker_answer("kaili", ref, answer="dispute", reason="boss_absent")
    [employer] = await show_up_incidents(store, "kaili")
    assert employer["incidents"] == 1 and employer["not_there"] == 1
    assert [t["ref"] for t in (await review_queue(store, "kaili")).disputes] == [ref]
    # While the dispute waits, the no-show does not count, however long it waits.
    clock.advance(days=8)
    assert await reliability(store, "kaili", wid) == 0
    await store.review_answer("kaili", ref, decision="rejected", by="op1")
    assert await show_up_incidents(store, "kaili") == []
    assert await reliability(store, "kaili", wid) == 1


async def test_a_corrected_no_show_is_forgotten(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, _ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "no_show")
    await store.record_outcome("kaili", job, wid, "hired")
    profile = await store.get_profile("kaili", wid)
    assert profile is not None and profile["noshows"] == {}
    clock.set(clock.now().replace(hour=18))
    assert [q.ask for q in await questions_for(store, "kaili", wid)] == ["pay"]


async def test_history_travels_to_todays_checkin(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    """Blocks and ratings reach today's check-in at once (the matcher reads only it)."""
    wid, job, ref = await booked(store, clock, matcher)
    await store.record_outcome("kaili", job, wid, "hired")
    await store.rate("kaili", ref, by="worker", thumbs="down", reason="骂人", block=True)
    ck = await store.get_checkin_record("kaili", wid)
    record = await store.get_job_record("kaili", job)
    assert ck is not None and record is not None
    assert ck["blocked_employers"] == record["employer_id"]
    assert ck["wary_employers"] == record["employer_id"]
    # And to tomorrow's.
    clock.advance(days=1)
    await check_in(store, clock, 1, available_until=(clock.now() + timedelta(hours=9)).isoformat())
    ck = await store.get_checkin_record("kaili", wid)
    assert ck is not None and ck["blocked_employers"] == record["employer_id"]


async def _offered(
    store: Store, clock: FixedClock, matcher: Matcher, rid: str, **kw: object
) -> str:
    """Post a one-place job starting in an hour; the one worker it is offered to."""
    job = await post(
        store,
        clock,
        rid,
        headcount=1,
        start_at=(clock.now() + timedelta(hours=1)).isoformat(),
        end_at=(clock.now() + timedelta(hours=8)).isoformat(),
        interview_at=(clock.now() + timedelta(minutes=30)).isoformat(),
        **kw,
    )
    await drain(matcher)
    record = await store.get_job_record("kaili", job["id"])
    assert record is not None
    [worker] = record["offered"]
    return str(worker)


async def next_morning(
    store: Store, clock: FixedClock, matcher: Matcher, *workers: int
) -> list[str]:
    """The next day from 07:58, workers check in a minute apart (the first waits longest)."""
    clock.advance(days=1)
    clock.set(clock.now().replace(hour=7, minute=58))
    until = (clock.now() + timedelta(hours=10)).isoformat()
    ids = []
    for n in workers:
        ids.append(await check_in(store, clock, n, available_until=until))
        clock.advance(minutes=1)
    # No job yet: their own queue entries find nothing, and every job posted next is
    # offered by the rule's order (not by whose entry the matcher reads first).
    await drain(matcher)
    return ids


OTHER_BOSS = "13800000001"


async def test_rating_and_blocking_change_who_gets_offers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    """Three workers alike but for their history with one employer: c blocked them,
    b gave them a thumbs-down, a worked for someone else. One offer per place, so each
    job is offered to exactly the first by the rule."""
    object.__setattr__(store.settings, "offers_per_slot", 1)
    for n, rid, boss, thumbs, block in (
        (1, "a", OTHER_BOSS, "up", False),
        (2, "b", "13800000000", "down", False),
        (3, "c", "13800000000", "down", True),
    ):
        wid, job, ref = await booked(store, clock, matcher, n, rid, employer_phone=boss)
        await store.record_outcome("kaili", job, wid, "hired")
        await store.rate("kaili", ref, by="worker", thumbs=thumbs, reason="", block=block)
    # c waited longest, then b, then a.
    c, b, a = await next_morning(store, clock, matcher, 3, 2, 1)
    # The employer they rated: never c, b only after a.
    assert await _offered(store, clock, matcher, "e1") == a
    assert await _offered(store, clock, matcher, "e2") == b
    [offer] = await store.offers_for_worker("kaili", b)
    assert "差评" in offer["explanation"] and "thumbs-down" in offer["explanation_en"]
    # Anyone else's job: c, who waited longest, is first.
    assert await _offered(store, clock, matcher, "o1", employer_phone=OTHER_BOSS) == c


async def test_an_unexplained_no_show_lowers_rank_but_never_excludes(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    object.__setattr__(store.settings, "offers_per_slot", 1)
    a, job, ref = await booked(store, clock, matcher, 1, "first")
    await store.record_outcome("kaili", job, a, "no_show")
    await store.worker_answer("kaili", ref, answer="confirm", reason="")
    assert await reliability(store, "kaili", a) == 1
    # a waited longer, but carries an unexplained no-show: b is offered first ...
    a, b = await next_morning(store, clock, matcher, 1, 2)
    assert await _offered(store, clock, matcher, "d2-1") == b
    [offer] = await store.offers_for_worker("kaili", b)
    assert "没说明" not in offer["explanation"]
    # ... and a is still offered the next job, with the reason in the explanation.
    assert await _offered(store, clock, matcher, "d2-2") == a
    [offer] = await store.offers_for_worker("kaili", a)
    assert "1 次没来且没说明原因" in offer["explanation"]
    assert "unexplained no-show" in offer["explanation_en"]
