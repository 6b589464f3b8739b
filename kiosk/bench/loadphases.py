"""The shapes of load of ``kuaizhao bench load`` and what they record.

A closed loop (a fixed number of requests in flight: the ceiling), an open loop (requests
started at a fixed rate whether or not earlier ones returned: the latency arriving
clients see), paced kiosks (each screen polling on its own period) and a rate measured
before and after a change of the data (the hall board around a flood of open jobs).
Each is bounded in requests and in time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.bench.loadclient import LoadClient, LoadError, Reply


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Sample:
    """Latencies (ms) and status counts of one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    def record(self, started: float, status: int | str) -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[str(status)] += 1

    def summary(self, ok: frozenset[int] = frozenset({200, 201})) -> dict[str, Any]:
        good = sum(n for s, n in self.statuses.items() if s.isdigit() and int(s) in ok)
        lat = self.latencies
        return {
            "requests": len(lat),
            "errors": len(lat) - good,
            "statuses": dict(self.statuses),
            "seconds": round(self.elapsed_s, 2),
            "per_s": round(len(lat) / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(statistics.median(lat), 2) if lat else None,
            "p90_ms": round(percentile(lat, 0.90), 2),
            "p99_ms": round(percentile(lat, 0.99), 2),
            "max_ms": round(max(lat), 2) if lat else None,
        }


Send = Callable[[LoadClient, int], Awaitable[Reply]]


async def closed_loop(
    http: LoadClient,
    name: str,
    send: Send,
    *,
    total: int,
    in_flight: int,
    max_seconds: float = 120.0,
) -> Sample:
    """``total`` requests, ``in_flight`` at a time, each sent as soon as one returns; no
    new one after ``max_seconds`` (a slow server ends the phase early, reported)."""
    sample = Sample(name)
    counter = iter(range(total))
    stop_at = time.perf_counter() + max_seconds

    async def worker() -> None:
        for i in counter:
            if time.perf_counter() > stop_at:
                return
            await _timed(sample, http, send, i, time.perf_counter())

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    sample.elapsed_s = time.perf_counter() - t0
    return sample


async def open_loop(
    http: LoadClient, name: str, send: Send, *, rate: float, seconds: float, cap: int
) -> Sample:
    """Requests started at ``rate`` per second for ``seconds``, whether or not earlier
    ones have returned (up to ``cap`` in flight): latency as arriving clients see it."""
    sample = Sample(name)
    gate = asyncio.Semaphore(cap)
    tasks: list[asyncio.Task[None]] = []

    async def one(i: int, due: float) -> None:
        async with gate:
            await _timed(sample, http, send, i, due)

    t0 = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = t0 + i / rate
        if gate.locked() and time.perf_counter() > t0 + 2 * seconds + 10:
            # Far behind (every slot busy, past twice the phase): stop offering load.
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # Latency counts from when the request was due, not when it got a slot.
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    sample.elapsed_s = time.perf_counter() - t0
    return sample


async def paced_kiosks(
    http: LoadClient, send: Send, *, kiosks: int, poll_s: float, seconds: float
) -> Sample:
    """``kiosks`` screens, each polling every ``poll_s`` (start times spread over one
    period, as real screens are), for ``seconds``."""
    sample = Sample("kiosk_fragment_paced")
    t0 = time.perf_counter()

    async def kiosk(k: int) -> None:
        due = t0 + poll_s * k / kiosks
        while due < t0 + seconds:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await _timed(sample, http, send, k, due)
            due += poll_s

    await asyncio.gather(*(kiosk(k) for k in range(kiosks)))
    sample.elapsed_s = time.perf_counter() - t0
    return sample


@dataclass
class BeforeAfter:
    """One request's rate measured twice, around a change of the data it reads: each
    time the best of a few rounds, so that a burst of other work on the machine in one
    round does not pass for the request's own cost (the rounds' rates are kept)."""

    before: Sample
    after: Sample
    rounds_before: list[float]
    rounds_after: list[float]
    failed: int = 0  # requests that failed, in every round before and after

    @property
    def kept(self) -> float:
        """The share of its rate the request kept after the change."""
        b, a = self.before.summary()["per_s"], self.after.summary()["per_s"]
        return a / b if b else 0.0

    def kept_at_least(self, share: float) -> bool:
        """Kept ``share`` of its rate, and no request failed in any round."""
        return self.kept >= share and not self.failed


async def before_and_after(
    http: LoadClient,
    name: str,
    send: Send,
    change: Callable[[], Awaitable[object]],
    *,
    total: int,
    in_flight: int,
    max_seconds: float,
    rounds: int = 3,
) -> BeforeAfter:
    """``send``'s closed-loop rate (warmed first; ``rounds`` rounds sharing ``total``
    requests and ``max_seconds``), then ``change()``, then the rate again."""
    failed = 0

    async def measure(when: str) -> tuple[Sample, list[float]]:
        nonlocal failed
        await closed_loop(http, "warm", send, total=min(50, total), in_flight=4)
        runs = [
            await closed_loop(
                http,
                f"{name}_{when}",
                send,
                total=max(1, total // rounds),
                in_flight=in_flight,
                max_seconds=max_seconds / rounds,
            )
            for _ in range(rounds)
        ]
        failed += sum(r.summary()["errors"] for r in runs)
        rates = [r.summary()["per_s"] for r in runs]
        return runs[rates.index(max(rates))], rates

    before, rounds_before = await measure("before")
    await change()
    after, rounds_after = await measure("after")
    return BeforeAfter(before, after, rounds_before, rounds_after, failed)


async def _timed(sample: Sample, http: LoadClient, send: Send, i: int, since: float) -> None:
    """Send request ``i`` and record its latency from ``since`` (when it was due), or
    the kind of failure."""
    try:
        r = await send(http, i)
        sample.record(since, r.status)
    except LoadError as exc:
        sample.record(since, type(exc).__name__)
