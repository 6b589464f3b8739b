"""``kuaizhao bench load``: a bounded load generator against a real server on loopback.

It starts kuaizhao as a real uvicorn process (one web process, as in
``deploy/systemd/kuaizhao-web@.service``) on the embedded Valkey (AOF ``appendfsync
always``, every write acknowledged after ``WAITAOF``), and beside it a bare Starlette
"hello" app under the same uvicorn options, then measures, all on 127.0.0.1:

- job posts over the API: the highest rate one process sustains (closed loop, a fixed
  number of requests in flight) and the latency when posts arrive at a target rate
  (open loop, ``--rate`` per second for ``--seconds``);
- kiosk fragment GETs (the employer screen's job-status fragment, polled by htmx) with
  ``--kiosks`` kiosks polling every ``--poll-s`` seconds, and at saturation;
- the same closed-loop load against the "hello" endpoint, and the ratios;
- memory per 10,000 checked-in workers (``used_memory`` before and after);
- the hall board (the fragment its screens poll) of a market of its own: its rate
  with a few open jobs, then again after ``board_jobs`` (10,000) more are posted; the
  board reads a bounded part of the day whatever the open jobs (issue 14), so it should
  keep at least half its rate, with no error (``board_kept_half``).

Every loop is bounded in requests and in time and stops by itself; nothing but loopback
is ever addressed. The generator runs on the same machine, so it takes CPU from the
server: the figures are what one box does with both on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kiosk.auth.tokens import create_token
from kiosk.bench.loadclient import LoadClient, LoadError, Reply
from kiosk.bench.loadphases import (
    Sample,
    Send,
    before_and_after,
    closed_loop,
    open_loop,
    paced_kiosks,
)
from matcher.store.keys import MarketKeys

TOKEN = "load-token"
MARKET = "kaili"
# The board phase posts to a market of its own, so the other phases' jobs (thousands,
# in MARKET) are not in its "before".
BOARD_MARKET = "rongjiang"
# Open jobs on the board before the flood: more than it lists (kiosk/web/board_view.py,
# 30), so that before and after it renders the same full list and "还有 M 个", and only
# what the open jobs cost the reads differs.
BOARD_SEED_JOBS = 40
# The service clock of the server under load: a market morning whatever the real hour.
MORNING = "2026-11-27T09:00:00+08:00"
START_TIMEOUT = 60.0


async def _hello(request: Request) -> Response:
    return PlainTextResponse("hello")


def hello_app() -> Starlette:
    """The baseline: Starlette with one route and nothing else (``--factory`` target)."""
    return Starlette(routes=[Route("/", _hello)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the processes under load -------------------------------------------------------------


class Server:
    """A uvicorn process on a free loopback port, stopped with SIGTERM."""

    def __init__(self, factory: str, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"uvicorn-{self.port}.log"
        args = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--no-server-header",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )

    async def ready(self, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        http = LoadClient("127.0.0.1", self.port, connections=1, timeout=2)
        try:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
                with contextlib.suppress(LoadError):
                    if (await http.get(path)).status == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready: {self.log.read_text()[-2000:]}")
                await asyncio.sleep(0.1)
        finally:
            await http.aclose()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.asynccontextmanager
async def servers(
    data: Path, *, matcher: bool, pool: int, durable: bool = True
) -> AsyncIterator[tuple[Server, Server]]:
    env = {
        **os.environ,
        "KUAIZHAO_DATA": str(data),
        "KUAIZHAO_API_TOKEN": TOKEN,
        "KUAIZHAO_SECRET": "load-secret",
        "KUAIZHAO_FAKE_NOW": MORNING,
        # The generator is one client address posting thousands a second: the per-token
        # write limit would be what is measured.
        "KUAIZHAO_WRITE_LIMIT": "0",
        "KUAIZHAO_RUN_MATCHER": "true" if matcher else "false",
        "KUAIZHAO_REDIS_POOL": str(pool),
        "KUAIZHAO_DURABLE": "true" if durable else "false",
    }
    env.pop("REDIS_URL", None)  # the embedded server, always
    kz = Server("kiosk.app:create_app", env, data)
    hello = Server("kiosk.bench.loadgen:hello_app", env, data)
    try:
        await kz.ready("/-/health")
        await hello.ready("/")
        yield kz, hello
    finally:
        kz.stop()
        hello.stop()


# -- requests -------------------------------------------------------------------------------


def _at(hhmm: str) -> str:
    return f"2026-11-27T{hhmm}:00+08:00"


def job_body(i: int) -> dict[str, Any]:
    return {
        "title": f"搬砖小工 {i}",
        "skills": ["general_laborer"],
        "headcount": 1 + i % 3,
        "wage_yuan": 200,
        "wage_unit": "day",
        "township": "522601001",
        "start_at": _at("10:00"),
        "end_at": _at("17:00"),
        "interview_at": _at("09:30"),
        "interview_place": "3号洽谈桌",
        "employer_name": "王师傅",
        "employer_phone": f"138{i % 10_000:08d}",
    }


def checkin_body(i: int) -> dict[str, Any]:
    return {
        "phone": f"139{i:08d}",
        "name": "李",
        "skills": ["general_laborer", "bricklayer"] if i % 2 else ["cleaner"],
        "township": "522601001",
        "reach": "county",
        "min_wage_yuan": 150,
        "available_until": _at("18:00"),
    }


def poster(prefix: str, market: str = MARKET) -> Send:
    async def send(http: LoadClient, i: int) -> Reply:
        body = job_body(i)
        if market != MARKET:
            # Interviews spread over half an hour: the board's order is not the posts'.
            body["interview_at"] = _at(f"09:{30 + i * 7 % 30:02d}")
        return await http.post(
            f"/api/v1/markets/{market}/jobs", body, {"Idempotency-Key": f"{prefix}-{i}"}
        )

    return send


async def board_get(http: LoadClient, i: int) -> Reply:
    # The hall board's poll: the live fragment, rendered each time.
    return await http.get(f"/m/{BOARD_MARKET}/board", {"HX-Request": "true"})


def checker(prefix: str, offset: int) -> Send:
    async def send(http: LoadClient, i: int) -> Reply:
        return await http.post(
            f"/api/v1/markets/{MARKET}/checkins",
            checkin_body(offset + i),
            {"Idempotency-Key": f"{prefix}-{i}"},
        )

    return send


def fragment(job_ids: list[str]) -> Send:
    async def send(http: LoadClient, i: int) -> Reply:
        # htmx's poll of the employer screen: the job-status fragment, rendered each time.
        return await http.get(
            f"/m/{MARKET}/jobs/{job_ids[i % len(job_ids)]}", {"HX-Request": "true"}
        )

    return send


async def hello_get(http: LoadClient, i: int) -> Reply:
    return await http.get("/")


async def used_memory(redis: Redis) -> int:
    info: dict[str, Any] = await redis.info("memory")
    return int(info["used_memory"])


# -- the run --------------------------------------------------------------------------------


@dataclass
class LoadConfig:
    posts: int = 5000  # closed loop, per endpoint
    in_flight: int = 32
    rate: float = 1000.0  # open loop, posts per second
    seconds: float = 10.0
    kiosks: int = 200
    poll_s: float = 2.0
    kiosk_seconds: float = 20.0
    checkins: int = 10_000
    matcher: bool = False
    pool: int = 64
    max_phase_s: float = 120.0  # no phase starts requests after this long
    durable: bool = True  # WAITAOF before each acknowledgement (the service's default)
    # Post with a per-market token kept in the store (one more read per request), as an
    # integration made with `kuaizhao token create` does, not KUAIZHAO_API_TOKEN.
    stored_token: bool = False
    # Open jobs posted between the board's two measurements (each at most ``posts``
    # requests and ``seconds`` long).
    board_jobs: int = 10_000


def run(cfg: LoadConfig) -> dict[str, Any]:
    """Run the load bench on uvloop when it is there (the generator's own overhead is
    part of what the shared cores pay)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(run_load(cfg))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(run_load(cfg))


async def run_load(cfg: LoadConfig) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    conns = max(cfg.in_flight, cfg.kiosks, 64) + 8
    with tempfile.TemporaryDirectory(prefix="kzl", dir="/tmp") as tmp:
        data = Path(tmp)
        async with servers(data, matcher=cfg.matcher, pool=cfg.pool, durable=cfg.durable) as (
            kz,
            hello,
        ):
            redis = Redis(unix_socket_path=str(data / "redis" / "redis.sock"))
            token = TOKEN
            if cfg.stored_token:
                made = datetime.now(UTC).isoformat(timespec="seconds")
                token = await create_token(
                    redis, market=MARKET, role="integration", created_at=made, created_by="bench"
                )
            auth = {"Authorization": f"Bearer {token}"}
            http = LoadClient("127.0.0.1", kz.port, connections=conns, headers=auth)
            base = LoadClient("127.0.0.1", hello.port, connections=conns)
            # The board's market is not the stored token's: the environment's token
            # posts its jobs.
            hall = LoadClient(
                "127.0.0.1",
                kz.port,
                connections=conns,
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            try:
                result = await _phases(cfg, http, base, redis, hall)
                # Anything else running on the machine shows here: read with it.
                return {"load_average_1m_before": round(load_before, 2), **result}
            finally:
                await http.aclose()
                await base.aclose()
                await hall.aclose()
                await redis.aclose()


async def _phases(
    cfg: LoadConfig, http: LoadClient, base: LoadClient, redis: Redis, hall: LoadClient
) -> dict[str, Any]:
    n, c = cfg.posts, cfg.in_flight

    async def closed(client: LoadClient, name: str, send: Send, total: int = n) -> Sample:
        return await closed_loop(
            client, name, send, total=total, in_flight=c, max_seconds=cfg.max_phase_s
        )

    # Warm both (connections, template and script caches) before measuring.
    await closed_loop(http, "warm", poster("warm"), total=min(200, n), in_flight=c)
    await closed_loop(base, "warm", hello_get, total=min(200, n), in_flight=c)

    posts = await closed(http, "job_posts_max", poster("max"))
    hello = await closed(base, "hello_max", hello_get)
    paced = await open_loop(
        http, "job_posts_paced", poster("paced"), rate=cfg.rate, seconds=cfg.seconds, cap=256
    )
    hello_paced = await open_loop(
        base, "hello_paced", hello_get, rate=cfg.rate, seconds=cfg.seconds, cap=256
    )

    jobs = (await http.get(f"/api/v1/markets/{MARKET}/jobs")).json()
    job_ids = [j["id"] for j in jobs][:500]
    frag = fragment(job_ids)
    kiosks = await paced_kiosks(
        http, frag, kiosks=cfg.kiosks, poll_s=cfg.poll_s, seconds=cfg.kiosk_seconds
    )
    frag_max = await closed(http, "kiosk_fragment_max", frag)
    # The other reading of "200 concurrent kiosks": all of them asking at every instant.
    frag_all = await closed_loop(
        http, "kiosk_fragment_all_at_once", frag, total=n, in_flight=cfg.kiosks,
        max_seconds=cfg.max_phase_s,
    )  # fmt: skip

    before = await used_memory(redis)
    checkins = await closed(http, "checkins", checker("ck", 0), cfg.checkins)
    board = await _board_phase(cfg, hall)
    after = await used_memory(redis)
    stored = int(await redis.hlen(MarketKeys(MARKET).checkins(MORNING[:10])))
    per_10k = (after - before) * 10_000 / stored if stored else 0

    out: dict[str, Any] = {
        "bench": "load",
        "server": "one uvicorn process (kiosk.app:create_app), embedded valkey, AOF "
        "appendfsync always, WAITAOF acknowledgement"
        + (", matcher in process" if cfg.matcher else ", web only (no matcher)")
        + ("" if cfg.durable else ", KUAIZHAO_DURABLE=false (no WAITAOF)"),
        "generator": "kiosk.bench.loadclient (keep-alive HTTP/1.1 on asyncio/uvloop) on the same "
        f"machine, {os.cpu_count()} cores shared",
        "auth": "a per-market integration token kept in the store (kz:tokens)"
        if cfg.stored_token
        else "KUAIZHAO_API_TOKEN (the environment's integration token, no read)",
        "config": cfg.__dict__,
        "job_posts_max": posts.summary(),
        "job_posts_paced": {**paced.summary(), "target_per_s": cfg.rate},
        "hello_max": hello.summary(),
        "hello_paced": {**hello_paced.summary(), "target_per_s": cfg.rate},
        "kiosk_fragment_paced": {
            **kiosks.summary(),
            "kiosks": cfg.kiosks,
            "poll_every_s": cfg.poll_s,
        },
        "kiosk_fragment_max": frag_max.summary(),
        "kiosk_fragment_all_at_once": {**frag_all.summary(), "in_flight": cfg.kiosks},
        "checkins": checkins.summary(),
        "board": board,
        "memory": {
            "checked_in_workers": stored,
            "used_memory_before": before,
            "used_memory_after": after,
            "bytes_per_10k_workers": round(per_10k),
            "mib_per_10k_workers": round(per_10k / 2**20, 2),
        },
    }
    hello_rate = out["hello_max"]["per_s"]
    out["ratio_to_hello"] = {
        "job_posts_per_s": round(out["job_posts_max"]["per_s"] / hello_rate, 3)
        if hello_rate
        else None,
        "kiosk_fragment_per_s": round(out["kiosk_fragment_max"]["per_s"] / hello_rate, 3)
        if hello_rate
        else None,
    }
    out["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    out["targets"] = {
        # Met when the posts kept up with the offered rate (minus the 2 % the generator's
        # own scheduling loses) with a p99 of 50 ms and no error.
        "job_posts_rate_p99_50ms": paced.summary()["per_s"] >= 0.98 * cfg.rate
        and out["job_posts_paced"]["p99_ms"] <= 50
        and out["job_posts_paced"]["errors"] == 0,
        "kiosk_fragment_p99_50ms": out["kiosk_fragment_paced"]["p99_ms"] <= 50
        and out["kiosk_fragment_paced"]["errors"] == 0,
        "board_kept_half": board["board_kept_half"],
    }
    return out


async def _board_phase(cfg: LoadConfig, http: LoadClient) -> dict[str, Any]:
    """The hall board's rate (closed loop, ``in_flight`` boards asking at once) with a
    few open jobs, and again after ``board_jobs`` more are posted."""
    seed = await closed_loop(
        http, "board_seed", poster("bseed", BOARD_MARKET), total=BOARD_SEED_JOBS, in_flight=4
    )
    flood: list[Sample] = []

    async def post_the_flood() -> None:
        flood.append(
            await closed_loop(
                http,
                "board_jobs_posted",
                poster("bflood", BOARD_MARKET),
                total=cfg.board_jobs,
                in_flight=cfg.in_flight,
                max_seconds=cfg.max_phase_s,
            )
        )

    rates = await before_and_after(
        http,
        "board",
        board_get,
        post_the_flood,
        total=cfg.posts,
        in_flight=cfg.in_flight,
        max_seconds=cfg.seconds,
    )
    seeded, posted = seed.statuses.get("201", 0), flood[0].statuses.get("201", 0)
    return {
        "market": BOARD_MARKET,
        "request": f"GET /m/{BOARD_MARKET}/board (HX-Request: the fragment the board polls)",
        "open_jobs_before": seeded,
        "open_jobs_after": seeded + posted,
        "jobs_posted": flood[0].summary(),
        # The best of the rounds; every round's rate beside it.
        "before": {**rates.before.summary(), "rounds_per_s": rates.rounds_before},
        "after": {**rates.after.summary(), "rounds_per_s": rates.rounds_after},
        "after_over_before": round(rates.kept, 3),
        "board_kept_half": rates.kept_at_least(0.5),
    }
