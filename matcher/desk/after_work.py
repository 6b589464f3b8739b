"""What is still to be settled after a day's work, read from the store: the questions a
returning worker is asked at the kiosk, the operators' queue of disputes and no-show
explanations, and employers with show-up incidents.

Every write goes through ``Store`` (one Lua script, ``AFTER_WORK``); this module only
reads and decides what is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from matcher.clock import day_key, local_day
from matcher.matching.scoring import counted_no_shows
from matcher.store.facade import Store
from matcher.store.records import loads, ticket_public

Ask = Literal["pay", "noshow", "unmarked"]
# An interview the employer never marked is asked about this long after its time (the
# boss may still mark it at the desk), and for this many days back.
UNMARKED_AFTER = timedelta(hours=2)
UNMARKED_DAYS = 7


@dataclass(frozen=True, slots=True)
class Question:
    """One after-work question for a worker: ``pay`` ("工钱拿到了吗?") after a hire,
    ``noshow`` ("老板说您没来") after a no-show, ``unmarked`` ("面试怎么样了?") when the
    employer never said how the interview went (often: the boss was not there)."""

    ask: Ask
    ticket: dict[str, Any]


def question_for(ticket: dict[str, Any], now: datetime) -> Question | None:
    """What to ask about one ticket now, if anything. Pay is asked once the work is
    over: a ticket of an earlier day, or today's after its end time."""
    status = ticket.get("status")
    if status == "no_show" and not ticket.get("worker_answer"):
        return Question("noshow", ticket)
    if status == "booked" and not ticket.get("worker_answer") and not ticket.get("worker_said"):
        return (
            Question("unmarked", ticket)
            if _past(ticket, "interview_at", now, UNMARKED_AFTER)
            else None
        )
    if status == "hired" and not ticket.get("pay") and _past(ticket, "end_at", now):
        return Question("pay", ticket)
    return None


def _past(
    ticket: dict[str, Any], field: str, now: datetime, after: timedelta = timedelta(0)
) -> bool:
    """A ticket of an earlier day, or today's once its ``field`` (an ISO time) and
    ``after`` have passed."""
    if str(ticket.get("day", "")) < day_key(now):
        return True
    at = ticket.get(field)
    if not isinstance(at, str):
        return False
    try:
        return datetime.fromisoformat(at) + after <= now
    except ValueError:
        return False


async def questions_for(store: Store, market: str, worker_id: str) -> list[Question]:
    """A returning worker's open questions, oldest first (the profile lists the tickets
    that still wait for them; the ticket itself says whether it is due)."""
    k = store.keys(market)
    today = local_day(store.clock.now())
    days = [(today - timedelta(days=n)).isoformat() for n in range(UNMARKED_DAYS, -1, -1)]
    # Bookings of the last days, oldest first, read from that day's check-in (kept for a
    # week): a booking the employer never marked is in no after-work list. With them,
    # the profile: one round trip.
    async with store.redis.pipeline(transaction=False) as p:
        for day in days:
            p.hget(k.checkins(day), worker_id)
        p.hget(k.workers, worker_id)
        *checkins, raw_profile = await p.execute()
    booked = [str(ck["booking"]) for r in checkins if (ck := loads(r)) and ck.get("booking")]
    refs = list(dict.fromkeys(booked))
    profile = loads(raw_profile) or {}
    refs += [r for r in str(profile.get("after_work", "")).split() if r not in refs]
    if not refs:
        return []
    raw = await store.redis.hmget(k.tickets, refs)
    now = store.clock.now()
    out = []
    for r in raw:
        ticket = loads(r)
        if ticket is None or ticket.get("worker_id") != worker_id:
            continue
        q = question_for(ticket_public(ticket), now)
        if q is not None:
            out.append(q)
    return out


async def ticket_question(store: Store, market: str, ref: str) -> Question | None:
    """The question a ticket's own link opens (the slip's "工钱没拿到?")."""
    ticket = await store.get_ticket(market, ref)
    return None if ticket is None else question_for(ticket, store.clock.now())


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    """Worker answers waiting for an operator."""

    disputes: list[dict[str, Any]]
    explanations: list[dict[str, Any]]


async def review_queue(store: Store, market: str) -> ReviewQueue:
    tickets = await store.disputes(market)
    tickets.sort(key=lambda t: int(t.get("worker_answer_ms", 0)))
    return ReviewQueue(
        disputes=[t for t in tickets if t.get("worker_answer") == "dispute"],
        explanations=[t for t in tickets if t.get("worker_answer") == "explain"],
    )


async def show_up_incidents(store: Store, market: str) -> list[dict[str, Any]]:
    """Employers who cancelled after bookings were confirmed, or whose job "was not
    there" (a worker's dispute), most incidents first."""
    raw = await store.redis.hgetall(store.keys(market).employers)
    employers = [e for r in raw.values() if (e := loads(r)) is not None]
    out = [e for e in employers if int(e.get("incidents", 0) or 0) > 0]
    out.sort(key=lambda e: (-int(e.get("incidents", 0)), str(e.get("name", ""))))
    return out


async def reliability(store: Store, market: str, worker_id: str) -> int:
    """No-shows counted against a worker today (the matching rule's reliability part)."""
    profile = await store.get_profile(market, worker_id)
    noshows = (profile or {}).get("noshows")
    return counted_no_shows(noshows, store.today()) if isinstance(noshows, dict) else 0


__all__ = [
    "Question",
    "ReviewQueue",
    "question_for",
    "questions_for",
    "reliability",
    "review_queue",
    "show_up_incidents",
    "ticket_question",
]
