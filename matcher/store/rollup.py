"""Daily figures rolled up at the day's end and kept.

The day's counters (``stats:{d}``) are counted as things happen and kept, but the
figures per skill and per priority group need the day's check-ins, which expire
``DAY_TTL`` after the day. So at the day rollover each closed day's figures are
computed from its records (the jobs posted that day, their tickets, the day's
check-ins) and written once to ``rollup:{d}``. History reads the roll-up of a closed
day and computes live figures only for today (or for a closed day the rollover has not
reached yet); the events stream is trimmed only past days already rolled up.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from matcher.clock import iso
from matcher.store.keys import STATS_COUNTERS
from matcher.store.records import loads, strs

if TYPE_CHECKING:
    from matcher.store.facade import Store

# The published policy groups a worker may ask to be counted in (with consent), and
# "none" for everyone else, so the groups add up to the day's check-ins.
PRIORITY_GROUPS = ("long_waiting", "low_income", "disabled", "older", "relocated", "veteran")
NO_GROUP = "none"
# The policy asks that every registered unemployed worker gets at least this many job
# recommendations (offers) a day: the roll-up counts who got fewer.
RECOMMENDATIONS_ASKED = 3

SKILL_FIGURES = ("jobs_posted", "headcount_posted", "checkins", "bookings", "hired", "no_shows")
GROUP_FIGURES = ("checkins", "offered", "short_of_offers", "booked", "hired", "no_shows")
# A range longer than this is refused by the pages (a year and a day).
MAX_RANGE_DAYS = 366

Source = Literal["rollup", "live"]


@dataclass(slots=True)
class DayFigures:
    """One market's figures for one day, or a sum over days and markets."""

    day: str
    market: str
    totals: dict[str, Any]
    skills: dict[str, dict[str, int]] = field(default_factory=dict)
    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    minutes_to_fill: list[int] = field(default_factory=list)
    minutes_to_first_booking: list[int] = field(default_factory=list)
    source: Source = "live"
    # False when the day's check-ins had already expired when it was computed: the
    # per-skill supply and per-group figures are then missing, not zero.
    complete: bool = True
    rolled_at: str | None = None
    # The day's counters moved after its roll-up (an outcome recorded the next
    # morning): the totals are the kept counters as they are now, the per-skill and
    # per-group figures are as at the day's end.
    changed_after_rollup: bool = False

    def skill_fill_rate(self, skill: str) -> float:
        s = self.skills.get(skill, {})
        return (
            round(s.get("hired", 0) / s["headcount_posted"], 4)
            if s.get("headcount_posted")
            else 0.0
        )


def _fill_rate(hired: int, headcount: int) -> float:
    return round(hired / headcount, 4) if headcount else 0.0


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


async def compute(store: Store, market: str, day: str) -> DayFigures:
    """The day's figures from its records, as they are now."""
    k = store.keys(market)
    r = store.redis
    async with r.pipeline(transaction=False) as p:
        p.zrange(k.jobs_day(day), 0, -1)
        p.hgetall(k.checkins(day))
        p.lrange(k.minutes_to_fill(day), 0, -1)
        p.lrange(k.minutes_to_booking(day), 0, -1)
        p.hgetall(k.stats(day))
        job_ids, raw_checkins, ttf, ttb, raw_stats = await p.execute()
    totals = counters(market, day, raw_stats, ttf, ttb)
    job_ids = strs(job_ids)
    jobs = [j for raw in (await r.hmget(k.jobs, job_ids) if job_ids else []) if (j := loads(raw))]
    checkins = [c for raw in raw_checkins.values() if (c := loads(raw))]
    refs = [ref for j in jobs for ref in j.get("bookings", {}).values()]
    tickets = [t for raw in (await r.hmget(k.tickets, refs) if refs else []) if (t := loads(raw))]
    skills: dict[str, Counter[str]] = defaultdict(Counter)
    for job in jobs:
        for skill in job.get("skills", []):
            skills[skill]["jobs_posted"] += 1
            skills[skill]["headcount_posted"] += int(job.get("headcount", 0))
    for ck in checkins:
        for skill in ck.get("skills", []):
            skills[skill]["checkins"] += 1
    for t in tickets:
        for skill in t.get("skills", []):
            skills[skill]["bookings"] += 1
            skills[skill]["hired"] += t.get("status") == "hired"
            skills[skill]["no_shows"] += t.get("status") == "no_show"
    groups: dict[str, Counter[str]] = {g: Counter() for g in (*PRIORITY_GROUPS, NO_GROUP)}
    worker_groups: dict[str, list[str]] = {}
    for ck in checkins:
        named = [g for g in str(ck.get("priority_groups", "")).split() if g in groups]
        mine = named if named and ck.get("priority_consent") else [NO_GROUP]
        worker_groups[str(ck.get("worker_id", ""))] = mine
        offers = len(str(ck.get("offers", "")).split())
        for g in mine:
            groups[g]["checkins"] += 1
            groups[g]["offered"] += offers > 0
            groups[g]["short_of_offers"] += offers < RECOMMENDATIONS_ASKED
    for t in tickets:
        for g in worker_groups.get(str(t.get("worker_id", "")), []):
            groups[g]["booked"] += 1
            groups[g]["hired"] += t.get("status") == "hired"
            groups[g]["no_shows"] += t.get("status") == "no_show"
    return DayFigures(
        day=day,
        market=market,
        totals=totals,
        skills={s: {f: c[f] for f in SKILL_FIGURES} for s, c in sorted(skills.items())},
        groups={g: {f: c[f] for f in GROUP_FIGURES} for g, c in groups.items()},
        minutes_to_fill=[int(x) for x in ttf],
        minutes_to_first_booking=[int(x) for x in ttb],
        complete=bool(checkins) or not totals["checkins"],
    )


def _encode(f: DayFigures) -> dict[str, str]:
    dumps = json.dumps
    return {
        "totals": dumps(f.totals, ensure_ascii=False),
        "skills": dumps(f.skills, ensure_ascii=False),
        "groups": dumps(f.groups),
        "minutes": dumps({"fill": f.minutes_to_fill, "first_booking": f.minutes_to_first_booking}),
        "complete": "1" if f.complete else "0",
        "rolled_at": f.rolled_at or "",
    }


def _decode(market: str, day: str, h: dict[str, str]) -> DayFigures:
    minutes = json.loads(h.get("minutes", "{}"))
    return DayFigures(
        day=day,
        market=market,
        totals=json.loads(h["totals"]),
        skills=json.loads(h.get("skills", "{}")),
        groups=json.loads(h.get("groups", "{}")),
        minutes_to_fill=list(minutes.get("fill", [])),
        minutes_to_first_booking=list(minutes.get("first_booking", [])),
        source="rollup",
        complete=h.get("complete") == "1",
        rolled_at=h.get("rolled_at") or None,
    )


async def stored(store: Store, market: str, day: str) -> DayFigures | None:
    raw = await store.redis.hgetall(store.keys(market).rollup(day))
    h = {str(f): str(v) for f, v in raw.items()}
    return _decode(market, day, h) if h.get("totals") else None


async def roll_up(store: Store, market: str, day: str) -> DayFigures:
    """Compute and keep a closed day's figures; once kept they are never recomputed
    (the check-ins they count expire), so calling this again returns what was kept."""
    if day >= store.today():
        raise ValueError(f"day {day} is not closed yet")
    kept = await stored(store, market, day)
    if kept is not None:
        return kept
    figures = await compute(store, market, day)
    figures.source = "rollup"
    figures.rolled_at = iso(store.clock.now())
    key = store.keys(market).rollup(day)
    encoded = _encode(figures)
    marker = encoded.pop("totals")
    # "totals" is written last, and only if absent: a reader never sees half a roll-up
    # (``stored`` wants it), and of two matchers closing the same day at once, which
    # computed it from the same records, the first marker stays.
    await store.redis.hset(key, items=[x for pair in encoded.items() for x in pair])
    if await store.redis.hsetnx(key, "totals", marker):
        return figures
    return await stored(store, market, day) or figures


async def unrolled_days(store: Store, market: str) -> list[str]:
    """Closed days that saw any activity but have no roll-up yet, oldest first."""
    k = store.keys(market)
    today = store.today()
    days = set()
    async for key in store.redis.scan_iter(match=k.stats_scan, count=500):
        day = k.stats_day(str(key))
        if day < today:
            days.add(day)
    ordered = sorted(days)
    if not ordered:
        return []
    async with store.redis.pipeline(transaction=False) as p:
        for day in ordered:
            p.hexists(k.rollup(day), "totals")
        done = await p.execute()
    return [d for d, ok in zip(ordered, done, strict=True) if not ok]


async def roll_up_closed(store: Store, market: str) -> list[str]:
    """Roll up every closed day still waiting for it; returns those days."""
    days = await unrolled_days(store, market)
    for day in days:
        await roll_up(store, market, day)
    return days


async def figures(store: Store, market: str, day: str) -> DayFigures:
    """What history shows for a day: the kept roll-up of a closed day (with its kept
    counters as they are now), live figures for today and for a closed day the
    rollover has not reached yet."""
    [f] = await range_figures(store, market, day, day)
    return f


def days_between(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def nothing(market: str, day: str) -> DayFigures:
    """The figures of a day on which nothing happened (no counter was ever written)."""
    totals = counters(market, day, {}, [], [])
    groups = {g: dict.fromkeys(GROUP_FIGURES, 0) for g in (*PRIORITY_GROUPS, NO_GROUP)}
    return DayFigures(day=day, market=market, totals=totals, groups=groups)


def counters(
    market: str, day: str, raw: dict[str, Any], ttf: list[Any], ttb: list[Any]
) -> dict[str, Any]:
    """A day's totals from its kept counters, exactly as ``Store.stats`` (the stats API)
    gives them; history reads many days' counters in one pipeline instead."""
    totals: dict[str, Any] = {"date": day, "market": market}
    totals.update({name: int(raw.get(name, 0)) for name in STATS_COUNTERS})
    totals["fill_rate"] = _fill_rate(totals["hired"], totals["headcount_posted"])
    totals["median_minutes_to_fill"] = _median([int(x) for x in ttf])
    totals["median_minutes_to_first_booking"] = _median([int(x) for x in ttb])
    return totals


async def range_figures(store: Store, market: str, start: str, end: str) -> list[DayFigures]:
    """Every day of the range, oldest first. A closed day is its kept roll-up with the
    day's kept counters as they are now (so the totals always agree with the stats API);
    a closed day with no counters at all is zeros; the rest is computed. The roll-ups
    and counters are read in one round trip: a year of quiet days stays cheap."""
    k = store.keys(market)
    today = store.today()
    days = days_between(start, end)
    closed = [d for d in days if d < today]
    async with store.redis.pipeline(transaction=False) as p:
        for d in closed:
            p.hgetall(k.rollup(d))
            p.hgetall(k.stats(d))
            p.lrange(k.minutes_to_fill(d), 0, -1)
            p.lrange(k.minutes_to_booking(d), 0, -1)
        replies = await p.execute() if closed else []
    known: dict[str, DayFigures] = {}
    for n, d in enumerate(closed):
        kept, raw, ttf, ttb = replies[4 * n : 4 * n + 4]
        if kept.get("totals"):
            f = _decode(market, d, {str(a): str(b) for a, b in kept.items()})
            now = counters(market, d, raw, ttf, ttb)
            f.changed_after_rollup = any(f.totals.get(c) != now[c] for c in STATS_COUNTERS)
            f.totals = now
            f.minutes_to_fill = [int(x) for x in ttf]
            f.minutes_to_first_booking = [int(x) for x in ttb]
            known[d] = f
        elif not raw:
            known[d] = nothing(market, d)
    return [known[d] if d in known else await compute(store, market, d) for d in days]


def combine(parts: Iterable[DayFigures], *, day: str, market: str) -> DayFigures:
    """Sum figures over days and/or markets; rates and medians are taken over the whole."""
    parts = list(parts)

    totals: dict[str, Any] = {"date": day, "market": market}
    for name in STATS_COUNTERS:
        totals[name] = sum(int(p.totals.get(name, 0)) for p in parts)
    skills: dict[str, Counter[str]] = defaultdict(Counter)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for p in parts:
        for s, c in p.skills.items():
            skills[s].update(c)
        for g, c in p.groups.items():
            groups[g].update(c)
    out = DayFigures(
        day=day,
        market=market,
        totals=totals,
        skills={s: {f: c[f] for f in SKILL_FIGURES} for s, c in sorted(skills.items())},
        groups={g: {f: c[f] for f in GROUP_FIGURES} for g, c in groups.items()},
        minutes_to_fill=[m for p in parts for m in p.minutes_to_fill],
        minutes_to_first_booking=[m for p in parts for m in p.minutes_to_first_booking],
        source="rollup" if parts and all(p.source == "rollup" for p in parts) else "live",
        complete=all(p.complete for p in parts),
        changed_after_rollup=any(p.changed_after_rollup for p in parts),
    )
    totals["fill_rate"] = _fill_rate(totals["hired"], totals["headcount_posted"])
    totals["median_minutes_to_fill"] = _median(out.minutes_to_fill)
    totals["median_minutes_to_first_booking"] = _median(out.minutes_to_first_booking)
    return out
