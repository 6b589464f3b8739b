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
consented priority group and people who have waited three hours are never held.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from redis.asyncio import Redis

from matcher.clock import TZ
from matcher.matching.pool import WorkerPool, job_facts
from matcher.matching.scoring import (
    LATE_GRACE_MS,
    NEAR_COUNTY_KM,
    NEAR_TOWNSHIP_KM,
    FloatArray,
    JobFacts,
    eligible_pair,
)
from matcher.store.keys import MarketKeys
from matcher.store.records import loads, strs
from matcher.text.places import Gazetteer

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


@dataclass(frozen=True, slots=True)
class Holds:
    """Hold values of a pool's rows at ``at_ms``, with what is needed to add a row
    that checks in before the next refresh: the places counted and how many fit each."""

    at_ms: int
    values: FloatArray
    places: tuple[ExpectedPlace, ...] = ()
    fits: tuple[int, ...] = ()

    def extended(self, pool: WorkerPool) -> Holds:
        """The same, with rows added to the pool since: a newcomer counts as one more
        worker for each place they fit."""
        if len(pool) <= self.values.size:
            return self
        extra = np.zeros(len(pool) - self.values.size)
        for i, row in enumerate(range(self.values.size, len(pool))):
            if pool.status[row] >= 2:
                continue
            w = pool.facts[row]
            extra[i] = sum(
                p.weight / (n + 1)
                for p, n in zip(self.places, self.fits, strict=True)
                if w.skills.intersection(p.job.skills) and eligible_pair(p.job, w)
            )
        return replace(self, values=np.concatenate([self.values, extra]))


def holds(pool: WorkerPool, forecast: DemandForecast, now_ms: int) -> Holds:
    """``hold_values`` with the per-place counts kept (see ``Holds.extended``)."""
    fits: list[int] = []
    values = hold_values(pool, forecast, now_ms, fits=fits)
    return Holds(now_ms, values, tuple(forecast.later(minute_of_day(now_ms))), tuple(fits))


def hold_values(
    pool: WorkerPool, forecast: DemandForecast, now_ms: int, *, fits: list[int] | None = None
) -> FloatArray:
    """Per pool row: expected places later today the worker could fill, each divided
    by how many free workers could fill it. ``fits``, when given, receives that count
    for each place of ``forecast.later``, in order.

    Places are taken a group of alike skills at a time, as a places × workers matrix of
    the hard constraints (``eligible_pair``; blocks aside: an expected place has no
    employer yet), so a refresh costs a few numpy passes instead of one per place."""
    n = len(pool)
    hold: FloatArray = np.zeros(n, dtype=np.float64)
    later = forecast.later(minute_of_day(now_ms))
    counted: dict[int, int] = {}
    if later and n:
        near = _Distances(pool, later)
        groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, place in enumerate(later):
            groups[place.job.skills].append(i)
        for skills, members in groups.items():
            rows = pool.free_rows(skills)
            if rows.size == 0:
                continue
            step = _CHUNK_CELLS // rows.size + 1
            for first in range(0, len(members), step):
                chunk = members[first : first + step]
                ok = _eligible_matrix(pool, rows, [later[i] for i in chunk], near)
                count = ok.sum(axis=1)
                counted.update(zip(chunk, count.tolist(), strict=True))
                share = np.array([later[i].weight for i in chunk]) / np.maximum(count, 1)
                hold[rows] += share @ ok
    if fits is not None:
        fits.extend(counted.get(i, 0) for i in range(len(later)))
    return hold


_CHUNK_CELLS = 4_000_000


class _Distances:
    """Kilometres between the townships in play, once per refresh: a worker's and a
    place's distance is then a table look-up instead of trigonometry per pair."""

    def __init__(self, pool: WorkerPool, places: list[ExpectedPlace]) -> None:
        n = len(pool)
        codes = np.concatenate(
            [pool.township[:n], np.array([p.job.township for p in places], dtype=np.int64)]
        )
        lats = np.concatenate([pool.lat[:n], np.array([p.job.lat for p in places])])
        lons = np.concatenate([pool.lon[:n], np.array([p.job.lon for p in places])])
        self.codes, first = np.unique(codes, return_index=True)
        lat, lon = np.radians(lats[first]), np.radians(lons[first])
        with np.errstate(invalid="ignore"):
            a = (
                np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
                + np.cos(lat[:, None])
                * np.cos(lat[None, :])
                * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2
            )
            km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
            self.near_t = km <= NEAR_TOWNSHIP_KM  # False where a place has no coordinates
            self.near_c = km <= NEAR_COUNTY_KM

    def index(self, codes: Any) -> Any:
        return np.searchsorted(self.codes, codes)


def _eligible_matrix(
    pool: WorkerPool, rows: Any, places: list[ExpectedPlace], near: _Distances
) -> Any:
    """``eligible_pair`` of every place (rows) with every worker (columns), skills
    aside (the rows were chosen by skill)."""
    jobs = [p.job for p in places]
    township = np.array([j.township for j in jobs], dtype=np.int64)
    county = np.array([j.county for j in jobs], dtype=np.int64)[:, None]
    wage = np.array([j.wage_day for j in jobs])[:, None]
    start = np.array([j.start_ms for j in jobs], dtype=np.int64)[:, None]
    w_town = pool.township[rows]
    pi, wi = near.index(township)[:, None], near.index(w_town)[None, :]
    reach = pool.reach[rows][None, :]
    reach_ok = (
        (reach == 2)
        | (w_town[None, :] == township[:, None])
        | ((reach == 1) & ((pool.county[rows][None, :] == county) | near.near_c[pi, wi]))
        | ((reach == 0) & near.near_t[pi, wi])
    )
    return (
        reach_ok
        & (pool.min_wage[rows][None, :] <= wage)
        & (pool.until_ms[rows][None, :] > start)
        & (pool.checked_in_ms[rows][None, :] <= start + LATE_GRACE_MS)
    )
