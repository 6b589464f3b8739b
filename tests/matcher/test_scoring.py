"""The matching rule against a deliberately naive reference written from its text.

The reference below reads the rule in ``matcher/matching/scoring.py``'s docstring and nothing
else: plain loops, its own haversine, its own reach logic. Hypothesis checks that the
production paths (scalar ``score_pair`` and the numpy pool) agree with it everywhere.
"""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.matching.pool import WorkerPool, job_facts, week_days, worker_facts
from matcher.matching.scoring import JobFacts, WorkerFacts, eligible_pair, score_pair
from matcher.text.places import default_gazetteer

GAZ = default_gazetteer()
# Townships of Kaili and Liping with and without coordinates, a county-level place,
# and a township of another county: every reach and distance case.
PLACES = [
    "522601100",
    "522601101",
    "522601105",
    "522601001",
    "522601002",
    "522601",
    "522631001",
    "522631102",
    "522631103",
    "522631",
    "522632107",
    "522627002",
]
SKILLS = ["general_laborer", "bricklayer", "porter", "welder", "cleaner"]
NOW = 1_795_740_000_000  # 2026-11-27 around 09:20 in Asia/Shanghai


def naive_km(a: str, b: str) -> float | None:
    pa, pb = GAZ.get(a), GAZ.get(b)
    if not pa or not pb or pa.level != "township" or pb.level != "township":
        return None
    if None in (pa.lat, pa.lon, pb.lat, pb.lon):
        return None
    r = 6371.0088
    la1, la2 = math.radians(pa.lat), math.radians(pb.lat)  # type: ignore[arg-type]
    dla = la2 - la1
    dlo = math.radians(pb.lon - pa.lon)  # type: ignore[operator]
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def county_of(adcode: str) -> str:
    return adcode[:6]


def naive_eligible(job: dict, w: dict) -> bool:  # type: ignore[type-arg]
    if not any(s in w["skills"] for s in job["skills"]):
        return False
    if job["employer_id"] in w["blocked"]:
        return False
    if w["min_wage"] > job["wage"]:
        return False
    if w["until"] <= job["start"]:
        return False
    if w["checked_in"] > job["start"] + 30 * 60_000:  # arrived after the start and its grace
        return False
    km = naive_km(job["township"], w["township"])
    if w["reach"] == "prefecture":
        return True
    if w["reach"] == "county":
        return (
            county_of(job["township"]) == county_of(w["township"])
            or job["township"] == w["township"]
            or (km is not None and km <= 15)
        )
    return job["township"] == w["township"] or (km is not None and km <= 5)


def naive_score(job: dict, w: dict, now: int) -> float:  # type: ignore[type-arg]
    total = 40.0 if job["skills"][0] in w["skills"] else 34.0
    km = naive_km(job["township"], w["township"])
    if job["township"] == w["township"]:
        total += 25
    elif km is not None:
        total += max(5.0, 25 - km / 3)
    elif county_of(job["township"]) == county_of(w["township"]):
        total += 17
    else:
        total += 7
    margin = max(0.0, job["wage"] - w["min_wage"])
    total += 15 * min(1.0, margin / 100)
    waited = max(0.0, (now - w["checked_in"]) / 60000)
    total += 8 * min(1.0, waited / 240)
    total += 5 * (1 - min(w["week_days"], 5) / 5)
    if w["priority"]:
        total += 7
    total -= min(4, 2 * naive_counted(w["noshows"], "2026-11-27"))
    if job["employer_id"] in w["wary"]:
        total -= 3
    return round(min(100.0, total), 2)


def naive_counted(noshows: dict, today: str) -> int:  # type: ignore[type-arg]
    """No-shows of the last 30 days that count: agreed, rejected by an operator, or
    unanswered for 7 days."""
    from datetime import date

    n = 0
    for e in noshows.values():
        age = (date.fromisoformat(today) - date.fromisoformat(e["day"])).days
        if not 0 <= age <= 30:
            continue
        if e["state"] in ("confirmed", "rejected") or (e["state"] == "open" and age >= 7):
            n += 1
    return n


def to_job_record(job: dict) -> dict:  # type: ignore[type-arg]
    from matcher.clock import from_ms, iso

    return {
        "id": "j1",
        "skills": job["skills"],
        "township": job["township"],
        "county_adcode": county_of(job["township"]),
        "wage_yuan": job["wage"],
        "wage_day_yuan": job["wage"],
        "start_at": iso(from_ms(job["start"])),
        "employer_id": job["employer_id"],
    }


def to_checkin(i: int, w: dict) -> dict:  # type: ignore[type-arg]
    return {
        "worker_id": f"w{i:03d}",
        "skills": w["skills"],
        "township": w["township"],
        "county_adcode": county_of(w["township"]),
        "reach": w["reach"],
        "min_wage_yuan": w["min_wage"],
        "available_until_ms": w["until"],
        "checked_in_ms": w["checked_in"],
        "recent_hires": " ".join(f"2026-11-{26 - d:02d}" for d in range(w["week_days"])),
        "day": "2026-11-27",
        "priority_groups": "older" if w["priority"] else "",
        "priority_consent": w["priority"],
        "blocked_employers": " ".join(sorted(w["blocked"])),
        "wary_employers": " ".join(sorted(w["wary"])),
        "noshows": w["noshows"],
        "status": w["status"],
        "pending": w["pending"],
    }


jobs = st.fixed_dictionaries(
    {
        "skills": st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True),
        "township": st.sampled_from(PLACES),
        "wage": st.floats(min_value=50, max_value=600, allow_nan=False).map(lambda x: round(x, 1)),
        # Whole seconds: job times travel as ISO strings with second precision.
        "start": st.integers(NOW - 3_600_000, NOW + 8 * 3_600_000).map(lambda x: x - x % 1000),
        "employer_id": st.sampled_from(["e1", "e2"]),
    }
)
workers = st.fixed_dictionaries(
    {
        "skills": st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3, unique=True),
        "township": st.sampled_from(PLACES),
        "reach": st.sampled_from(["township", "county", "prefecture"]),
        "min_wage": st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda x: round(x)),
        "until": st.integers(NOW, NOW + 12 * 3_600_000),
        "checked_in": st.integers(NOW - 6 * 3_600_000, NOW),
        "week_days": st.integers(0, 6),
        "priority": st.booleans(),
        "blocked": st.sets(st.sampled_from(["e1", "e2"]), max_size=1),
        "wary": st.sets(st.sampled_from(["e1", "e2", "e3"]), max_size=2),
        "noshows": st.dictionaries(
            st.sampled_from(["KL1-001", "KL2-002", "KL3-003", "KL4-004"]),
            st.fixed_dictionaries(
                {
                    "day": st.integers(0, 40).map(
                        lambda d: f"2026-{11 if d < 27 else 10}-{27 - d if d < 27 else 58 - d:02d}"
                    ),
                    "state": st.sampled_from(
                        ["open", "confirmed", "explained", "disputed", "accepted", "rejected"]
                    ),
                }
            ),
            max_size=4,
        ),
        "status": st.sampled_from(["available", "available", "offered", "booked"]),
        "pending": st.integers(0, 3),
    }
)


@settings(max_examples=400, deadline=None)
@given(job=jobs, worker=workers)
def test_scalar_rule_agrees_with_the_reference(job: dict, worker: dict) -> None:  # type: ignore[type-arg]
    jf = job_facts(to_job_record(job), GAZ)
    wf = worker_facts(to_checkin(0, worker), GAZ)
    assert eligible_pair(jf, wf) == naive_eligible(job, worker)
    assert abs(score_pair(jf, wf, NOW).total - naive_score(job, worker, NOW)) < 0.011


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(job=jobs, crowd=st.lists(workers, min_size=0, max_size=40))
def test_pool_proposals_agree_with_the_reference(job: dict, crowd: list[dict]) -> None:  # type: ignore[type-arg]
    pool = WorkerPool("2026-11-27", GAZ, capacity=4)  # small: exercises growth
    for i, w in enumerate(crowd):
        pool.upsert(to_checkin(i, w))
    got = pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3)
    expected = {
        f"w{i:03d}": naive_score(job, w, NOW)
        for i, w in enumerate(crowd)
        if naive_eligible(job, w) and w["status"] in ("available", "offered") and w["pending"] < 3
    }
    assert {wid for wid, _ in got} == set(expected)
    for wid, total in got:
        assert abs(total - expected[wid]) < 0.011
    # Ordered by 2-point band, then fewer days worked, then longer wait.
    keys = [
        (-math.floor(total / 2), pool.week_days[pool.rows[wid]], pool.checked_in_ms[pool.rows[wid]])
        for wid, total in got
    ]
    assert keys == sorted(keys)


def test_updates_move_a_worker_between_skills() -> None:
    pool = WorkerPool("2026-11-27", GAZ)
    base = {
        "skills": ["welder"],
        "township": "522601001",
        "reach": "county",
        "min_wage": 0,
        "until": NOW + 3_600_000 * 9,
        "checked_in": NOW - 60_000,
        "week_days": 0,
        "priority": False,
        "blocked": set(),
        "wary": set(),
        "noshows": {},
        "status": "available",
        "pending": 0,
    }
    pool.upsert(to_checkin(1, base))
    job = {
        "skills": ["welder"],
        "township": "522601001",
        "wage": 300,
        "start": NOW + 60_000,
        "employer_id": "e1",
    }
    assert [w for w, _ in pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3)] == [
        "w001"
    ]
    pool.upsert(to_checkin(1, {**base, "skills": ["cleaner"]}))
    assert pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3) == []
    pool.upsert(to_checkin(1, {**base, "status": "booked"}))
    job["skills"] = ["cleaner"]
    assert pool.propose(job_facts(to_job_record(job), GAZ), NOW, max_pending=3) == []


def test_week_days_counts_the_seven_days_before() -> None:
    assert week_days("", "2026-11-27") == 0
    assert week_days("2026-11-19 2026-11-20 2026-11-26 2026-11-27", "2026-11-27") == 2


def test_facts_are_frozen() -> None:
    w = WorkerFacts("w", frozenset({"x"}), 1, 1, math.nan, math.nan, 1, 0, 1, 0, 0, False)
    j = JobFacts("j", ("x",), 1, 1, math.nan, math.nan, 100, 0, "")
    assert eligible_pair(j, w)
    assert not eligible_pair(j, replace(w, until_ms=0))


def test_reliability_is_small_and_bounded_and_never_excludes() -> None:
    from matcher.matching.scoring import counted_no_shows, explain

    base = WorkerFacts("w", frozenset({"x"}), 1, 1, math.nan, math.nan, 1, 0, 10, 0, 0, False)
    job = JobFacts("j", ("x",), 1, 1, math.nan, math.nan, 100, 5, "e1")
    clean = score_pair(job, base, 0).total
    for n, drop in ((1, 2.0), (2, 4.0), (9, 4.0)):
        w = replace(base, noshows=n)
        assert eligible_pair(job, w)
        assert score_pair(job, w, 0).total == clean - drop
    wary = replace(base, wary=frozenset({"e1"}))
    assert eligible_pair(job, wary) and score_pair(job, wary, 0).total == clean - 3
    # Only for that employer.
    assert score_pair(replace(job, employer_id="e2"), wary, 0).total == clean
    zh, en = explain(
        score_pair(job, replace(base, noshows=1), 0),
        "小工",
        "laborer",
        same_township=True,
        same_county=True,
    )
    assert "1 次没来且没说明原因 (−2 分)" in zh and "1 unexplained no-show(s) in 30 days (−2)" in en
    # States that never count, whatever their age; the ones that do, only within 30 days.
    entries = {
        "a": {"day": "2026-11-01", "state": "explained"},
        "b": {"day": "2026-11-01", "state": "accepted"},
        "c": {"day": "2026-11-01", "state": "disputed"},
        "d": {"day": "2026-11-25", "state": "open"},
        "e": {"day": "2026-11-20", "state": "open"},
        "f": {"day": "2026-11-26", "state": "confirmed"},
        "g": {"day": "2026-10-27", "state": "rejected"},
    }
    assert counted_no_shows(entries, "2026-11-27") == 2  # e (a week unanswered) and f
