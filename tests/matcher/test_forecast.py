"""The forecast of later posts and the hold values it gives workers, against a naive
reference built from the published hard constraints one pair at a time."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scoring import NOW, naive_eligible, naive_score, to_checkin, to_job_record
from test_scoring import jobs as ref_jobs
from test_scoring import workers as ref_workers

from matcher.clock import iso, to_ms
from matcher.matching.forecast import forecast_from, hold_values, holds, minute_of_day
from matcher.matching.pool import HOLD_MAX_WAIT_MIN, HOLD_STEP, WorkerPool, job_facts
from matcher.matching.scoring import eligible_pair
from matcher.sim.simulate import START, checkin_spec, generate
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

GAZ = default_gazetteer()
TAX = default_taxonomy()
TODAY = "2026-11-27"


def job_record(job: Any, back: int, n: int) -> dict[str, Any]:
    shift = timedelta(days=back)
    return {
        "id": f"h{back}-{n}",
        "skills": [job.true_skill],
        "headcount": job.headcount,
        "township": job.township,
        "county_adcode": job.township[:6],
        "wage_yuan": job.wage,
        "wage_day_yuan": job.wage if job.unit == "day" else job.wage * 8,
        "start_at": iso(job.start - shift),
        "employer_id": "e1",
        "created_ms": to_ms(START - shift + timedelta(minutes=job.post)),
    }


def history(days: int, jobs: int, seed: int = 5) -> dict[str, dict[str, Any]]:
    out: dict[str, Any] = {}
    for back in range(1, days + 1):
        day = generate(seed * 100 + back, TAX, GAZ, workers=0, jobs=jobs)
        key = (START - timedelta(days=back)).date().isoformat()
        out[key] = [job_record(j, back, n) for n, j in enumerate(day.jobs)]
    return out


def crowd_pool(n: int, now_ms: int, seed: int = 9) -> WorkerPool:
    rng = random.Random(seed)
    pool = WorkerPool(TODAY, GAZ, capacity=8)
    for i, w in enumerate(generate(seed, TAX, GAZ, workers=n, jobs=0).workers):
        spec = checkin_spec(w, w.true_skills)
        pool.upsert(
            {
                "worker_id": f"w{i}",
                "skills": list(spec.skills),
                "township": spec.township,
                "county_adcode": spec.county_adcode,
                "reach": spec.reach,
                "min_wage_yuan": spec.min_wage_yuan,
                "available_until_ms": to_ms(spec.available_until),
                "checked_in_ms": now_ms - rng.randint(0, 200) * 60_000,
                "day": TODAY,
                "status": rng.choice(["available", "available", "offered", "booked"]),
                "pending": 0,
            }
        )
    return pool


def test_forecast_moves_earlier_places_to_today_and_weighs_them_by_days() -> None:
    gone = history(2, 12)
    forecast = forecast_from(TODAY, gone, GAZ)
    assert forecast.days_seen == 2
    places = sum(int(j["headcount"]) for jobs in gone.values() for j in jobs)
    assert sum(p.weight for p in forecast.places) == pytest.approx(places / 2)
    day_start = to_ms(START.replace(hour=0, minute=0))
    for p in forecast.places:
        assert day_start <= p.job.start_ms < day_start + 86_400_000
        assert p.job.employer_id == ""
    cut = minute_of_day(to_ms(START + timedelta(hours=1)))
    assert all(p.posted_min > cut for p in forecast.later(cut))
    assert len(forecast.later(cut)) < len(forecast.places)


def test_no_earlier_days_no_forecast() -> None:
    assert forecast_from(TODAY, {}, GAZ).places == ()
    # Today's own posts and later days are not history.
    today = history(1, 5)
    only_today = {TODAY: next(iter(today.values()))}
    assert forecast_from(TODAY, only_today, GAZ).places == ()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hold_values_agree_with_a_pair_by_pair_reference(seed: int) -> None:
    now_ms = to_ms(START + timedelta(minutes=60))
    pool = crowd_pool(160, now_ms, seed=seed)
    forecast = forecast_from(TODAY, history(3, 40, seed=seed), GAZ)
    got = hold_values(pool, forecast, now_ms)
    expected = np.zeros(len(pool))
    free = [r for r in range(len(pool)) if pool.status[r] < 2]
    for place in forecast.later(minute_of_day(now_ms)):
        fits = [r for r in free if eligible_pair(place.job, pool.facts[r])]
        for r in fits:
            expected[r] += place.weight / len(fits)
    assert np.allclose(got, expected)
    assert got.sum() > 0
    assert not got[[r for r in range(len(pool)) if pool.status[r] == 2]].any()


def test_priority_groups_and_long_waiters_are_never_held() -> None:
    now_ms = to_ms(START + timedelta(hours=3))
    pool = WorkerPool(TODAY, GAZ)
    for i, (priority, waited) in enumerate([(False, 10), (True, 10), (False, HOLD_MAX_WAIT_MIN)]):
        pool.upsert(
            {
                "worker_id": f"w{i}",
                "skills": ["welder"],
                "township": "522601001",
                "county_adcode": "522601",
                "checked_in_ms": now_ms - waited * 60_000,
                "priority_groups": ["veteran"] if priority else [],
                "priority_consent": priority,
                "status": "available",
            }
        )
    rows = np.arange(3, dtype=np.int64)
    hold = np.full(3, 3 * HOLD_STEP)
    assert pool.hold_steps(rows, hold, now_ms).tolist() == [3, 0, 0]
    assert pool.hold_steps(rows, None, now_ms).tolist() == [0, 0, 0]
    # A worker who checked in after the values were computed is not held either.
    assert pool.hold_steps(rows, hold[:2], now_ms).tolist() == [3, 0, 0]
    assert pool.hold_steps(np.array([2]), hold[:2], now_ms).tolist() == [0]


def test_a_newcomer_gets_the_value_a_full_refresh_would_give() -> None:
    now_ms = to_ms(START + timedelta(minutes=60))
    full = crowd_pool(120, now_ms, seed=4)
    forecast = forecast_from(TODAY, history(3, 40, seed=4), GAZ)
    expected = hold_values(full, forecast, now_ms)
    newcomer = next(r for r in range(len(full) - 1, 0, -1) if full.status[r] < 2)
    before = crowd_pool(newcomer, now_ms, seed=4)  # everyone up to the newcomer
    found = holds(before, forecast, now_ms)
    assert found.extended(before) is found
    for r in range(newcomer, len(full)):
        before.upsert(full_record(full, r))
    grown = found.extended(before)
    assert grown.values.size == len(full)
    assert grown.values[newcomer] == pytest.approx(expected[newcomer])
    assert grown.values[:newcomer].tolist() == found.values.tolist()


def full_record(pool: WorkerPool, row: int) -> dict[str, Any]:
    f = pool.facts[row]
    return {
        "worker_id": f.id,
        "skills": sorted(f.skills),
        "township": str(f.township),
        "county_adcode": str(f.county),
        "reach": ["township", "county", "prefecture"][int(pool.reach[row])],
        "min_wage_yuan": f.min_wage,
        "available_until_ms": f.until_ms,
        "checked_in_ms": f.checked_in_ms,
        "day": TODAY,
        "status": ["available", "offered", "booked"][int(pool.status[row])],
        "pending": 0,
    }


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    job=ref_jobs,
    crowd=st.lists(ref_workers, min_size=0, max_size=30),
    values=st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.74, 1.0]), min_size=30, max_size=30),
)
def test_held_proposals_keep_the_published_order_within_each_step(
    job: dict[str, Any], crowd: list[dict[str, Any]], values: list[float]
) -> None:
    pool = WorkerPool("2026-11-27", GAZ, capacity=4)
    for i, w in enumerate(crowd):
        pool.upsert(to_checkin(i, w))
    hold = np.array(values[: len(crowd)])
    got = pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3, hold=hold)
    plain = pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3)
    # The same people with the same scores as the reference: the rule only reorders.
    assert sorted(got) == sorted(plain)
    expected = {
        f"w{i:03d}": naive_score(job, w, NOW)
        for i, w in enumerate(crowd)
        if naive_eligible(job, w) and w["status"] in ("available", "offered") and w["pending"] < 3
    }
    assert {wid for wid, _ in got} == set(expected)

    def step(wid: str) -> int:
        w = crowd[int(wid[1:])]
        if w["priority"] or NOW - w["checked_in"] >= HOLD_MAX_WAIT_MIN * 60_000:
            return 0
        return math.floor(values[int(wid[1:])] / HOLD_STEP + 1e-9)

    keys = [
        (
            step(wid),
            -math.floor(total / 2),
            crowd[int(wid[1:])]["week_days"],
            crowd[int(wid[1:])]["checked_in"],
        )
        for wid, total in got
    ]
    assert keys == sorted(keys)
