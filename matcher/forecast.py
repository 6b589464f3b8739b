"""Work expected later today, and who is needed for it: the "keep for scarce work" rule.

Matching each job the moment it is posted books people before the day's later posts are
known. A worker who is the only, or one of few, who could fill work that usually comes
later is then gone when it comes, while the early job could have been filled by someone
else. The market's own previous days say what usually comes later: every place posted in
the last ``FORECAST_DAYS`` days, at its time of day, moved to today.

For each checked-in worker the hold value is the number of such expected places they
could fill, each divided by how many free workers could fill it (and by the number of
days looked at): about "how many places later today would go unfilled without them".
``WorkerPool.hold_steps`` turns it into steps of ``HOLD_STEP``; a worker steps back,
for a job others can fill, behind everyone of a lower step. The published order (score
band, least work this week, longest wait) is untouched within a step; people in a
consented priority group and people who have waited two hours are never held.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from redis.asyncio import Redis

from matcher.clock import TZ
from matcher.keys import MarketKeys
from matcher.places import Gazetteer
from matcher.pool import WorkerPool, job_facts
from matcher.records import loads, strs
from matcher.scoring import FloatArray, JobFacts

FORECAST_DAYS = 7
# How often a matcher recomputes the hold values (app clock): workers booked or checked
# in since then change how scarce the rest are only slowly.
REFRESH_MS = 60_000
DAY_MS = 86_400_000
START_ROUND_MS = 15 * 60_000


def minute_of_day(ms: int) -> int:
    local = datetime.fromtimestamp(ms / 1000, TZ)
    return local.hour * 60 + local.minute


@dataclass(frozen=True, slots=True)
class ExpectedPlace:
    """Places like these are usually posted at ``posted_min`` (minutes after midnight)."""

    posted_min: int
    job: JobFacts
    weight: float


@dataclass(frozen=True, slots=True)
class DemandForecast:
    day: str
    places: tuple[ExpectedPlace, ...]
    days_seen: int

    def later(self, minute: int) -> list[ExpectedPlace]:
        return [p for p in self.places if p.posted_min > minute]


def forecast_from(
    day: str, history: dict[str, list[dict[str, Any]]], gazetteer: Gazetteer
) -> DemandForecast:
    """Today's expected places from earlier days' job records (``{day: [job, ...]}``).

    Alike places (same skills, place, pay, start within 15 minutes, posted in the same
    minute) are merged with their weights added, which keeps the hold pass short."""
    today = date.fromisoformat(day)
    seen = [d for d, jobs in history.items() if jobs and d < day]
    if not seen:
        return DemandForecast(day, (), 0)
    weights: dict[tuple[int, JobFacts], float] = defaultdict(float)
    for d in seen:
        shift = (today - date.fromisoformat(d)).days * DAY_MS
        for record in history[d]:
            headcount = int(record.get("headcount", 0))
            if headcount <= 0 or not record.get("skills"):
                continue
            facts = job_facts(record, gazetteer)
            start = (facts.start_ms + shift) // START_ROUND_MS * START_ROUND_MS
            moved = replace(facts, id="", employer_id="", start_ms=start)
            weights[(minute_of_day(int(record["created_ms"])), moved)] += headcount / len(seen)
    places = tuple(
        ExpectedPlace(minute, facts, w) for (minute, facts), w in sorted(
            weights.items(), key=lambda kv: (kv[0][0], kv[0][1].skills, kv[0][1].start_ms)
        )
    )  # fmt: skip
    return DemandForecast(day, places, len(seen))


async def load_forecast(
    redis: Redis, k: MarketKeys, day: str, gazetteer: Gazetteer, *, days: int = FORECAST_DAYS
) -> DemandForecast:
    """The forecast for ``day`` from the market's job records of the days before."""
    today = date.fromisoformat(day)
    history: dict[str, list[dict[str, Any]]] = {}
    for back in range(1, days + 1):
        d = (today - timedelta(days=back)).isoformat()
        ids = strs(await redis.zrange(k.jobs_day(d), 0, -1))
        if ids:
            history[d] = [j for r in await redis.hmget(k.jobs, ids) if (j := loads(r))]
    return forecast_from(day, history, gazetteer)


def hold_values(pool: WorkerPool, forecast: DemandForecast, now_ms: int) -> FloatArray:
    """Per pool row: expected places later today the worker could fill, each divided
    by how many free workers could fill it."""
    hold: FloatArray = np.zeros(len(pool), dtype=np.float64)
    for place in forecast.later(minute_of_day(now_ms)):
        # Workers holding a pending offer are still free: count them.
        rows, _totals = pool.eligible(place.job, now_ms, max_pending=1 << 30)
        if rows.size:
            hold[rows] += place.weight / rows.size
    return hold
