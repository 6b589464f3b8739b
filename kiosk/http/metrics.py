"""Prometheus metrics and the queue figures of ``/-/health``.

``/-/metrics`` answers in the Prometheus text exposition format (0.0.4), written by hand:

* per process, from the ``RequestMetrics`` middleware: requests by method, route and
  status, and a latency histogram by route. Routes are the app's path templates
  (``/api/v1/markets/{market}/jobs``), so the number of series stays bounded. Each web
  instance counts its own requests: scrape every instance (127.0.0.1:8001, :8002, ...),
  as Prometheus does for any multi-process service;
* from the store at scrape time, the same for every instance: matcher heartbeats, each
  market's queue (lag: entries no matcher has read yet; pending: read, not yet
  acknowledged; dead letters), open jobs, pending offers, and today's counters (offers,
  bookings, fills = hired, and the rest of ``STATS_COUNTERS``).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.http.state import AppState
from matcher.clock import day_key, to_ms
from matcher.markets import MARKETS
from matcher.store.facade import Store
from matcher.store.keys import MATCHERS, QUEUE_GROUP, STATS_COUNTERS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HEARTBEAT_FRESH_MS = 30_000


@dataclass
class Histogram:
    # Per bucket, not cumulative (one increment per request, on every request); the
    # exposition adds them up. The last slot is above the largest bound.
    per_bucket: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: int = 0
    sum: float = 0.0

    def observe(self, seconds: float) -> None:
        self.per_bucket[bisect_left(BUCKETS, seconds)] += 1
        self.total += 1
        self.sum += seconds

    @property
    def counts(self) -> list[int]:
        """Cumulative counts for each bound of ``BUCKETS`` (Prometheus' ``le``)."""
        return list(accumulate(self.per_bucket[:-1]))


class Registry:
    """Request counters of this process."""

    def __init__(self) -> None:
        self.started = time.time()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[str, Histogram] = {}
        self.in_flight = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, str(status))
        self.requests[key] = self.requests.get(key, 0) + 1
        self.latency.setdefault(route, Histogram()).observe(seconds)

    def lines(self) -> list[str]:
        out = family(
            "kuaizhao_http_requests_total",
            "counter",
            "HTTP requests answered by this process",
            (
                ({"method": m, "route": r, "status": s}, n)
                for (m, r, s), n in sorted(self.requests.items())
            ),
        )
        out += [
            "# HELP kuaizhao_http_request_duration_seconds "
            "time from request to the end of the response, by route",
            "# TYPE kuaizhao_http_request_duration_seconds histogram",
        ]
        for route, h in sorted(self.latency.items()):
            for bound, n in zip(BUCKETS, h.counts, strict=True):
                out.append(
                    sample(
                        "kuaizhao_http_request_duration_seconds_bucket",
                        {"route": route, "le": number(bound)},
                        n,
                    )
                )
            inf = {"route": route, "le": "+Inf"}
            out.append(sample("kuaizhao_http_request_duration_seconds_bucket", inf, h.total))
            out.append(
                sample("kuaizhao_http_request_duration_seconds_sum", {"route": route}, h.sum)
            )
            out.append(
                sample("kuaizhao_http_request_duration_seconds_count", {"route": route}, h.total)
            )
        out += family(
            "kuaizhao_http_requests_in_flight",
            "gauge",
            "requests this process is answering now",
            [({}, self.in_flight)],
        )
        out += family(
            "kuaizhao_process_start_time_seconds",
            "gauge",
            "start of this process, seconds since the epoch",
            [({}, self.started)],
        )
        return out


REGISTRY = Registry()
"""The counters of this process (like prometheus_client's default registry)."""


def route_label(scope: Scope, root_path: str) -> str:
    """The matched route's path template, with the prefixes of the mounts it is in."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    prefix = str(scope.get("root_path", ""))[len(root_path) :]
    if isinstance(route, Mount):
        return prefix or route.path
    return prefix + str(getattr(route, "path", "?"))


class RequestMetrics:
    """ASGI middleware: count each HTTP request and time it to the end of its response."""

    def __init__(self, app: ASGIApp, registry: Registry | None = None) -> None:
        self.app = app
        self.registry = registry or REGISTRY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        root_path = str(scope.get("root_path", ""))
        status = 500  # unless a response starts: an exception becomes a 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.registry.in_flight += 1
        try:
            await self.app(scope, receive, send_status)
        finally:
            self.registry.in_flight -= 1
            self.registry.observe(
                str(scope.get("method", "")),
                route_label(scope, root_path),
                status,
                time.perf_counter() - start,
            )


# -- the store's figures -----------------------------------------------------------------


async def queue_status(store: Store, markets: Iterable[str]) -> dict[str, dict[str, int | None]]:
    """Per market: lag (entries no matcher has read), pending (read, not acknowledged),
    length of the queue and of its dead letters. Lag is None when the server cannot tell
    (Redis < 7, or after a trim past unread entries)."""
    markets = list(markets)
    async with store.redis.pipeline(transaction=False) as p:
        for m in markets:
            k = store.keys(m)
            p.xinfo_groups(k.queue)
            p.xlen(k.queue)
            p.xlen(k.dead)
        replies = await p.execute(raise_on_error=False)
    out: dict[str, dict[str, int | None]] = {}
    for i, m in enumerate(markets):
        groups, length, dead = replies[3 * i : 3 * i + 3]
        # No group yet (no matcher ever ran): every entry waits. No stream: none.
        lag: int | None = _int(length)
        pending = 0
        if not isinstance(groups, Exception):
            for g in groups:
                if _text(g.get("name")) == QUEUE_GROUP:
                    raw = g.get("lag")
                    lag = None if raw is None else int(raw)
                    pending = int(g.get("pending") or 0)
        out[m] = {
            "lag": lag,
            "pending": pending,
            "length": _int(length),
            "dead": _int(dead),
        }
    return out


async def heartbeat_ages(state: AppState) -> dict[str, float]:
    """Seconds since each matcher's last heartbeat (never below zero: processes started
    with a pinned clock can be a little apart)."""
    beats = await state.store.redis.hgetall(MATCHERS)
    now = to_ms(state.clock.now())
    return {_text(name): max(0, now - int(ms)) / 1000 for name, ms in beats.items()}


async def store_lines(state: AppState) -> list[str]:
    store = state.store
    markets = list(MARKETS)
    day = day_key(state.clock.now())
    ages = await heartbeat_ages(state)
    queues = await queue_status(store, markets)
    async with store.redis.pipeline(transaction=False) as p:
        for m in markets:
            k = store.keys(m)
            p.zcard(k.jobs_open)
            p.zcard(k.offers_pending)
            p.hgetall(k.stats(day))
        replies = await p.execute()
    opened: list[tuple[dict[str, str], float]] = []
    pending: list[tuple[dict[str, str], float]] = []
    today: dict[str, dict[str, int]] = {}
    for i, m in enumerate(markets):
        jobs_open, offers_pending, raw = replies[3 * i : 3 * i + 3]
        opened.append(({"market": m}, int(jobs_open)))
        pending.append(({"market": m}, int(offers_pending)))
        today[m] = {c: int(raw.get(c, 0)) for c in STATS_COUNTERS}

    fresh = [a for a in ages.values() if a * 1000 < HEARTBEAT_FRESH_MS]
    out = family("kuaizhao_store_up", "gauge", "1 when the store answers", [({}, 1)])
    out += family(
        "kuaizhao_matchers_fresh",
        "gauge",
        f"matchers with a heartbeat in the last {HEARTBEAT_FRESH_MS // 1000} s",
        [({}, len(fresh))],
    )
    out += family(
        "kuaizhao_matcher_heartbeat_age_seconds",
        "gauge",
        "seconds since each matcher's last heartbeat",
        (({"matcher": name}, age) for name, age in sorted(ages.items())),
    )
    for key, kind, help_text in (
        ("lag", "kuaizhao_queue_lag", "queue entries no matcher has read yet"),
        ("pending", "kuaizhao_queue_pending", "queue entries read but not yet acknowledged"),
        ("length", "kuaizhao_queue_length", "entries kept in the market's work queue"),
        ("dead", "kuaizhao_queue_dead_letters", "queue entries given up after max deliveries"),
    ):
        out += family(
            kind,
            "gauge",
            help_text,
            (({"market": m}, v) for m, q in queues.items() if (v := q[key]) is not None),
        )
    out += family("kuaizhao_jobs_open", "gauge", "jobs open for offers now", opened)
    out += family("kuaizhao_offers_pending", "gauge", "offers waiting for an answer", pending)
    for name, counter, help_text in (
        ("kuaizhao_offers_today", "offers", "offers made today (local day)"),
        ("kuaizhao_bookings_today", "bookings", "offers accepted today: interview booked"),
        ("kuaizhao_fills_today", "hired", "places filled today: workers marked hired"),
    ):
        out += family(
            name, "gauge", help_text, (({"market": m}, c[counter]) for m, c in today.items())
        )
    out += family(
        "kuaizhao_fill_rate_today",
        "gauge",
        "places filled / places posted today",
        (
            ({"market": m}, c["hired"] / c["headcount_posted"] if c["headcount_posted"] else 0.0)
            for m, c in today.items()
        ),
    )
    out += family(
        "kuaizhao_day_count",
        "gauge",
        "today's counters of the daily figures (reset at local midnight)",
        (({"market": m, "counter": n}, v) for m, c in today.items() for n, v in c.items()),
    )
    return out


async def metrics(request: Request) -> Response:
    lines = REGISTRY.lines()
    state: AppState | None = getattr(request.app.state, "kz", None)
    up = 0
    if state is not None:
        try:
            lines += await store_lines(state)
            up = 1
        except (RedisError, OSError):
            pass
    if not up:
        lines += family("kuaizhao_store_up", "gauge", "1 when the store answers", [({}, 0)])
    return Response("\n".join(lines) + "\n", media_type=CONTENT_TYPE)


# -- exposition format ---------------------------------------------------------------------


def family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]
) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    out += [sample(name, labels, value) for labels, value in samples]
    return out


def sample(name: str, labels: Mapping[str, str], value: float) -> str:
    if labels:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        return f"{name}{{{inner}}} {number(value)}"
    return f"{name} {number(value)}"


def number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _int(value: Any) -> int:
    return 0 if isinstance(value, Exception) or value is None else int(value)
