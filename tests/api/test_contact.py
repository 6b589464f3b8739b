"""A hall people can trust all day (issue 14): people can reach each other, and an offer
never changes silently.

The store and its scripts (sealed numbers, reveals in the audit trail, outcomes not
before the interview, no two bookings at once, ratings only of a decided ticket, why an
offer went, job codes), the same rules through the JSON API, and the kiosk's screens
(parsed HTML): the ticket with the employer's full number, the signed public ticket
link, a gone offer's card and the next offer's, the booking shown again, the job code.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import MORNING, drain
from support.builders import at, checkin_body, job_body

from kiosk.web.qr import link_expiry, sign_ticket, ticket_link_valid
from kiosk.web.validation import Context, parse_checkin, parse_job
from matcher.clock import TZ, FixedClock, to_ms
from matcher.desk import audit
from matcher.desk.phones import PhoneBox, employer_binding, worker_binding
from matcher.markets import MARKETS
from matcher.matching.batch import _withdraw
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.keys import CODE_TRIES_MAX
from matcher.store.records import loads
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

EMPLOYER = "13812345678"
WORKER = "13900000001"  # checkin_body(1)
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def ctx(clock: FixedClock) -> Context:
    return Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())


async def post(store: Store, clock: FixedClock, rid: str, **kw: Any) -> dict[str, Any]:
    body = job_body(employer_phone=EMPLOYER, **kw)
    result = await store.post_job(
        "kaili", parse_job(body, ctx(clock)), request_id=rid, fingerprint=body
    )
    return dict(result.value)


async def check_in(store: Store, clock: FixedClock, n: int = 1, **kw: Any) -> str:
    body = checkin_body(n, **kw)
    result = await store.check_in(
        "kaili", parse_checkin(body, ctx(clock)), request_id=f"c{n}-{sorted(kw)}", fingerprint=body
    )
    return str(result.value["worker_id"])


async def pending_offer(store: Store, wid: str) -> dict[str, Any]:
    [offer] = [o for o in await store.offers_for_worker("kaili", wid) if o["status"] == "pending"]
    return offer


async def booked(
    store: Store, clock: FixedClock, matcher: Matcher, **job: Any
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Worker 1 booked on a one-place job: (worker, job, ticket)."""
    wid = await check_in(store, clock)
    posted = await post(store, clock, "j-booked", headcount=1, **job)
    await drain(matcher)
    offer = await pending_offer(store, wid)
    ticket = await store.accept_offer("kaili", offer["id"], worker_id=wid)
    return wid, posted, ticket


async def dump(store: Store) -> str:
    """Every value the market's keys hold, as one text."""
    out = []
    async for key in store.redis.scan_iter(match="kz:*"):
        kind = await store.redis.type(key)
        if kind == "hash":
            out += [f"{k}={v}" for k, v in (await store.redis.hgetall(key)).items()]
        elif kind == "string":
            out.append(str(await store.redis.get(key)))
        elif kind == "stream":
            out += [str(fields) for _id, fields in await store.redis.xrange(key)]
    return "\n".join(out)


# -- sealed numbers ---------------------------------------------------------------------


def test_a_sealed_number_opens_only_for_its_record_and_key() -> None:
    box = PhoneBox("one secret")
    sealed = box.seal(EMPLOYER, employer_binding("j1"))
    assert EMPLOYER not in sealed and sealed.startswith("p1:")
    assert box.open(sealed, employer_binding("j1")) == EMPLOYER
    # Copied onto another record, or opened with another key: nothing.
    assert box.open(sealed, employer_binding("j2")) is None
    assert box.open(sealed, worker_binding("j1")) is None
    assert PhoneBox("another secret").open(sealed, employer_binding("j1")) is None
    # The same number sealed twice looks different: seals cannot be matched up.
    assert box.seal(EMPLOYER, employer_binding("j1")) != sealed
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    for junk in (tampered, "p1:", "p1:!!", "x" * 40, None, 12):
        assert box.open(junk, employer_binding("j1")) is None
    with pytest.raises(ValueError):
        PhoneBox("")


async def test_full_numbers_are_never_stored_in_the_clear(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ticket = await booked(store, clock, matcher)
    text = await dump(store)
    assert EMPLOYER not in text and WORKER not in text
    assert not FULL_PHONE.search(text), FULL_PHONE.findall(text)
    raw = loads(await store.redis.hget(store.keys("kaili").tickets, ticket["ref"]))
    assert raw is not None and raw["employer_phone_enc"] and raw["worker_phone_enc"]
    # Public views carry the masked forms only.
    assert not {k for k in ticket if k.endswith("_enc")}
    assert ticket["employer_phone_masked"] == "138****5678"
    public = await store.get_job("kaili", job["id"])
    assert public is not None and "code" not in public and "employer_phone_enc" not in public
    assert "phone_enc" not in str(await store.get_checkin("kaili", wid))


async def test_each_reveal_is_audited_and_a_cancelled_booking_reveals_nothing(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ticket = await booked(store, clock, matcher)
    ref = ticket["ref"]
    assert await store.reveal_phone("kaili", ref, whose="employer", device="kiosk-1") == EMPLOYER
    assert await store.reveal_phone("kaili", ref, whose="worker") == WORKER
    entries = await audit.recent(store.redis, markets={"kaili"})
    assert [(e.action, e.target, e.role, e.after["whose"]) for e in entries] == [
        ("phone.reveal", ref, "employer", "worker"),
        ("phone.reveal", ref, "worker", "employer"),
    ]
    assert entries[1].who == wid and entries[1].after["device"] == "kiosk-1"
    record = await store.get_job_record("kaili", job["id"])
    assert record is not None and entries[0].who == record["employer_id"]
    await store.cancel_job("kaili", job["id"])
    assert await store.reveal_phone("kaili", ref, whose="employer") is None
    assert len(await audit.recent(store.redis, markets={"kaili"})) == 2


# -- outcomes from the interview on -----------------------------------------------------


async def test_no_outcome_before_the_interview(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, _ticket = await booked(store, clock, matcher, interview_at=at("09:30"))
    with pytest.raises(ScriptError) as err:
        await store.record_outcome("kaili", job["id"], wid, "no_show")
    assert err.value.code == "too_early"
    assert (await store.stats("kaili", "2026-11-27"))["no_shows"] == 0
    clock.set(MORNING.replace(minute=30))
    assert (await store.record_outcome("kaili", job["id"], wid, "hired"))["status"] == "hired"


# -- never two bookings at once ---------------------------------------------------------


async def test_a_second_booking_that_overlaps_is_refused(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    # Hired for the morning (interview 09:00, work 10:00-12:00), then back for more work.
    wid, morning, _ticket = await booked(
        store, clock, matcher, start_at=at("10:00"), end_at=at("12:00")
    )
    await store.record_outcome("kaili", morning["id"], wid, "hired")
    await check_in(store, clock, 1, again=True)
    assert (await store.get_checkin("kaili", wid) or {})["status"] == "available"
    # A job at the same time is not offered...
    overlap = await post(
        store,
        clock,
        "j-overlap",
        headcount=1,
        interview_at=at("10:30"),
        start_at=at("11:00"),
        end_at=at("15:00"),
    )
    await drain(matcher)
    assert [
        o for o in await store.offers_for_worker("kaili", wid) if o["status"] == "pending"
    ] == []
    # ... and, offered anyway (another path), not accepted.
    k = store.keys("kaili")
    made = await store.scripts.create_offers(
        k,
        day="2026-11-27",
        job_id=overlap["id"],
        now_ms=to_ms(clock.now()),
        expires_ms=to_ms(clock.now() + timedelta(minutes=15)),
        offers_per_slot=2,
        max_pending=1,
        offers=[(wid, "oforced", '{"score": 1, "explanation": "x"}')],
    )
    assert made.value["made"] == "" and made.value["skipped"] == f"{wid}:worker_overlap"
    forced = {
        "id": "oforced",
        "job_id": overlap["id"],
        "worker_id": wid,
        "status": "pending",
        "day": "2026-11-27",
        "created_ms": to_ms(clock.now()),
        "expires_ms": to_ms(clock.now()) + 900_000,
    }
    await store.redis.hset(k.offers, "oforced", json.dumps(forced))
    with pytest.raises(ScriptError) as err:
        await store.accept_offer("kaili", "oforced", worker_id=wid)
    assert err.value.code == "worker_overlap"
    # Work whose interview is after the morning's work ends is fine.
    await post(
        store,
        clock,
        "j-later",
        headcount=1,
        interview_at=at("12:30"),
        start_at=at("13:00"),
        end_at=at("17:00"),
    )
    await drain(matcher)
    later = await pending_offer(store, wid)
    assert (await store.accept_offer("kaili", later["id"], worker_id=wid))["status"] == "booked"


# -- ratings only of a decided ticket ---------------------------------------------------


async def test_an_employer_rates_only_a_decided_ticket(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, job, ticket = await booked(store, clock, matcher)
    with pytest.raises(ScriptError) as err:
        await store.rate("kaili", ticket["ref"], by="employer", thumbs="up", reason="", block=False)
    assert err.value.code == "rate_after_outcome"
    await store.record_outcome("kaili", job["id"], wid, "no_show")
    rated = await store.rate(
        "kaili", ticket["ref"], by="employer", thumbs="down", reason="", block=False
    )
    assert rated["ratings"]["employer"]["thumbs"] == "down"


# -- why an offer went ------------------------------------------------------------------


async def test_a_withdrawn_offer_keeps_why(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    # Moved by the batch pass, to raise the day's fills.
    a = await check_in(store, clock, 1)
    await post(store, clock, "j-moved", headcount=1)
    await drain(matcher)
    moved = await pending_offer(store, a)
    await _withdraw(matcher.engine, "kaili", moved["id"])
    # Cancelled by the employer.
    cancelled = await post(store, clock, "j-cancelled", headcount=1, title="招小工干一天")
    await drain(matcher)
    offer = await pending_offer(store, a)
    assert offer["job_id"] == cancelled["id"]
    await store.cancel_job("kaili", cancelled["id"])
    reasons = {
        o["id"]: (o["status"], o.get("reason")) for o in await store.offers_for_worker("kaili", a)
    }
    assert reasons == {moved["id"]: ("withdrawn", "moved"), offer["id"]: ("withdrawn", "cancelled")}
    # Filled: of two people asked for one place, the other is told so.
    b = await check_in(store, clock, 2)
    c = await check_in(store, clock, 3)
    filled = await post(store, clock, "j-filled", headcount=1, title="招小工搬东西")
    k = store.keys("kaili")
    now = to_ms(clock.now())
    # Both asked at once (the matcher's own choice of whom to ask is its business).
    await store.scripts.create_offers(
        k,
        day="2026-11-27",
        job_id=filled["id"],
        now_ms=now,
        expires_ms=now + 900_000,
        offers_per_slot=2,
        max_pending=1,
        offers=[(w, f"o{w[-6:]}", '{"score": 1, "explanation": "x"}') for w in (b, c)],
    )
    await store.accept_offer("kaili", f"o{b[-6:]}", worker_id=b)
    [gone] = [o for o in await store.offers_for_worker("kaili", c) if o["job_id"] == filled["id"]]
    assert (gone["status"], gone["reason"]) == ("withdrawn", "filled")


# -- the job code -----------------------------------------------------------------------


async def test_a_job_code_opens_its_job_and_is_locked_after_guessing(
    store: Store, clock: FixedClock
) -> None:
    job = await post(store, clock, "j-code")
    code = job["code"]
    assert re.fullmatch(r"\d{6}", code) and await store.job_code("kaili", job["id"]) == code
    assert await store.check_job_code("kaili", job["id"], code) == "ok"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(CODE_TRIES_MAX - 1):
        assert await store.check_job_code("kaili", job["id"], wrong) == "wrong"
    assert await store.check_job_code("kaili", job["id"], wrong) == "locked"
    # Locked: the right code waits too.
    assert await store.check_job_code("kaili", job["id"], code) == "locked"


# -- the signed public link -------------------------------------------------------------


def test_a_ticket_link_is_signed_for_one_ticket_and_expires() -> None:
    until = link_expiry("2026-11-27")
    assert until == int(datetime(2026, 12, 5, tzinfo=TZ).timestamp())  # a week after the day
    sig = sign_ticket("s", "kaili", "KL1127-001", until)
    now = MORNING
    assert ticket_link_valid("s", "kaili", "KL1127-001", str(until), sig, now)
    assert not ticket_link_valid("s", "kaili", "KL1127-002", str(until), sig, now)
    assert not ticket_link_valid("s", "liping", "KL1127-001", str(until), sig, now)
    assert not ticket_link_valid("other", "kaili", "KL1127-001", str(until), sig, now)
    assert not ticket_link_valid("s", "kaili", "KL1127-001", str(until + 86400), sig, now)
    assert not ticket_link_valid("s", "kaili", "KL1127-001", "soon", sig, now)
    later = MORNING + timedelta(days=8)
    assert ticket_link_valid(
        "s", "kaili", "KL1127-001", str(until), sig, later - timedelta(hours=10)
    )
    assert not ticket_link_valid("s", "kaili", "KL1127-001", str(until), sig, later)


# -- sealed numbers are kept only as long as they serve ---------------------------------


async def test_sealed_numbers_go_a_week_after_the_day_and_on_request(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    _wid, job, ticket = await booked(store, clock, matcher)
    ref = ticket["ref"]
    k = store.keys("kaili")

    async def sealed() -> set[str]:
        raw_job = loads(await store.redis.hget(k.jobs, job["id"])) or {}
        raw_ticket = loads(await store.redis.hget(k.tickets, ref)) or {}
        return {f for f in (*raw_job, *raw_ticket) if f.endswith("_enc")}

    assert await sealed() == {"employer_phone_enc", "worker_phone_enc"}
    # A week on, the links have expired: still there the day before the scrub...
    clock.set(MORNING + timedelta(days=7))
    assert (await store.trim("kaili"))["phones"] == 0
    assert await store.reveal_phone("kaili", ref, whose="employer") == EMPLOYER
    # ... gone the day after, masks kept.
    clock.set(MORNING + timedelta(days=8))
    assert (await store.trim("kaili"))["phones"] == 2
    assert await sealed() == set()
    assert await store.reveal_phone("kaili", ref, whose="employer") is None
    assert (await store.get_ticket("kaili", ref) or {})["worker_phone_masked"] == "139****0001"


async def test_a_forgotten_worker_leaves_no_sealed_number(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    wid, _job, ticket = await booked(store, clock, matcher)
    clock.set(MORNING + timedelta(days=1))
    assert await store.forget_worker("kaili", wid) == 1  # the profile; no check-in today
    raw = loads(await store.redis.hget(store.keys("kaili").tickets, ticket["ref"])) or {}
    assert "worker_phone_enc" not in raw and raw["worker_phone_masked"] == "139****0001"
    yesterday = await store.get_checkin_record("kaili", wid, "2026-11-27")
    assert yesterday is not None and "phone_enc" not in yesterday
    assert WORKER not in await dump(store)
