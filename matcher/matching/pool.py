"""An in-memory mirror of one market's check-ins for one day, for fast matching.

Redis stays the truth: the pool only proposes candidates, and the matcher re-reads the
chosen workers before an offer is written (the create-offers script re-checks them
atomically too). A stale row can cost a wasted proposal, never a wrong offer.
Rows are columns of numpy arrays; per-skill sets of row numbers are the index.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from matcher.matching.scoring import (
    REACH_CODE,
    FloatArray,
    IntArray,
    JobFacts,
    Rows,
    WorkerFacts,
    counted_no_shows,
    score_rows,
)
from matcher.text.places import Gazetteer

STATUS_CODE = {"available": 0, "offered": 1}  # anything else: 2, takes no offers
WEEK = 7
# Hold steps (see ``WorkerPool.hold_steps`` and ``matcher.matching.forecast``): a step is a
# tenth of a place expected later today that few others could fill. Nobody is held
# once they have waited three hours: posts go on until about ten, most people are here
# by seven. (Simulated days, 5 seeds: steps of 0.25 and a two-hour limit gave 0.969 of
# the optimum; a three-hour limit 0.973; with steps of 0.1, 0.977.)
HOLD_STEP = 0.1
HOLD_MAX_WAIT_MIN = 180


def _code(adcode: str) -> int:
    return int(adcode) if adcode.isdigit() else -1


def _coords(gazetteer: Gazetteer, adcode: str) -> tuple[float, float]:
    place = gazetteer.get(adcode)
    if place is None or place.lat is None or place.lon is None or place.level != "township":
        return math.nan, math.nan
    return place.lat, place.lon


def week_days(recent: str, day: str) -> int:
    """Days hired in the 7 days before ``day`` (from the profile's recent-hire list)."""
    if not recent:
        return 0
    today = date.fromisoformat(day)
    start = (today - timedelta(days=WEEK)).isoformat()
    return len({d for d in recent.split() if start <= d < day})


def job_facts(job: dict[str, Any], gazetteer: Gazetteer) -> JobFacts:
    lat, lon = _coords(gazetteer, job["township"])
    return JobFacts(
        id=str(job["id"]),
        skills=tuple(job["skills"]),
        township=_code(job["township"]),
        county=_code(job["county_adcode"]),
        lat=lat,
        lon=lon,
        wage_day=float(job.get("wage_day_yuan", job["wage_yuan"])),
        start_ms=int(datetime.fromisoformat(job["start_at"]).timestamp() * 1000),
        employer_id=str(job.get("employer_id", "")),
    )


def worker_facts(ck: dict[str, Any], gazetteer: Gazetteer) -> WorkerFacts:
    lat, lon = _coords(gazetteer, ck.get("township", ""))
    noshows = ck.get("noshows")
    if not isinstance(noshows, dict):
        noshows = {}
    return WorkerFacts(
        id=str(ck["worker_id"]),
        skills=frozenset(ck.get("skills", ())),
        township=_code(ck.get("township", "")),
        county=_code(ck.get("county_adcode", "")),
        lat=lat,
        lon=lon,
        reach=REACH_CODE.get(ck.get("reach", "county"), 1),
        min_wage=float(ck.get("min_wage_yuan", 0)),
        until_ms=int(ck.get("available_until_ms", 0)),
        checked_in_ms=int(ck.get("checked_in_ms", 0)),
        week_days=week_days(str(ck.get("recent_hires", "")), str(ck.get("day", ""))),
        priority=bool(ck.get("priority_groups")) and bool(ck.get("priority_consent")),
        blocked=frozenset(str(ck.get("blocked_employers", "")).split()),
        noshows=counted_no_shows(noshows, str(ck.get("day", ""))) if noshows else 0,
        wary=frozenset(str(ck.get("wary_employers", "")).split()),
    )


class WorkerPool:
    def __init__(self, day: str, gazetteer: Gazetteer, capacity: int = 1024) -> None:
        self.day = day
        self.gazetteer = gazetteer
        self.rows: dict[str, int] = {}
        self.ids: list[str] = []
        self.facts: list[WorkerFacts] = []
        self.by_skill: dict[str, set[int]] = {}
        # Rows of workers who rated an employer down or were rated down by them.
        self.by_wary: dict[str, set[int]] = {}
        self._skill_rows: dict[str, IntArray] = {}
        self._alloc(capacity)

    def _alloc(self, n: int) -> None:
        def grow(old: Any, dtype: Any, fill: Any) -> Any:
            new = np.full(n, fill, dtype=dtype)
            if old is not None:
                new[: len(old)] = old
            return new

        get = self.__dict__.get
        self.township: IntArray = grow(get("township"), np.int64, -1)
        self.county: IntArray = grow(get("county"), np.int64, -1)
        self.lat: FloatArray = grow(get("lat"), np.float64, np.nan)
        self.lon: FloatArray = grow(get("lon"), np.float64, np.nan)
        self.reach: IntArray = grow(get("reach"), np.int64, 1)
        self.min_wage: FloatArray = grow(get("min_wage"), np.float64, 0.0)
        self.until_ms: IntArray = grow(get("until_ms"), np.int64, 0)
        self.checked_in_ms: IntArray = grow(get("checked_in_ms"), np.int64, 0)
        self.week_days: IntArray = grow(get("week_days"), np.int64, 0)
        self.priority = grow(get("priority"), np.bool_, False)
        self.noshows: IntArray = grow(get("noshows"), np.int64, 0)
        self.status: IntArray = grow(get("status"), np.int64, 2)
        self.pending: IntArray = grow(get("pending"), np.int64, 0)
        self.capacity = n

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, worker_id: object) -> bool:
        return worker_id in self.rows

    def upsert(self, ck: dict[str, Any]) -> None:
        """Add or refresh a worker from their check-in record."""
        f = worker_facts(ck, self.gazetteer)
        row = self.rows.get(f.id)
        if row is None:
            row = len(self.ids)
            if row >= self.capacity:
                self._alloc(self.capacity * 2)
            self.rows[f.id] = row
            self.ids.append(f.id)
            self.facts.append(f)
            old_skills: frozenset[str] = frozenset()
            old_wary: frozenset[str] = frozenset()
        else:
            old_skills = self.facts[row].skills
            old_wary = self.facts[row].wary
            self.facts[row] = f
        for employer in old_wary - f.wary:
            self.by_wary[employer].discard(row)
        for employer in f.wary - old_wary:
            self.by_wary.setdefault(employer, set()).add(row)
        for skill in old_skills - f.skills:
            self.by_skill[skill].discard(row)
            self._skill_rows.pop(skill, None)
        for skill in f.skills - old_skills:
            self.by_skill.setdefault(skill, set()).add(row)
            self._skill_rows.pop(skill, None)
        self.township[row] = f.township
        self.county[row] = f.county
        self.lat[row] = f.lat
        self.lon[row] = f.lon
        self.reach[row] = f.reach
        self.min_wage[row] = f.min_wage
        self.until_ms[row] = f.until_ms
        self.checked_in_ms[row] = f.checked_in_ms
        self.week_days[row] = f.week_days
        self.priority[row] = f.priority
        self.noshows[row] = f.noshows
        self.set_state(f.id, str(ck.get("status", "")), int(ck.get("pending", 0)))

    def set_state(self, worker_id: str, status: str, pending: int) -> None:
        row = self.rows.get(worker_id)
        if row is not None:
            self.status[row] = STATUS_CODE.get(status, 2)
            self.pending[row] = pending

    def _rows_with(self, skill: str) -> IntArray:
        cached = self._skill_rows.get(skill)
        if cached is None:
            cached = np.fromiter(sorted(self.by_skill.get(skill, ())), dtype=np.int64)
            self._skill_rows[skill] = cached
        return cached

    def _wary(self, rows: IntArray, employer_id: str) -> Any:
        wary = self.by_wary.get(employer_id) if employer_id else None
        if not wary:
            return None
        return np.isin(rows, np.fromiter(wary, dtype=np.int64))

    def free_rows(self, skills: tuple[str, ...]) -> IntArray:
        """Rows of workers with one of these skills who can still take an offer (a
        pending one does not count against them here)."""
        parts = [self._rows_with(s) for s in skills]
        if not parts:
            return np.empty(0, dtype=np.int64)
        rows = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))
        found: IntArray = rows[self.status[rows] < 2]
        return found

    def eligible(
        self, job: JobFacts, now_ms: int, *, max_pending: int
    ) -> tuple[IntArray, FloatArray]:
        """Rows of free workers the rule allows for a job (blocks aside: the caller
        checks them), with their scores."""
        empty: tuple[IntArray, FloatArray] = (
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.float64),
        )
        rows = self.free_rows(job.skills)
        rows = rows[self.pending[rows] < max_pending]
        if rows.size == 0:
            return empty
        if len(job.skills) == 1:
            has_main = np.ones(rows.size, dtype=np.bool_)
        else:
            has_main = np.isin(rows, self._rows_with(job.skills[0]), assume_unique=True)
        view = Rows(
            township=self.township[rows],
            county=self.county[rows],
            lat=self.lat[rows],
            lon=self.lon[rows],
            reach=self.reach[rows],
            min_wage=self.min_wage[rows],
            until_ms=self.until_ms[rows],
            checked_in_ms=self.checked_in_ms[rows],
            week_days=self.week_days[rows],
            priority=self.priority[rows],
            has_main=has_main,
            noshows=self.noshows[rows],
            wary=self._wary(rows, job.employer_id),
        )
        ok, totals = score_rows(job, view, now_ms)
        return rows[ok], totals[ok]

    def hold_steps(self, rows: IntArray, hold: FloatArray | None, now_ms: int) -> IntArray:
        """How far each worker steps back to be kept for scarcer work later today
        (``matcher.matching.forecast``): 0 for most; never for a consented priority group or
        for someone who has already waited ``HOLD_MAX_WAIT_MIN``."""
        if hold is None or rows.size == 0:
            return np.zeros(rows.size, dtype=np.int64)
        value = np.zeros(rows.size, dtype=np.float64)
        known = rows < hold.size
        value[known] = hold[rows[known]]
        waited = now_ms - self.checked_in_ms[rows]
        value[self.priority[rows] | (waited >= HOLD_MAX_WAIT_MIN * 60_000)] = 0.0
        steps: IntArray = np.floor(value / HOLD_STEP + 1e-9).astype(np.int64)
        return steps

    def propose(
        self,
        job: JobFacts,
        now_ms: int,
        *,
        max_pending: int,
        exclude: set[str] | frozenset[str] = frozenset(),
        limit: int | None = None,
        hold: FloatArray | None = None,
    ) -> list[tuple[str, float]]:
        """Eligible workers for a job, best first by the published rule: (id, score).

        With ``hold`` (see ``hold_steps``), workers first step back by how much they
        are expected to be needed for scarcer work later today; within a step the
        published order is untouched."""
        rows, totals = self.eligible(job, now_ms, max_pending=max_pending)
        if rows.size == 0:
            return []
        # Order: hold step, score band, fewer days worked this week, longer wait, id (all
        # ascending after negating the band) — numpy's lexsort takes the last key as primary.
        band = -np.floor(totals / 2.0)
        steps = self.hold_steps(rows, hold, now_ms)
        order = np.lexsort((rows, self.checked_in_ms[rows], self.week_days[rows], band, steps))
        out: list[tuple[str, float]] = []
        for i in order:
            wid = self.ids[int(rows[i])]
            if wid in exclude:
                continue
            if job.employer_id and job.employer_id in self.facts[int(rows[i])].blocked:
                continue
            out.append((wid, float(totals[i])))
            if limit is not None and len(out) >= limit:
                break
        return out
