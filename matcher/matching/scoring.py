"""The published matching rule: hard constraints and a 0–100 score a person can read.

Hard constraints (an offer never breaks one):
- skill: the worker has one of the job's skills;
- reach: ``township`` means the job's township (or within 5 km where both places have
  coordinates), ``county`` the job's county (or within 15 km), ``prefecture`` anywhere;
- pay: the job's pay for the day is at least the worker's minimum;
- hours: the worker is here by the start (30 minutes' grace) and still available then;
- blocks: the worker has not blocked the employer.

Score (the parts add up to at most 100):
- skill 40 for the job's main skill, 34 for another of its skills;
- distance 25 in the same township, else 25 − km/3 (at least 5) where both places
  have coordinates, else 17 in the same county and 7 beyond;
- pay 15 × margin/100 yuan (at most 15);
- waiting 8 × minutes waited today/240 (at most 8);
- rest 5 × (1 − days hired in the last 7 days/5) (at least 0);
- priority 7 for a published policy group, recorded with the worker's consent;
- reliability −2 for each no-show in the last 30 days that counts (at most −4): a no-show
  counts only once the worker could explain it — they agreed they did not come, an
  operator rejected their explanation or dispute, or 7 days passed without an answer
  (they are asked at their next check-in). Explained no-shows waiting for an operator,
  and accepted ones, never count. It lowers the rank; it never excludes anyone;
- rapport −3 when this employer and this worker gave each other a thumbs-down before
  (either side); a worker's block excludes the employer (above).
Among near-equal scores (same 2-point band) whoever worked least this week, then whoever
has waited longest today, goes first.

``score_pair`` is the scalar form (one job, one worker); ``score_rows`` computes the same
over many workers at once with numpy for the matcher's hot path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

SKILL_MAIN = 40.0
SKILL_OTHER = 34.0
DIST_SAME_TOWNSHIP = 25.0
DIST_SAME_COUNTY = 17.0
DIST_ELSEWHERE = 7.0
DIST_MIN = 5.0
DIST_PER_KM = 1.0 / 3.0
PAY_MAX = 15.0
PAY_FULL_MARGIN = 100.0
WAIT_MAX = 8.0
WAIT_FULL_MIN = 240.0
REST_MAX = 5.0
REST_FULL_DAYS = 5.0
PRIORITY = 7.0
NOSHOW_POINTS = 2.0
NOSHOW_MAX = 4.0
NOSHOW_WINDOW_DAYS = 30
NOSHOW_GRACE_DAYS = 7
RAPPORT_DOWN = 3.0
NEAR_TOWNSHIP_KM = 5.0
NEAR_COUNTY_KM = 15.0
LATE_GRACE_MS = 30 * 60_000
BAND = 2.0

REACH_CODE = {"township": 0, "county": 1, "prefecture": 2}
PRIORITY_GROUPS = ("long_waiting", "low_income", "disabled", "older", "relocated", "veteran")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What the rule needs to know of a job."""

    id: str
    skills: tuple[str, ...]
    township: int
    county: int
    lat: float  # nan when unknown
    lon: float
    wage_day: float
    start_ms: int
    employer_id: str


@dataclass(frozen=True, slots=True)
class WorkerFacts:
    """What the rule needs to know of a checked-in worker."""

    id: str
    skills: frozenset[str]
    township: int
    county: int
    lat: float
    lon: float
    reach: int
    min_wage: float
    until_ms: int
    checked_in_ms: int
    week_days: int
    priority: bool
    blocked: frozenset[str] = frozenset()
    # No-shows that count (``counted_no_shows``) and employers rated down either way.
    noshows: int = 0
    wary: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Parts:
    skill: float
    distance: float
    pay: float
    waiting: float
    rest: float
    priority: float
    km: float | None
    margin: float
    waited_min: float
    reliability: float = 0.0  # 0 or negative
    rapport: float = 0.0  # 0 or negative
    noshows: int = 0

    @property
    def total(self) -> float:
        return round(
            min(
                100.0,
                self.skill
                + self.distance
                + self.pay
                + self.waiting
                + self.rest
                + self.priority
                + self.reliability
                + self.rapport,
            ),
            2,
        )


def counted_no_shows(noshows: Mapping[str, Any], day: str) -> int:
    """No-shows of the 30 days before ``day`` that count against the worker: see the
    rule above. ``noshows`` is the profile's map of ticket ref -> {day, state}."""
    today = date.fromisoformat(day)
    since = (today - timedelta(NOSHOW_WINDOW_DAYS)).isoformat()
    grace = (today - timedelta(NOSHOW_GRACE_DAYS)).isoformat()
    n = 0
    for entry in noshows.values():
        if not isinstance(entry, dict):
            continue
        at, state = str(entry.get("day", "")), entry.get("state")
        if at < since or at > day:
            continue
        if state in ("confirmed", "rejected") or (state == "open" and at <= grace):
            n += 1
    return n


def reliability_points(noshows: int) -> float:
    return -min(NOSHOW_MAX, NOSHOW_POINTS * noshows)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _km(job: JobFacts, w: WorkerFacts) -> float | None:
    if math.isnan(job.lat) or math.isnan(w.lat):
        return None
    return haversine_km(job.lat, job.lon, w.lat, w.lon)


def eligible_pair(job: JobFacts, w: WorkerFacts) -> bool:
    if not w.skills.intersection(job.skills):
        return False
    if job.employer_id and job.employer_id in w.blocked:
        return False
    if w.min_wage > job.wage_day or w.until_ms <= job.start_ms:
        return False
    if w.checked_in_ms > job.start_ms + LATE_GRACE_MS:
        return False
    if w.reach == 2 or job.township == w.township:
        return True
    km = _km(job, w)
    if w.reach == 1:
        return job.county == w.county or (km is not None and km <= NEAR_COUNTY_KM)
    return km is not None and km <= NEAR_TOWNSHIP_KM


def score_pair(job: JobFacts, w: WorkerFacts, now_ms: int) -> Parts:
    km = _km(job, w)
    if job.township == w.township:
        distance = DIST_SAME_TOWNSHIP
    elif km is not None:
        distance = max(DIST_MIN, DIST_SAME_TOWNSHIP - km * DIST_PER_KM)
    elif job.county == w.county:
        distance = DIST_SAME_COUNTY
    else:
        distance = DIST_ELSEWHERE
    margin = max(0.0, job.wage_day - w.min_wage)
    waited_min = max(0.0, (now_ms - w.checked_in_ms) / 60_000)
    return Parts(
        skill=SKILL_MAIN if job.skills and job.skills[0] in w.skills else SKILL_OTHER,
        distance=distance,
        pay=PAY_MAX * min(1.0, margin / PAY_FULL_MARGIN),
        waiting=WAIT_MAX * min(1.0, waited_min / WAIT_FULL_MIN),
        rest=REST_MAX * (1.0 - min(w.week_days, REST_FULL_DAYS) / REST_FULL_DAYS),
        priority=PRIORITY if w.priority else 0.0,
        km=km,
        margin=margin,
        waited_min=waited_min,
        reliability=reliability_points(w.noshows),
        rapport=-RAPPORT_DOWN if job.employer_id and job.employer_id in w.wary else 0.0,
        noshows=w.noshows,
    )


def rank_key(total: float, week_days: int, checked_in_ms: int, worker_id: str) -> tuple[Any, ...]:
    return (-math.floor(total / BAND), week_days, checked_in_ms, worker_id)


@dataclass(frozen=True, slots=True)
class Rows:
    """Column arrays of many workers (see ``matcher.matching.pool``)."""

    township: IntArray
    county: IntArray
    lat: FloatArray
    lon: FloatArray
    reach: IntArray
    min_wage: FloatArray
    until_ms: IntArray
    checked_in_ms: IntArray
    week_days: IntArray
    priority: BoolArray
    has_main: BoolArray
    # Counted no-shows, and whether the job's employer and the worker rated each other
    # down; None: all zero / False (callers that predate them).
    noshows: IntArray | None = None
    wary: BoolArray | None = None


def score_rows(job: JobFacts, rows: Rows, now_ms: int) -> tuple[BoolArray, FloatArray]:
    """Eligibility (but for skills and blocks, which the caller's index handles) and
    totals for many workers; the same arithmetic as ``eligible_pair``/``score_pair``."""
    same_township = rows.township == job.township
    known = ~np.isnan(rows.lat) & (not math.isnan(job.lat))
    with np.errstate(invalid="ignore"):
        p1, p2 = np.radians(job.lat), np.radians(rows.lat)
        dl = np.radians(rows.lon - job.lon)
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        km = 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
    near_t = known & (km <= NEAR_TOWNSHIP_KM)
    near_c = known & (km <= NEAR_COUNTY_KM)
    same_county = rows.county == job.county
    reach_ok = (
        (rows.reach == 2)
        | same_township
        | ((rows.reach == 1) & (same_county | near_c))
        | ((rows.reach == 0) & near_t)
    )
    ok = (
        reach_ok
        & (rows.min_wage <= job.wage_day)
        & (rows.until_ms > job.start_ms)
        & (rows.checked_in_ms <= job.start_ms + LATE_GRACE_MS)
    )
    distance = np.where(
        same_township,
        DIST_SAME_TOWNSHIP,
        np.where(
            known,
            np.maximum(DIST_MIN, DIST_SAME_TOWNSHIP - np.nan_to_num(km) * DIST_PER_KM),
            np.where(same_county, DIST_SAME_COUNTY, DIST_ELSEWHERE),
        ),
    )
    margin = np.maximum(0.0, job.wage_day - rows.min_wage)
    waited = np.maximum(0.0, (now_ms - rows.checked_in_ms) / 60_000)
    total = (
        np.where(rows.has_main, SKILL_MAIN, SKILL_OTHER)
        + distance
        + PAY_MAX * np.minimum(1.0, margin / PAY_FULL_MARGIN)
        + WAIT_MAX * np.minimum(1.0, waited / WAIT_FULL_MIN)
        + REST_MAX * (1.0 - np.minimum(rows.week_days, REST_FULL_DAYS) / REST_FULL_DAYS)
        + np.where(rows.priority, PRIORITY, 0.0)
    )
    if rows.noshows is not None:
        total = total - np.minimum(NOSHOW_MAX, NOSHOW_POINTS * rows.noshows)
    if rows.wary is not None:
        total = total - np.where(rows.wary, RAPPORT_DOWN, 0.0)
    totals: FloatArray = np.round(np.minimum(100.0, total), 2).astype(np.float64)
    return ok, totals


def explain(
    parts: Parts, skill_zh: str, skill_en: str, *, same_township: bool, same_county: bool
) -> tuple[str, str]:
    """The explanation shown with an offer, in Chinese and English."""
    zh = [f"{skill_zh} 技能相符"]
    en = [f"{skill_en}: skill fits"]
    if same_township:
        zh.append("同镇")
        en.append("same township")
    elif parts.km is not None:
        zh.append(f"相距约 {parts.km:.0f} 公里")
        en.append(f"about {parts.km:.0f} km away")
    elif same_county:
        zh.append("同县")
        en.append("same county")
    else:
        zh.append("州内")
        en.append("in the prefecture")
    if parts.margin > 0:
        zh.append(f"日薪高于期望 {parts.margin:.0f} 元")
        en.append(f"day pay {parts.margin:.0f} yuan above your minimum")
    else:
        zh.append("日薪符合期望")
        en.append("day pay meets your minimum")
    hours = int(parts.waited_min // 60)
    if hours:
        zh.append(f"已等候 {hours} 小时")
        en.append(f"waited {hours} h")
    else:
        zh.append(f"已等候 {int(parts.waited_min)} 分钟")
        en.append(f"waited {int(parts.waited_min)} min")
    if parts.rest >= REST_MAX:
        zh.append("本周还没活")
        en.append("no work yet this week")
    if parts.priority:
        zh.append("优先照顾")
        en.append("priority group")
    if parts.reliability:
        pts = f"{-parts.reliability:.0f}"
        zh.append(f"近 30 天有 {parts.noshows} 次没来且没说明原因 (−{pts} 分)")
        en.append(f"{parts.noshows} unexplained no-show(s) in 30 days (−{pts})")
    if parts.rapport:
        zh.append(f"您和这位老板之间有过差评 (−{-parts.rapport:.0f} 分)")
        en.append(f"a thumbs-down between you and this employer before (−{-parts.rapport:.0f})")
    return " · ".join(zh), " · ".join(en)
