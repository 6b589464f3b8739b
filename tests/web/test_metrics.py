"""``/-/metrics`` (Prometheus text format) and the queue and heartbeat figures of
``/-/health``, through the app over ASGI with a matcher driven by the test."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import httpx
from conftest import Client
from hypothesis import given
from hypothesis import strategies as st
from support.builders import checkin_body, job_body

from kiosk.app import create_app
from kiosk.http.metrics import BUCKETS, Histogram
from matcher.matching.worker import Matcher
from matcher.settings import Settings

SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"(?:\{(?P<labels>[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\[\\n\"])*\""
    r"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\[\\n\"])*\")*)\})?"
    r" (?P<value>[-+]?(?:[0-9.]+(?:e[-+]?[0-9]+)?|Inf|NaN))$"
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Series:
    """A strict reader of the text exposition format: every sample belongs to a family
    declared by HELP and TYPE before it, and no series appears twice."""
    assert text.endswith("\n")
    declared: dict[str, str] = {}
    helped: set[str] = set()
    series: Series = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in {"counter", "gauge", "histogram"}, line
            assert name not in declared, f"{name} declared twice"
            declared[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m["name"]
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        base = name if name in declared else family
        assert base in declared and base in helped, f"{name} has no HELP/TYPE"
        if declared[base] == "counter":
            assert name.endswith("_total"), name
        labels = frozenset(LABEL.findall(m["labels"] or ""))
        key = (name, labels)
        assert key not in series, f"duplicate series {line}"
        series[key] = float(m["value"].replace("Inf", "inf"))
    return series


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: Client) -> Series:
    r = await client.get("/-/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(r.text)


async def drain(matcher: Matcher) -> None:
    while await matcher.consume_once("kaili"):
        pass


async def test_metrics_count_requests_and_follow_the_market(
    client: Client, auth: dict[str, str]
) -> None:
    before = await scrape(client)
    assert value(before, "kuaizhao_store_up") == 1

    workers = []
    for n in (1, 2):
        r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(n), headers=auth)
        assert r.status_code == 201, r.text
        workers.append(r.json()["worker_id"])
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(headcount=1), headers=auth)
    assert r.status_code == 201, r.text
    job = r.json()
    assert (await client.get("/m/kaili/")).status_code == 200
    assert (await client.get("/static/kiosk.css")).status_code == 200
    assert (await client.get("/no/such/page")).status_code == 404

    waiting = await scrape(client)
    assert value(waiting, "kuaizhao_queue_lag", market="kaili") >= 1
    assert value(waiting, "kuaizhao_queue_pending", market="kaili") == 0
    assert value(waiting, "kuaizhao_jobs_open", market="kaili") == 1
    assert value(waiting, "kuaizhao_matchers_fresh") == 0

    matcher = Matcher(client.state.store, ["kaili"], name="metrics-test")
    await matcher.ensure_groups()
    await matcher.tick()  # a heartbeat
    await drain(matcher)
    offers = [(w, o) for w in workers for o in await worker_offers(client, w)]
    assert offers
    booked, offer = offers[0]
    r = await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": booked, "outcome": "hired"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    await drain(matcher)  # what the booking and the outcome queued

    after = await scrape(client)
    stats = (await client.get("/api/v1/markets/kaili/stats")).json()
    assert value(after, "kuaizhao_queue_lag", market="kaili") == 0
    assert value(after, "kuaizhao_queue_pending", market="kaili") == 0
    assert value(after, "kuaizhao_matchers_fresh") == 1
    assert value(after, "kuaizhao_matcher_heartbeat_age_seconds", matcher="metrics-test") == 0
    assert value(after, "kuaizhao_offers_today", market="kaili") == stats["offers"] >= 1
    assert value(after, "kuaizhao_bookings_today", market="kaili") == stats["bookings"] == 1
    assert value(after, "kuaizhao_fills_today", market="kaili") == stats["hired"] == 1
    assert value(after, "kuaizhao_fill_rate_today", market="kaili") == stats["fill_rate"] == 1.0
    assert value(after, "kuaizhao_day_count", market="kaili", counter="checkins") == 2
    assert value(after, "kuaizhao_offers_today", market="liping") == 0

    def requests(s: Series, method: str, route: str, status: str) -> float:
        return value(s, "kuaizhao_http_requests_total", method=method, route=route, status=status)

    checkins = "/api/v1/markets/{market}/checkins"
    assert requests(after, "POST", checkins, "201") - requests(before, "POST", checkins, "201") == 2
    for route, status in (("/m/{market}/", "200"), ("/static", "200"), ("unmatched", "404")):
        assert requests(after, "GET", route, status) > requests(before, "GET", route, status)

    # Histograms: cumulative buckets ending in +Inf == count, one family per route.
    buckets: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (name, labels), v in after.items():
        if name == "kuaizhao_http_request_duration_seconds_bucket":
            d = dict(labels)
            buckets[d["route"]].append((float(d["le"].replace("Inf", "inf")), v))
    assert checkins in buckets
    for route, pairs in buckets.items():
        pairs.sort()
        assert [b for b, _ in pairs] == [*BUCKETS, math.inf]
        counts = [c for _, c in pairs]
        assert counts == sorted(counts), route
        count = value(after, "kuaizhao_http_request_duration_seconds_count", route=route)
        assert counts[-1] == count > 0


async def worker_offers(client: Client, worker: str) -> list[dict[str, object]]:
    r = await client.get(f"/api/v1/markets/kaili/workers/{worker}/offers")
    offers: list[dict[str, object]] = r.json()
    return offers


async def test_health_reports_matcher_heartbeat_and_queue_lag(
    client: Client, auth: dict[str, str]
) -> None:
    body = (await client.get("/-/health")).json()
    assert body["status"] == "ok"
    assert body["matcher"] == "none" and body["matcher_heartbeat_age_s"] is None
    assert body["queue_lag"] == 0
    assert set(body["queues"]) >= {"kaili", "liping", "rongjiang", "jianhe"}

    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)
    assert r.status_code == 201
    body = (await client.get("/-/health")).json()
    assert body["queue_lag"] == 1 and body["queues"]["kaili"]["lag"] == 1
    assert body["queues"]["liping"] == {"lag": 0, "pending": 0, "length": 0, "dead": 0}

    matcher = Matcher(client.state.store, ["kaili"], name="health-test")
    await matcher.ensure_groups()
    await matcher.tick()
    # Read but not acknowledged yet: pending, no longer lag.
    store = client.state.store
    await store.redis.xreadgroup("matchers", "peek", {store.keys("kaili").queue: ">"}, count=1)
    body = (await client.get("/-/health")).json()
    assert body["matcher"] == "ok" and body["matchers"] == 1
    assert body["matcher_heartbeat_age_s"] == 0
    assert body["queues"]["kaili"] == {"lag": 0, "pending": 1, "length": 1, "dead": 0}
    assert body["queue_lag"] == 0
    await matcher.claim_orphans("kaili", min_idle_ms=0)
    await drain(matcher)
    body = (await client.get("/-/health")).json()
    assert body["queue_lag"] == 0 and body["queues"]["kaili"]["pending"] == 0


async def test_metrics_without_a_store_still_answer() -> None:
    """Before the lifespan has run (or with the store gone) the endpoint answers with the
    process counters and kuaizhao_store_up 0, so an alert can fire on it."""
    app = create_app(Settings(redis_url="redis://127.0.0.1:1/0", secret="x"), run_matcher=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kz.test") as c:
        r = await c.get("/-/metrics")
    assert r.status_code == 200
    series = parse(r.text)
    assert value(series, "kuaizhao_store_up") == 0
    assert value(series, "kuaizhao_process_start_time_seconds") > 0


@given(st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), max_size=60))
def test_histogram_counts_are_the_cumulative_le_counts(observed: list[float]) -> None:
    h = Histogram()
    for seconds in observed:
        h.observe(seconds)
    # The definition, naively: for each bound, how many observations were at most it.
    assert h.counts == [sum(1 for s in observed if s <= bound) for bound in BUCKETS]
    assert h.total == len(observed)
    for bound in BUCKETS:  # exactly on a bound counts in it
        edge = Histogram()
        edge.observe(bound)
        assert edge.counts == [int(bound <= b) for b in BUCKETS]
