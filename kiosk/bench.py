"""``kuaizhao bench``: measurements that print JSON (never timed tests).

``latency``: the time from a job post (HTTP, acknowledged durably) to the offer being
visible to the worker through the API, end to end through a real uvicorn, the
in-process matcher and a private embedded Valkey. Each round checks in one worker and
posts one job for them; the worker then accepts, so every round starts clean.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from kiosk.app import create_app
from matcher.clock import TZ, ShiftedClock, SystemClock, day_end, iso
from matcher.settings import Settings

TOKEN = "bench-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _latency(posts: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kzb", dir="/tmp") as tmp:
        settings = Settings(data_dir=Path(tmp), api_token=TOKEN, secret="bench")
        # A market morning whatever the hour: latency must not depend on the clock.
        clock = ShiftedClock(datetime.combine(SystemClock().now().date(), time_of_day(9), TZ))
        app = create_app(settings, clock=clock, matcher_tick_s=1.0)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no "started" event
            await asyncio.sleep(0.01)
        now = clock.now()
        end = min(now + timedelta(hours=8), day_end(now) - timedelta(minutes=1))
        start = min(now + timedelta(minutes=30), end - timedelta(minutes=1))
        auth = {"Authorization": f"Bearer {TOKEN}"}
        samples: list[float] = []
        base = f"http://127.0.0.1:{port}/api/v1/markets/kaili"
        try:
            async with httpx.AsyncClient(base_url=base, headers=auth, timeout=10) as http:
                for i in range(posts):
                    r = await http.post(
                        "/checkins",
                        json={
                            "phone": f"137{i:08d}",
                            "skills": ["general_laborer"],
                            "reach": "county",
                        },
                    )
                    r.raise_for_status()
                    wid = r.json()["worker_id"]
                    body = {
                        "title": f"搬砖小工 {i}",
                        "skills": ["general_laborer"],
                        "headcount": 1,
                        "wage_yuan": 200,
                        "township": "522601001",
                        "start_at": iso(start),
                        "end_at": iso(end),
                        "employer_name": "测",
                        "employer_phone": "13800000000",
                    }
                    t0 = time.perf_counter()
                    r = await http.post("/jobs", json=body)
                    r.raise_for_status()
                    job_id = r.json()["id"]
                    while True:
                        offers = (await http.get(f"/workers/{wid}/offers")).json()
                        mine = [o for o in offers if o["job_id"] == job_id]
                        if mine:
                            samples.append((time.perf_counter() - t0) * 1000)
                            break
                        if time.perf_counter() - t0 > 10:
                            raise RuntimeError(f"no offer for job {job_id} within 10 s")
                        await asyncio.sleep(0.001)
                    (await http.post(f"/offers/{mine[0]['id']}/accept")).raise_for_status()
        finally:
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
    return {
        "bench": "post_to_offer_visible",
        "posts": posts,
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(_pct(samples, 0.90), 2),
        "p99_ms": round(_pct(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
        "store": "embedded valkey, AOF appendfsync always, WAITAOF acknowledgement",
        "path": "HTTP POST /jobs -> queue -> matcher -> offer -> HTTP GET /workers/{id}/offers",
    }


def _parse() -> dict[str, Any]:
    """Parser accuracy on the dev and held-out sets, throughput, and taxonomy memory."""
    import tracemalloc

    from matcher.phrase_eval import evaluate
    from matcher.skills import DATA_DIR, Taxonomy

    tracemalloc.start()
    taxonomy = Taxonomy.load()
    taxonomy.parse("预热")  # lazily built indexes count as the taxonomy's memory too
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    phrases = []
    report: dict[str, Any] = {"bench": "skills_parse", "taxonomy_kib": round(memory / 1024)}
    for name in ("dev", "heldout"):
        path = DATA_DIR / f"phrases-{name}.csv"
        result = evaluate(path, taxonomy)
        report[name] = {
            "n": result["n"],
            "top1_rate": round(result["top1_rate"], 4),
            "none_rejected_rate": round(result["none_rejected_rate"], 4),
        }
        with path.open(encoding="utf-8") as fh:
            phrases += [line.split(",", 1)[0] for line in fh.read().splitlines()[1:] if line]
    # Unique variants so no cache can answer: the throughput of real parsing.
    texts = [f"{p}{i}" for i in range(40) for p in phrases]
    t0 = time.perf_counter()
    for text in texts:
        taxonomy.parse(text)
    elapsed = time.perf_counter() - t0
    report["parse_phrases_per_s"] = round(len(texts) / elapsed)
    report["phrases_parsed"] = len(texts)
    return report


@contextlib.asynccontextmanager
async def _private_store(clock: Any, **overrides: Any) -> Any:
    """A throwaway embedded server and a store on it."""
    from redis.asyncio import BlockingConnectionPool, Redis

    from matcher.embedded import EmbeddedServer
    from matcher.store import Store

    with tempfile.TemporaryDirectory(prefix="kzs", dir="/tmp") as tmp:
        server = EmbeddedServer(Path(tmp))
        url = await asyncio.to_thread(server.start)
        pool = BlockingConnectionPool.from_url(url, max_connections=32, decode_responses=True)
        redis = Redis(connection_pool=pool)
        try:
            settings = Settings(redis_url=url, data_dir=Path(tmp), secret="bench", **overrides)
            store = Store(redis, settings, clock)
            await store.probe()
            yield store
        finally:
            await redis.aclose()
            await pool.disconnect()
            await asyncio.to_thread(server.stop)


async def _sim(seeds: int, workers: int, jobs: int, batch: bool) -> dict[str, Any]:
    from matcher.markets import MARKETS
    from matcher.places import default_gazetteer
    from matcher.queue import Matcher
    from matcher.simulate import generate, run_day, start_clock
    from matcher.skills import default_taxonomy

    taxonomy, gazetteer = default_taxonomy(), default_gazetteer()
    days = []
    for seed in range(seeds):
        clock = start_clock()
        async with _private_store(clock) as store:
            matcher = Matcher(store, list(MARKETS), name=f"sim{seed}")
            await matcher.ensure_groups()
            day = generate(seed, taxonomy, gazetteer, workers=workers, jobs=jobs)
            t0 = time.perf_counter()
            result = await run_day(day, store, matcher, clock, taxonomy, batch=batch)
            result["seed"] = seed
            result["seconds"] = round(time.perf_counter() - t0, 1)
            days.append(result)
    fills = sum(d["fills"] for d in days)
    best = sum(d["optimum"] for d in days)
    wrong = sum(d["wrong_skill_bookings"] for d in days)
    return {
        "bench": "simulated_market_days",
        "batch_pass": batch,
        "days": days,
        "optimum": best,
        "fills": fills,
        "ratio": round(fills / best, 4) if best else 1.0,
        "wrong_skill_rate": round(wrong / fills, 4) if fills else 0.0,
    }


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    # The JSON on stdout is the result; request logs would only bury it.
    for name in ("httpx", "uvicorn", "uvicorn.error", "matcher", "kiosk"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.what == "latency":
        return asyncio.run(_latency(args.posts))
    if args.what == "parse":
        return _parse()
    if args.what == "sim":
        return asyncio.run(_sim(args.seeds, args.sim_workers, args.sim_jobs, not args.no_batch))
    raise SystemExit(f"unknown benchmark {args.what}")
