"""Simulated market days for ``kuaizhao bench sim``: how many places the matcher fills
against the best any matcher could do.

A seeded generator makes workers with true skills who describe them in messy text
(synonyms, pinyin, fillers, two skills at once) and employers who post jobs the same way.
Everything then runs through the real store, the Lua scripts, the queue and the engine on
a clock that advances a minute at a time; workers take their best offer after a short
delay. The offline optimum is a maximum matching of places to workers on the *true*
compatibility graph (true skills, reach, pay, hours), so parsing mistakes count against
the system too.

A market in service has earlier days, and the matcher's forecast of later posts
(``matcher.matching.forecast``) reads them from the store: ``post_history`` posts the jobs of
``HISTORY_DAYS`` earlier days (other seeds of the same generator: the same market on
other days) through the same store calls, on their own dates; no one is matched to them.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matcher.clock import TZ, FixedClock, iso, to_ms
from matcher.markets import MARKETS
from matcher.matching.batch import reoptimise
from matcher.matching.pool import job_facts, worker_facts
from matcher.matching.scoring import eligible_pair
from matcher.matching.worker import Matcher
from matcher.sim.fairness import offer_gini
from matcher.specs import CheckinSpec, JobSpec
from matcher.store.facade import Store
from matcher.store.records import loads
from matcher.store.scripts import ScriptError
from matcher.text.places import Gazetteer
from matcher.text.skills import Taxonomy

# Common gig skills first: the mix of a county hall, roughly.
COMMON = [
    "general_laborer", "porter", "bricklayer", "cleaner", "tea_picker", "fruit_picker",
    "dishwasher", "kitchen_helper", "painter", "rebar_worker", "carpenter", "electrician",
    "plumber_electrician", "waiter", "farm_hand", "driver", "housekeeper", "welder",
    "tiler", "security_guard", "factory_worker", "packer", "courier", "elder_care",
]  # fmt: skip
NEIGHBOURS = ["522636", "522634", "522630", "522622"]  # Majiang, Leishan, Taijiang, Huangping
WORKER_FILLERS = ["", "我会", "会", "能干", "想找", "找个", "干过", "我是"]
WORKER_TAILS = ["", "的活", "活", "都行", "，有活叫我"]
JOIN = ["也会", "，", "和", " ", "还会"]


@dataclass
class SimWorker:
    phone: str
    true_skills: list[str]
    text: str
    township: str
    reach: str
    min_wage: int
    arrive: int  # minutes after 06:30 (seconds when ``seconds``)
    until: datetime
    react: int  # minutes before they answer an offer (seconds when ``seconds``)
    seconds: bool = False


@dataclass
class SimJob:
    true_skill: str
    text: str
    headcount: int
    wage: int
    unit: str
    township: str
    post: int  # minutes after 06:30 (seconds when ``seconds``)
    start: datetime
    end: datetime
    seconds: bool = False
    order: float = 0.0  # sub-second order of posts made within the same second


@dataclass
class Day:
    workers: list[SimWorker] = field(default_factory=list)
    jobs: list[SimJob] = field(default_factory=list)


def _surface(rng: random.Random, taxonomy: Taxonomy, skill_id: str) -> str:
    skill = taxonomy.get(skill_id)
    assert skill is not None
    choice = rng.random()
    if choice < 0.35:
        return skill.name_zh
    if choice < 0.8 and skill.synonyms:
        return rng.choice(skill.synonyms)
    if choice < 0.92:
        return skill.pinyin.replace(" ", "")
    return skill.name_zh + rng.choice(["师傅", "工", ""])


def generate(
    seed: int,
    taxonomy: Taxonomy,
    gazetteer: Gazetteer,
    *,
    workers: int,
    jobs: int,
    market: str = "kaili",
) -> Day:
    rng = random.Random(seed)
    home = MARKETS[market].county_adcode
    towns = [p.adcode for p in gazetteer.townships(home)]
    far = [p.adcode for c in NEIGHBOURS for p in gazetteer.townships(c)]
    all_ids = [s.id for s in taxonomy.all()]
    weights = [8.0 if s in COMMON[:6] else 3.0 if s in COMMON else 0.4 for s in all_ids]
    base = datetime(2026, 11, 27, 6, 30, tzinfo=TZ)
    day = Day()
    for i in range(workers):
        n = 1 if rng.random() < 0.6 else 2
        true = list(dict.fromkeys(rng.choices(all_ids, weights, k=n)))
        parts = [_surface(rng, taxonomy, s) for s in true]
        text = rng.choice(WORKER_FILLERS) + rng.choice(JOIN).join(parts) + rng.choice(WORKER_TAILS)
        # Workers gather at dawn: from 06:30, most by 07:00, the last by 08:30.
        arrive = int(rng.triangular(0, 120, 15))
        day.workers.append(
            SimWorker(
                phone=f"135{seed % 100:02d}{i:06d}",
                true_skills=true,
                text=text,
                township=rng.choice(towns) if rng.random() < 0.85 else rng.choice(far),
                reach=rng.choices(["township", "county", "prefecture"], [0.15, 0.6, 0.25])[0],
                min_wage=rng.choice([0, 100, 120, 150, 150, 180, 200, 250]),
                arrive=arrive,
                until=base + timedelta(hours=rng.uniform(6, 11)),
                react=rng.randint(1, 4),
            )
        )
    for i in range(jobs):
        skill = rng.choices(all_ids, weights)[0]
        headcount = rng.choices([1, 2, 3, 5], [0.5, 0.3, 0.15, 0.05])[0]
        surface = _surface(rng, taxonomy, skill)
        text = rng.choice(
            [
                f"招{headcount}个{surface}",
                f"找{surface}",
                f"{surface}{headcount}人 日结",
                f"急招{surface}",
            ]
        )
        # Employers come 07:00-10:00, most around 07:30: the morning hiring wave.
        post = int(rng.triangular(30, 210, 60))
        start = base + timedelta(minutes=post + rng.randint(30, 120))
        unit = "hour" if rng.random() < 0.15 else "day"
        wage = (
            rng.randint(18, 35)
            if unit == "hour"
            else rng.choice([120, 150, 180, 200, 220, 260, 300])
        )
        day.jobs.append(
            SimJob(
                true_skill=skill,
                text=text + (f" {i}" if rng.random() < 0.1 else ""),
                headcount=headcount,
                wage=wage,
                unit=unit,
                township=rng.choice(towns) if rng.random() < 0.9 else rng.choice(far),
                post=post,
                start=start,
                end=start + timedelta(hours=8),
            )
        )
    return day


def chosen_skills(taxonomy: Taxonomy, text: str, true: list[str]) -> list[str]:
    """What the kiosk ends up with: accepted parses as they are; otherwise the person
    confirms the top suggestion if it is right, or taps their skill tiles."""
    hits = taxonomy.parse(text)
    accepted = [h.skill_id for h in hits if h.band == "accept"]
    if accepted:
        return accepted[:5]
    if hits and hits[0].skill_id in true:
        return [hits[0].skill_id]
    return list(true)


def optimum(day: Day, gazetteer: Gazetteer) -> int:
    """Maximum number of places filled by true-compatible workers."""
    slots: list[int] = [j for j, job in enumerate(day.jobs) for _ in range(job.headcount)]
    wf = [
        worker_facts(
            {
                "worker_id": str(i), "skills": w.true_skills, "township": w.township,
                "county_adcode": w.township[:6], "reach": w.reach, "min_wage_yuan": w.min_wage,
                "available_until_ms": to_ms(w.until),
                "checked_in_ms": to_ms(
                    START + timedelta(seconds=w.arrive if w.seconds else w.arrive * 60)
                ),
            },
            gazetteer,
        )
        for i, w in enumerate(day.workers)
    ]  # fmt: skip
    jf = [job_facts(_job_record(j, job), gazetteer) for j, job in enumerate(day.jobs)]
    rows, cols = [], []
    for r, j in enumerate(slots):
        for c, w in enumerate(wf):
            if eligible_pair(jf[j], w):
                rows.append(r)
                cols.append(c)
    if not rows:
        return 0
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(slots), len(wf)))
    match = maximum_bipartite_matching(graph, perm_type="column")
    return int((match >= 0).sum())


def _job_record(j: int, job: SimJob, skills: list[str] | None = None) -> dict[str, Any]:
    hours = (job.end - job.start).total_seconds() / 3600
    wage_day = job.wage * min(10.0, hours) if job.unit == "hour" else job.wage
    return {
        "id": f"sim{j}",
        "skills": skills or [job.true_skill],
        "township": job.township,
        "county_adcode": job.township[:6],
        "wage_yuan": job.wage,
        "wage_day_yuan": wage_day,
        "start_at": iso(job.start),
        "employer_id": "",
    }


def job_spec(j: int, job: SimJob, skills: list[str]) -> JobSpec:
    return JobSpec(
        title=job.text,
        skills=tuple(skills),
        headcount=job.headcount,
        wage_yuan=float(job.wage),
        wage_unit="hour" if job.unit == "hour" else "day",
        township=job.township,
        county_adcode=job.township[:6],
        start_at=job.start,
        end_at=job.end,
        interview_at=job.start - timedelta(minutes=20),
        interview_place="1号洽谈桌",
        employer_name="模拟",
        employer_phone=f"1380000{j:04d}",
    )


def checkin_spec(w: SimWorker, skills: list[str]) -> CheckinSpec:
    return CheckinSpec(
        phone=w.phone,
        skills=tuple(skills),
        township=w.township,
        county_adcode=w.township[:6],
        reach="township"
        if w.reach == "township"
        else "prefecture"
        if w.reach == "prefecture"
        else "county",
        min_wage_yuan=float(w.min_wage),
        available_until=w.until,
        skills_text=w.text[:100],
    )


START = datetime(2026, 11, 27, 6, 30, tzinfo=TZ)
HISTORY_DAYS = 7
HISTORY_SEED = 1_000_003
END_MINUTE = 5 * 60 + 30  # 12:00: two hours after the last post


def history(seed: int, taxonomy: Taxonomy, gazetteer: Gazetteer, *, jobs: int) -> list[Day]:
    """The market's earlier days before day ``seed``: newest first, jobs only."""
    return [
        generate(
            HISTORY_SEED + seed * HISTORY_DAYS + back, taxonomy, gazetteer, workers=0, jobs=jobs
        )
        for back in range(1, HISTORY_DAYS + 1)
    ]


def history_records(days: list[Day]) -> dict[str, list[dict[str, Any]]]:
    """Earlier days' jobs as the store keeps them (the fields the forecast reads), for
    benchmarks that need a forecast without a server."""
    out: dict[str, list[dict[str, Any]]] = {}
    for back, day in enumerate(days, start=1):
        shift = timedelta(days=back)
        records = []
        for n, job in enumerate(day.jobs):
            record = _job_record(n, job)
            record["start_at"] = iso(job.start - shift)
            record["headcount"] = job.headcount
            record["created_ms"] = to_ms(START - shift + timedelta(minutes=job.post))
            records.append(record)
        out[(START - shift).date().isoformat()] = records
    return out


async def post_history(
    days: list[Day], store: Store, clock: FixedClock, taxonomy: Taxonomy, *, market: str = "kaili"
) -> int:
    """Post earlier days' jobs (``days[0]`` the day before START) on their own dates,
    parsed the way the kiosk parses them. Returns the jobs posted."""
    posted = 0
    for back, day in enumerate(days, start=1):
        shift = timedelta(days=back)
        for n, job in sorted(enumerate(day.jobs), key=lambda t: t[1].post):
            clock.set(START - shift + timedelta(minutes=job.post))
            moved = SimJob(
                job.true_skill, job.text, job.headcount, job.wage, job.unit, job.township,
                job.post, job.start - shift, job.end - shift,
            )  # fmt: skip
            skills = chosen_skills(taxonomy, job.text, [job.true_skill])
            await store.post_job(
                market, job_spec(n, moved, skills), request_id=f"h{back}j{n}", fingerprint=n
            )
            posted += 1
    clock.set(START)
    return posted


async def run_day(
    day: Day,
    store: Store,
    matcher: Matcher,
    clock: FixedClock,
    taxonomy: Taxonomy,
    *,
    batch: bool = True,
    market: str = "kaili",
) -> dict[str, Any]:
    """Play the day minute by minute through the real store, queue and engine."""
    # Every arrival at its own moment, and the matcher deciding on it before the next
    # one, as a matcher in service does within milliseconds.
    arrivals: dict[int, list[tuple[float, str, int]]] = {}
    for i, w in enumerate(day.workers):
        at_s = w.arrive if w.seconds else w.arrive * 60
        arrivals.setdefault(at_s // 60, []).append((float(at_s), "w", i))
    for j, job in enumerate(day.jobs):
        at_f = job.order if job.seconds else float(job.post * 60)
        arrivals.setdefault(int(at_f) // 60, []).append((at_f, "j", j))
    wid_of: dict[str, int] = {}
    job_true: dict[str, str] = {}
    parse_wrong = 0
    for minute in range(END_MINUTE):
        clock.set(START + timedelta(minutes=minute))
        for at, kind, n in sorted(arrivals.get(minute, [])):
            clock.set(START + timedelta(seconds=at))
            if kind == "w":
                w = day.workers[n]
                skills = chosen_skills(taxonomy, w.text, w.true_skills)
                parse_wrong += not set(skills) <= set(w.true_skills)
                result = await store.check_in(
                    market, checkin_spec(w, skills), request_id=f"sw{n}", fingerprint=n
                )
                wid_of[str(result.value["worker_id"])] = n
            else:
                job = day.jobs[n]
                skills = chosen_skills(taxonomy, job.text, [job.true_skill])
                parse_wrong += job.true_skill not in skills
                result = await store.post_job(
                    market, job_spec(n, job, skills), request_id=f"sj{n}", fingerprint=n
                )
                job_true[str(result.value["id"])] = job.true_skill
            while await matcher.consume_once(market, count=200):
                pass
        while await matcher.consume_once(market, count=200):
            pass
        if minute % 5 == 0:
            await matcher.tick()
        if batch:
            # In service the pass runs every few seconds; here once a simulated minute.
            await store.redis.delete(store.keys(market).batch_lock)
            await reoptimise(matcher.engine, market)
        while await matcher.consume_once(market, count=200):
            pass
        await _answer_offers(store, market, wid_of, day, minute)
    bookings = await store.redis.hgetall(store.keys(market).tickets)
    offers_per_worker: dict[int, int] = {}
    for raw in (await store.redis.hgetall(store.keys(market).offers)).values():
        o = loads(raw)
        if o is not None and o["worker_id"] in wid_of:
            n = wid_of[o["worker_id"]]
            offers_per_worker[n] = offers_per_worker.get(n, 0) + 1
    fills = wrong = 0
    for raw in bookings.values():
        t = loads(raw)
        if t is None or t["status"] not in ("booked", "hired"):
            continue
        fills += 1
        worker = day.workers[wid_of[t["worker_id"]]]
        wrong += job_true[t["job_id"]] not in worker.true_skills
    best = optimum(day, store_gazetteer(matcher))
    places = sum(j.headcount for j in day.jobs)
    return {
        "workers": len(day.workers),
        "jobs": len(day.jobs),
        "places": places,
        "optimum": best,
        "fills": fills,
        # Only bookings the worker can really do count towards the optimum: a wrong-skill
        # booking is a loss however it is counted.
        "ratio": round((fills - wrong) / best, 4) if best else 1.0,
        "wrong_skill_bookings": wrong,
        "wrong_skill_rate": round(wrong / fills, 4) if fills else 0.0,
        "parse_mistakes": parse_wrong,
        "offer_gini": offer_gini(
            [(frozenset(w.true_skills), w.reach) for w in day.workers], offers_per_worker
        ),
    }


def store_gazetteer(matcher: Matcher) -> Gazetteer:
    return matcher.engine.gazetteer


async def _answer_offers(
    store: Store, market: str, wid_of: dict[str, int], day: Day, minute: int
) -> None:
    """Each worker with pending offers takes the best one once their reaction time has
    passed since the oldest of them was made."""
    k = store.keys(market)
    now_ms = to_ms(START + timedelta(minutes=minute))
    pending = [
        o
        for r in (await store.redis.hgetall(k.offers)).values()
        if (o := loads(r)) and o["status"] == "pending"
    ]
    by_worker: dict[str, list[dict[str, Any]]] = {}
    for o in pending:
        by_worker.setdefault(o["worker_id"], []).append(o)
    for wid, offers in sorted(by_worker.items()):
        worker = day.workers[wid_of[wid]]
        react = worker.react * (1000 if worker.seconds else 60_000)
        if now_ms - min(o["created_ms"] for o in offers) < react:
            continue
        best = max(offers, key=lambda o: (o["score"], o["id"]))
        with contextlib.suppress(ScriptError):
            await store.accept_offer(market, best["id"], worker_id=wid)


def start_clock() -> FixedClock:
    return FixedClock(START)
