"""Today's figures of one market for the operators' live page: the funnel from check-in
to pay, fill rate and times, open jobs by age, workers still waiting, skills in short
supply.

Everything is read from the day's own keys: the daily counters (``Store.stats``), the
jobs posted today (``jobs:day:{d}``), today's check-ins (``checkins:{d}``), which carry
each worker's offer ids, and the tickets of today's bookings (what the worker said
after work: pay received, "the boss was not there"). Each read is bounded by the size of
one market day; no offer records are read.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from matcher.clock import day_key, to_ms
from matcher.store.facade import Store
from matcher.store.keys import STATS_COUNTERS
from matcher.store.records import loads, strs

# A job open this long with nobody booked is flagged for the operators.
STALE_JOB_MIN = 60
# The policy: every registered worker looking for work gets at least this many job
# recommendations.
RECOMMENDATIONS_GOAL = 3
# Rows of each list the page shows (the totals always count every row).
LIST_LIMIT = 20

FUNNEL_STAGES = ("checked_in", "offered", "booked", "interviewed", "hired", "paid")
# Where people drop out of the funnel, shown beside it rather than hidden.
LOSSES = (
    "declined",
    "offers_expired",
    "bookings_cancelled",
    "no_shows",
    "employer_no_shows",
    "not_hired",
    "arrears_reported",
    "jobs_expired",
    "jobs_cancelled",
)
# Check-in states of a worker still looking for work today.
WAITING = frozenset({"available", "offered"})
# A worker's dispute that means the employer did not turn up.
EMPLOYER_ABSENT = frozenset({"no_job", "boss_absent"})


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    count: int
    # Share of the previous stage that reached this one (None for the first stage or
    # when the previous one is empty).
    of_previous: float | None


@dataclass(frozen=True, slots=True)
class AgingJob:
    id: str
    title: str
    skill: str
    headcount: int
    remaining: int
    booked: int  # places held now (booked or hired)
    pending_offers: int
    age_min: int
    stale: bool  # open past STALE_JOB_MIN with nobody holding a place


@dataclass(frozen=True, slots=True)
class WaitingWorker:
    id: str
    name: str
    phone_masked: str
    skills: tuple[str, ...]
    waited_min: int
    offers: int


@dataclass(frozen=True, slots=True)
class SkillBalance:
    skill: str
    posted: int  # headcount posted today
    checked_in: int  # workers checked in today with this skill
    open_places: int  # places still open now
    waiting: int  # workers with this skill still looking now

    @property
    def gap(self) -> int:
        return self.open_places - self.waiting

    @property
    def short(self) -> bool:
        return self.open_places > self.waiting


@dataclass(frozen=True, slots=True)
class MarketToday:
    market: str
    day: str
    now_ms: int
    counts: dict[str, int]
    funnel: tuple[Stage, ...]
    losses: dict[str, int]
    fill_rate: float
    median_minutes_to_first_booking: float | None
    median_minutes_to_fill: float | None
    open_jobs: tuple[AgingJob, ...]  # oldest first, at most LIST_LIMIT
    open_jobs_total: int
    stale_jobs: int
    waiting: tuple[WaitingWorker, ...]  # no offer yet, longest waiting first
    waiting_no_offer: int
    short_of_goal: int  # still looking, fewer than RECOMMENDATIONS_GOAL offers
    looking: int  # checked in and still looking
    skills: tuple[SkillBalance, ...]  # most short first

    @property
    def short_skills(self) -> tuple[str, ...]:
        return tuple(s.skill for s in self.skills if s.short)


def _stages(counts: dict[str, int], offered_workers: int, paid: int) -> tuple[Stage, ...]:
    values = {
        "checked_in": counts["checkins"],
        "offered": offered_workers,
        "booked": counts["bookings"],
        # A no-show is no interview; hired and not hired both sat one.
        "interviewed": counts["hired"] + counts["not_hired"],
        "hired": counts["hired"],
        "paid": paid,
    }
    stages: list[Stage] = []
    previous: int | None = None
    for key in FUNNEL_STAGES:
        n = values[key]
        share = round(n / previous, 4) if previous else None
        stages.append(Stage(key, n, share))
        previous = n
    return tuple(stages)


def _median(values: list[str]) -> float | None:
    return statistics.median(map(int, values)) if values else None


async def market_today(store: Store, market: str) -> MarketToday:
    k = store.keys(market)
    now = store.clock.now()
    day = day_key(now)
    now_ms = to_ms(now)
    async with store.redis.pipeline(transaction=False) as p:
        p.hgetall(k.stats(day))
        p.lrange(k.minutes_to_booking(day), 0, -1)
        p.lrange(k.minutes_to_fill(day), 0, -1)
        p.zrange(k.jobs_day(day), 0, -1)
        p.hgetall(k.checkins(day))
        raw_stats, ttb, ttf, job_ids, raw_checkins = await p.execute()
    counts = {name: int(raw_stats.get(name, 0)) for name in STATS_COUNTERS}
    ids = strs(job_ids)
    jobs = [j for r in (await store.redis.hmget(k.jobs, ids) if ids else []) if (j := loads(r))]
    checkins = [c for r in raw_checkins.values() if (c := loads(r)) is not None]
    refs = [ref for j in jobs for ref in (j.get("bookings") or {}).values()]
    raw_tickets = await store.redis.hmget(k.tickets, refs) if refs else []
    tickets = [t for r in raw_tickets if (t := loads(r)) is not None]
    return summarise(market, day, now_ms, counts, strs(ttb), strs(ttf), jobs, checkins, tickets)


def summarise(
    market: str,
    day: str,
    now_ms: int,
    counts: dict[str, int],
    ttb: list[str],
    ttf: list[str],
    jobs: list[dict[str, Any]],
    checkins: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
) -> MarketToday:
    """The figures from records already read."""
    paid = sum(1 for t in tickets if t.get("status") == "hired" and t.get("pay") == "yes")
    # Counted until an operator's review finds the job was there after all.
    employer_absent = sum(
        1
        for t in tickets
        if t.get("worker_answer") == "dispute"
        and t.get("worker_reason") in EMPLOYER_ABSENT
        and t.get("review") != "rejected"
    )
    offers_of = {c["worker_id"]: len(str(c.get("offers", "")).split()) for c in checkins}
    looking = [c for c in checkins if c.get("status") in WAITING]

    open_jobs = sorted(
        (j for j in jobs if j.get("status") == "open" and j.get("day") == day),
        key=lambda j: (int(j["created_ms"]), j["id"]),
    )
    aging = []
    for j in open_jobs:
        age = max(0, (now_ms - int(j["created_ms"])) // 60_000)
        booked = int(j.get("active", 0))
        aging.append(
            AgingJob(
                id=j["id"],
                title=str(j.get("title", "")),
                skill=(j.get("skills") or [""])[0],
                headcount=int(j["headcount"]),
                remaining=int(j["remaining"]),
                booked=booked,
                pending_offers=int(j.get("pending", 0)),
                age_min=age,
                stale=age >= STALE_JOB_MIN and booked == 0,
            )
        )

    no_offer = sorted(
        (c for c in looking if offers_of[c["worker_id"]] == 0),
        key=lambda c: (int(c.get("checked_in_ms", 0)), c["worker_id"]),
    )
    waiting = tuple(
        WaitingWorker(
            id=c["worker_id"],
            name=str(c.get("name", "")),
            phone_masked=str(c.get("phone_masked", "")),
            skills=tuple(c.get("skills") or ()),
            waited_min=max(0, (now_ms - int(c.get("checked_in_ms", now_ms))) // 60_000),
            offers=0,
        )
        for c in no_offer[:LIST_LIMIT]
    )

    return MarketToday(
        market=market,
        day=day,
        now_ms=now_ms,
        counts=counts,
        funnel=_stages(counts, sum(1 for n in offers_of.values() if n), paid),
        losses={
            name: employer_absent if name == "employer_no_shows" else counts[name]
            for name in LOSSES
        },
        fill_rate=(
            round(counts["hired"] / counts["headcount_posted"], 4)
            if counts["headcount_posted"]
            else 0.0
        ),
        median_minutes_to_first_booking=_median(ttb),
        median_minutes_to_fill=_median(ttf),
        open_jobs=tuple(aging[:LIST_LIMIT]),
        open_jobs_total=len(aging),
        stale_jobs=sum(1 for a in aging if a.stale),
        waiting=waiting,
        waiting_no_offer=len(no_offer),
        short_of_goal=sum(1 for c in looking if offers_of[c["worker_id"]] < RECOMMENDATIONS_GOAL),
        looking=len(looking),
        skills=_skill_balance(jobs, open_jobs, checkins, looking),
    )


def _skill_balance(
    jobs: list[dict[str, Any]],
    open_jobs: list[dict[str, Any]],
    checkins: list[dict[str, Any]],
    looking: list[dict[str, Any]],
) -> tuple[SkillBalance, ...]:
    # A job asks for its main skill (the first); a worker offers every skill they named.
    posted: dict[str, int] = {}
    places: dict[str, int] = {}
    for j in jobs:
        if j.get("status") in ("review", "rejected") or not j.get("skills"):
            continue
        main = j["skills"][0]
        posted[main] = posted.get(main, 0) + int(j["headcount"])
    for j in open_jobs:
        if j.get("skills"):
            main = j["skills"][0]
            places[main] = places.get(main, 0) + int(j["remaining"])
    checked: dict[str, int] = {}
    for c in checkins:
        for s in set(c.get("skills") or ()):
            checked[s] = checked.get(s, 0) + 1
    free: dict[str, int] = {}
    for c in looking:
        for s in set(c.get("skills") or ()):
            free[s] = free.get(s, 0) + 1
    rows = [
        SkillBalance(s, posted.get(s, 0), checked.get(s, 0), places.get(s, 0), free.get(s, 0))
        for s in set(posted) | set(places) | set(checked)
    ]
    rows.sort(key=lambda r: (-r.gap, -r.posted, r.skill))
    return tuple(rows)
