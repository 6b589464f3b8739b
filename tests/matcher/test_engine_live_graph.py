"""The live-graph rule end to end on a real server: on random small markets, the offers
the matcher has out can always be completed to a maximum matching of today's open places
and free workers (the naive reference: every place a slot, scipy's matching, the naive
eligibility of test_scoring)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from conftest import drain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from support.builders import drawn_checkin_body, drawn_job_body
from test_engine import people, posts
from test_live_graph import reference_size
from test_scoring import naive_eligible
from test_store import ctx

from kiosk.web.validation import parse_checkin, parse_job
from matcher.clock import FixedClock, to_ms
from matcher.markets import MARKETS
from matcher.matching.batch import reoptimise
from matcher.matching.worker import Matcher
from matcher.store.facade import Store


async def _graph(
    redis: Redis, store: Store
) -> tuple[dict[str, list[str]], dict[str, int], list[tuple[str, str]]]:
    """Today's true graph (open places, free workers) and the pending offers that cover a
    place (the first ``remaining`` of each job, oldest first)."""
    k = store.keys("kaili")
    day = store.today()
    jobs = [json.loads(r) for r in (await redis.hgetall(k.jobs)).values()]
    jobs = [j for j in jobs if j["status"] == "open" and j["remaining"] > 0]
    workers = [json.loads(r) for r in (await redis.hgetall(k.checkins(day))).values()]
    workers = [w for w in workers if w["status"] in ("available", "offered")]
    offers = [json.loads(r) for r in (await redis.hgetall(k.offers)).values()]
    pending = sorted((o for o in offers if o["status"] == "pending"), key=lambda o: o["created_ms"])
    adj: dict[str, list[str]] = {}
    for w in workers:
        ref_w = {
            "skills": w["skills"],
            "township": w["township"],
            "reach": w["reach"],
            "min_wage": w["min_wage_yuan"],
            "until": w["available_until_ms"],
            "checked_in": w["checked_in_ms"],
            "blocked": set(w.get("blocked_employers", "").split()),
        }
        adj[w["worker_id"]] = [
            j["id"]
            for j in jobs
            if naive_eligible(
                {
                    "skills": j["skills"],
                    "township": j["township"],
                    "wage": j["wage_day_yuan"],
                    "start": to_ms(datetime.fromisoformat(j["start_at"])),
                    "employer_id": j["employer_id"],
                },
                ref_w,
            )
        ]
    cap = {j["id"]: j["remaining"] for j in jobs}
    covering: list[tuple[str, str]] = []
    for j in jobs:
        mine = [o for o in pending if o["job_id"] == j["id"]][: j["remaining"]]
        covering += [(o["worker_id"], j["id"]) for o in mine]
    return adj, cap, covering


def _reachable(adj: dict[str, list[str]], cap: dict[str, int], out: list[tuple[str, str]]) -> bool:
    taken = {w for w, _ in out}
    left = dict(cap)
    for _, j in out:
        left[j] -= 1
    rest = {w: js for w, js in adj.items() if w not in taken}
    return len(out) + reference_size(rest, left) == reference_size(adj, cap)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(crowd=people, jobs=posts, workers_first=st.booleans())
async def test_offers_out_never_make_the_maximum_matching_unreachable(
    redis: Redis,
    store: Store,
    clock: FixedClock,
    crowd: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    workers_first: bool,
) -> None:
    await _play(redis, store, clock, crowd, jobs, workers_first=workers_first)


async def _play(
    redis: Redis,
    store: Store,
    clock: FixedClock,
    crowd: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    *,
    workers_first: bool,
) -> None:
    """Arrivals one at a time, each decided before the next; the rule checked after each
    (once every worker is known) and after a batch pass at the end. No decision window:
    every arrival may repair, as arrivals further apart than the window do."""
    await redis.flushdb()
    store.settings = replace(store.settings, decision_window_ms=0)
    clock.set(clock.now().replace(hour=9, minute=0))
    matcher = Matcher(store, list(MARKETS), name="live")
    await matcher.ensure_groups()
    c = ctx(clock)
    arrivals: list[tuple[str, int]] = [("w", n) for n in range(len(crowd))]
    posted: list[tuple[str, int]] = [("j", i) for i in range(len(jobs))]
    for kind, n in arrivals + posted if workers_first else posted + arrivals:
        if kind == "w":
            body = drawn_checkin_body(n + 1, crowd[n])
            spec = parse_checkin(body, c)
            await store.check_in("kaili", spec, request_id=f"c{n}", fingerprint=body)
        else:
            body = drawn_job_body(n, jobs[n])
            await store.post_job("kaili", parse_job(body, c), request_id=f"j{n}", fingerprint=body)
        # Each arrival is decided before the next, as a matcher in service does.
        await drain(matcher)
        if workers_first:
            # With every worker known, each decision keeps the maximum reachable.
            adj, cap, out = await _graph(redis, store)
            assert _reachable(adj, cap, out), (adj, cap, out)
    # Whatever the order, once the batch pass has moved what it may, it holds too.
    await redis.delete(store.keys("kaili").batch_lock)
    await reoptimise(matcher.engine, "kaili")
    await drain(matcher)
    adj, cap, out = await _graph(redis, store)
    assert _reachable(adj, cap, out), (adj, cap, out)


async def test_a_labourer_welder_is_moved_to_the_welding_job_posted_after_him(
    redis: Redis, store: Store, clock: FixedClock
) -> None:
    """Day one, no history: both workers were asked for the labouring job; when the
    welding job comes a moment later, the welder's stand-by offer moves to it at once."""
    labourer = {"township": "522601100", "reach": "county", "min_wage_yuan": 0, "until": "18:00"}
    job = {"township": "522601100", "wage_yuan": 200, "headcount": 1, "start": "10:00"}
    await _play(
        redis,
        store,
        clock,
        [
            {**labourer, "skills": ["general_laborer", "welder"]},
            {**labourer, "skills": ["general_laborer"]},
        ],
        [{**job, "skills": ["general_laborer"]}, {**job, "skills": ["welder"]}],
        workers_first=True,
    )
    offers = [json.loads(r) for r in (await redis.hgetall(store.keys("kaili").offers)).values()]
    pending = {(o["worker_id"], o["job_id"]) for o in offers if o["status"] == "pending"}
    assert len(pending) == 2 and len({j for _, j in pending}) == 2
