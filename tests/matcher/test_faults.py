"""Faults: a real process killed or a real server restarted, then the invariants.

Each test here breaks something for real — ``kill -9`` of a ``kuaizhao matcher`` or
``kuaizhao serve`` subprocess, ``kill -9`` of the valkey-server, SIGTERM mid-work, a
server that evicts — and ends with ``invariants.check_invariants``. The servers are
throwaway embedded ones in short directories under /tmp (unix sockets only); every
subprocess gets ``KUAIZHAO_FAKE_NOW`` (through ``test_cli.cli_env``) so nothing depends
on the hour, and every process a test starts is killed at the end, pass or fail.

"Entries in hand" is made deterministic by stopping a matcher (SIGSTOP) while it sits
in a blocking XREADGROUP: jobs posted then are delivered to it by the server, and it
can neither handle nor acknowledge them until it is continued or killed. "Offers
written but not acknowledged" comes from an ACL user without XACK.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from bs4 import BeautifulSoup
from conftest import API_TOKEN, MORNING, drain, make_settings, unavailable
from redis import Redis as SyncRedis
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError
from support.builders import checkin_body, job_body
from support.invariants import MarketState, check_invariants, entries, read_market
from support.processes import START_TIMEOUT, Proc, Serve, cli_env, kuaizhao, pid_alive, server_pid
from test_store import check_in, ctx, post

from kiosk.app import create_app
from kiosk.web.validation import parse_checkin, parse_job
from matcher.clock import FixedClock
from matcher.matching.engine import Engine
from matcher.matching.worker import Matcher
from matcher.store.embedded import EmbeddedServer, ServerNotFound
from matcher.store.facade import Store
from matcher.store.keys import MATCHERS, MarketKeys
from matcher.store.records import new_id
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

MARKET = "kaili"
K = MarketKeys(MARKET)
DAY = "2026-11-27"  # the day of conftest.MORNING and of cli_env's KUAIZHAO_FAKE_NOW
SECRET = "test-secret"
# Each job below wants headcount 1 x offers_per_slot 2 offers; one pending offer per worker.
OFFERS_PER_JOB = 2

T = TypeVar("T")


# -- fixtures -------------------------------------------------------------------------


def _short_dir(prefix: str) -> Path:
    # Unix socket paths are limited to ~100 bytes: keep data directories short.
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _start(server: EmbeddedServer) -> None:
    try:
        server.start()
    except ServerNotFound as exc:
        unavailable(str(exc))


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    """A throwaway server for this module: tests change its ACLs and kill its clients."""
    path = _short_dir("kzf")
    srv = EmbeddedServer(path / "r")
    try:
        _start(srv)
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def data() -> Iterator[Path]:
    """KUAIZHAO_DATA of the subprocesses (an embedded server's, for `serve`)."""
    path = _short_dir("kzd")
    yield path
    # A failed test may leave an embedded server behind (its parent was killed).
    pid = server_pid(path)
    if pid is not None and pid_alive(pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            cmdline = ""
        if str(path) in cmdline:
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Every process a test starts; killed at the end if still running (even stopped)."""
    started: list[Proc] = []
    yield started
    for p in started:
        if p.popen.poll() is None:
            p.popen.kill()  # SIGKILL works on a SIGSTOPped process too
        p.cleanup()


@pytest.fixture
async def fresh(server: EmbeddedServer) -> AsyncIterator[Redis]:
    r = Redis.from_url(server.url, decode_responses=True)
    await r.flushall()
    try:
        yield r
    finally:
        await acl(r, "DELUSER", "kzdoomed")
        await r.flushall()
        await r.aclose()


async def acl(redis: Redis, *args: str) -> None:
    command: Any = redis.execute_command
    await command("ACL", *args)


async def make_store(redis: Redis, url: str, data: Path) -> Store:
    """The test's own writer, on the pinned morning (the subprocesses' clocks start there)."""
    store = Store(redis, make_settings(url, data), FixedClock(MORNING))
    await store.probe()
    assert store.waitaof, "the embedded server acknowledges after WAITAOF"
    return store


# -- helpers --------------------------------------------------------------------------


def running(pid: int) -> bool:
    """Alive and not a zombie: a killed serve's valkey child is reparented, and once
    shut down it may linger unreaped as a zombie, which still answers kill(pid, 0)."""
    if not pid_alive(pid):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


async def until(
    check: Callable[[], Awaitable[T]],
    what: str,
    *,
    watch: tuple[Proc, ...] = (),
    within: float = START_TIMEOUT,
) -> T:
    """Poll ``check`` until it returns something true; fail early if a watched process
    exits, and with every watched process's output on a timeout."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        for p in watch:
            if p.popen.poll() is not None:
                p.fail(f"exited with {p.popen.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            outputs = "\n".join(f"--- {' '.join(p.args)}\n{p.output}" for p in watch)
            pytest.fail(f"timed out after {within} s waiting for {what}\n{outputs}")
        await asyncio.sleep(0.05)


def start_matcher(procs: list[Proc], url: str, data: Path, claim_idle_ms: int) -> Proc:
    env = cli_env(
        data,
        REDIS_URL=url,
        KUAIZHAO_SECRET=SECRET,
        KUAIZHAO_CLAIM_IDLE_MS=str(claim_idle_ms),
    )
    proc = Proc(env, "matcher", "--market", MARKET)
    procs.append(proc)
    return proc


async def consumer_of(redis: Redis, proc: Proc) -> str:
    """The consumer name of a matcher process, once it has beaten."""
    prefix = f"{socket.gethostname()}-{proc.popen.pid}-"

    async def beat() -> str:
        names = [str(n) for n in await redis.hkeys(MATCHERS)]
        return next((n for n in names if n.startswith(prefix)), "")

    return await until(beat, f"a heartbeat of matcher pid {proc.popen.pid}", watch=(proc,))


async def settled(redis: Redis) -> bool:
    """Every queue entry delivered and acknowledged (or dead-lettered)."""
    state = await read_market(redis, MARKET)
    return not state.pel and not state.undelivered


async def blocked_reader(redis: Redis) -> bool:
    """Some client (the only matcher) is blocked in XREADGROUP, waiting for entries."""
    return any(
        c.get("cmd") == "xreadgroup" and "b" in c.get("flags", "")
        for c in await redis.client_list()
    )


async def pending_on(redis: Redis, consumer: str) -> set[str]:
    state = await read_market(redis, MARKET)
    return {entry for entry, (owner, _n) in state.pel.items() if owner == consumer}


async def entries_of(redis: Redis, job_ids: list[str]) -> set[str]:
    return {
        e for e, f in await entries(redis, K.queue) if f["kind"] == "job" and f["id"] in job_ids
    }


async def deliver_to_stopped(
    redis: Redis, proc: Proc, consumer: str, post_one: Callable[[], Awaitable[str]]
) -> str:
    """Stop ``proc`` inside its blocked XREADGROUP and post a job: the server delivers
    the entry to it, so that it holds the entry unhandled and unacknowledged. Returns
    the job id; ``proc`` is left stopped (SIGCONT or kill it).

    Only the first entry after the stop is delivered (the stopped process cannot ask
    again); anything posted later stays undelivered. If the 1 s block timed out just as
    the process was stopped, nothing is delivered: it is continued, handles the job,
    and we try again."""
    for _attempt in range(5):
        await until(
            lambda: blocked_reader(redis), "the matcher blocked in XREADGROUP", watch=(proc,)
        )
        os.kill(proc.popen.pid, signal.SIGSTOP)
        if await blocked_reader(redis):
            job_id = await post_one()
            entries = await entries_of(redis, [job_id])
            if entries and entries <= await pending_on(redis, consumer):
                return job_id
        else:
            job_id = ""
        os.kill(proc.popen.pid, signal.SIGCONT)
        if job_id:
            await until(partial(acked, redis, job_id), "the matcher to catch up", watch=(proc,))
    pytest.fail("could not deliver an entry to a stopped matcher in 5 attempts")


async def acked(redis: Redis, job_id: str) -> bool:
    entries = await entries_of(redis, [job_id])
    return bool(entries) and entries <= set((await read_market(redis, MARKET)).acked)


async def offer_ids(redis: Redis, job_id: str) -> set[str]:
    state = await read_market(redis, MARKET)
    return {o["id"] for o in state.offers_of(job_id)}


async def job_offered(redis: Redis, job_id: str, n: int = OFFERS_PER_JOB) -> bool:
    raw = await redis.hget(K.jobs, job_id)
    return raw is not None and len(await offer_ids(redis, job_id)) >= n


def assert_offered_once(
    state: MarketState, job_ids: list[str], per_job: int = OFFERS_PER_JOB
) -> None:
    """Every job got its offers, exactly once: no second offer to the same worker, and
    the daily ``offers`` counter (checked in the invariants) equals the records."""
    for job_id in job_ids:
        offers = state.offers_of(job_id)
        assert len(offers) == per_job, (job_id, offers)
        assert len({o["worker_id"] for o in offers}) == len(offers), offers
        assert state.jobs[job_id]["pending"] == per_job


async def post_one(store: Store, clock: FixedClock, prefix: str) -> str:
    [job_id] = await post_jobs(store, clock, f"{prefix}-{new_id('', 6)}-", 1)
    return job_id


async def post_jobs(store: Store, clock: FixedClock, prefix: str, n: int) -> list[str]:
    return [
        (await post(store, clock, f"{prefix}{i}", headcount=1, title=f"故障{prefix}{i}"))["id"]
        for i in range(n)
    ]


# -- 1+3. matcher kill -9 after read / after offer write; a poison entry ------------------


@pytest.mark.slow
async def test_killed_matcher_orphans_are_claimed_once_and_poison_is_dead_lettered(
    fresh: Redis, server: EmbeddedServer, data: Path, procs: list[Proc]
) -> None:
    """A matcher dies (kill -9) holding an entry it read and one whose offers it wrote;
    a second matcher claims both and every job ends with its offers, made once. A poison
    entry rides along: read once by the first matcher, retried by the second, it is
    dead-lettered after 5 deliveries in all (deliveries count across matchers) without
    holding up the work behind it. One pair of processes serves both faults because the
    claim timer (2 s) sets the pace of a poison entry's deliveries."""
    redis, clock = fresh, FixedClock(MORNING)
    store = await make_store(redis, server.url, data)
    for n in range(1, 21):
        await check_in(store, clock, n)
    # The doomed matcher logs in as a user whose rights the test can narrow (no XACK).
    await acl(redis, "SETUSER", "kzdoomed", "on", ">pw", "~*", "&*", "+@all")
    doomed = start_matcher(
        procs, f"unix://kzdoomed:pw@{server.socket_path}", data, claim_idle_ms=60_000
    )
    name = await consumer_of(redis, doomed)
    # Its check-in entries handled and acknowledged: a kill now would leave nothing.
    await until(lambda: settled(redis), "check-ins handled", watch=(doomed,))

    # The poison: handling it always fails, so it stays pending (delivery 1). This
    # matcher never retries it (claim idle 60 s).
    poison = str(await redis.xadd(K.queue, {"kind": "nonsense", "id": "x", "at": "0"}))
    [behind] = await post_jobs(store, clock, "b", 1)
    await until(lambda: job_offered(redis, behind), "the job behind the poison", watch=(doomed,))
    assert poison in await pending_on(redis, name)

    # Killed after writing offers, before acknowledging: XACK refused for this user.
    await acl(redis, "SETUSER", "kzdoomed", "-xack")
    [written] = await post_jobs(store, clock, "w", 1)
    (entry,) = await entries_of(redis, [written])

    async def offered_not_acked() -> bool:
        return await job_offered(redis, written) and entry in await pending_on(redis, name)

    await until(offered_not_acked, "offers written, entry unacknowledged", watch=(doomed,))
    await acl(redis, "SETUSER", "kzdoomed", "+xack")
    first_offers = await offer_ids(redis, written)

    # Killed after reading, before handling: delivered while it is stopped.
    in_hand = await deliver_to_stopped(redis, doomed, name, lambda: post_one(store, clock, "r"))
    # Posted while it is stopped: never delivered to it, left for the next matcher.
    queued = await post_jobs(store, clock, "u", 2)
    doomed.popen.kill()
    doomed.popen.wait()
    orphans = await entries_of(redis, [written, in_hand]) | {poison}
    assert await pending_on(redis, name) == orphans
    undelivered = set((await read_market(redis, MARKET)).undelivered)
    assert await entries_of(redis, queued) <= undelivered
    waiting = [in_hand, *queued]
    assert [await job_offered(redis, j, 1) for j in waiting] == [False] * len(waiting)

    t0 = time.monotonic()
    survivor = start_matcher(procs, server.url, data, claim_idle_ms=300)
    await consumer_of(redis, survivor)

    async def all_claimed() -> bool:
        done = [await job_offered(redis, j) for j in waiting]
        return all(done) and not await pending_on(redis, name)

    await until(all_claimed, "the orphans claimed and offered", watch=(survivor,))
    assert time.monotonic() - t0 < 30, "orphans must be picked up within 30 s"
    # The survivor also takes new work.
    [later] = await post_jobs(store, clock, "n", 1)
    await until(lambda: job_offered(redis, later), "a new job offered", watch=(survivor,))
    # Settled once the poison is dead-lettered: four more failed deliveries, one per
    # claim tick, then the sixth delivery moves it to the dead letters.
    await until(lambda: settled(redis), "the queue settled", watch=(survivor,), within=40)

    state = await check_invariants(redis, MARKET, settled=True)
    assert_offered_once(state, list(state.jobs))  # behind, written, in_hand, queued, later
    assert {o["id"] for o in state.offers_of(written)} == first_offers, "offered twice"
    assert len(state.offers) == OFFERS_PER_JOB * len(state.jobs)

    [(_id, fields)] = state.dead
    max_deliveries = store.settings.max_deliveries
    assert fields["kind"] == "nonsense" and fields["id"] == "x"
    assert fields["entry"] == poison
    assert int(fields["deliveries"]) == max_deliveries + 1
    assert poison in state.acked  # dead-lettered: off the pending list
    failed = [
        line
        for proc in (doomed, survivor)
        for line in proc.lines
        if f"entry {poison} failed" in line
    ]
    assert len(failed) == max_deliveries, doomed.output + survivor.output
    events = [f for _i, f in await entries(redis, K.events) if f["type"] == "dead_letter"]
    assert [e["entry"] for e in events] == [poison]
    assert survivor.terminate() == 0, survivor.output


# -- 2. a matcher slower than the claim timeout ---------------------------------------------


class StalledEngine(Engine):
    """The injected stall: candidates chosen, offers not yet written, until ``go`` is set.
    The worst moment to be slow: what it is about to write was chosen from a state that
    other matchers change meanwhile."""

    def __init__(self, store: Store, go: asyncio.Event) -> None:
        super().__init__(store, default_taxonomy(), default_gazetteer())
        self.go = go
        self.stalled = asyncio.Event()

    async def write_offers(self, *args: Any, **kw: Any) -> int:
        self.stalled.set()
        await self.go.wait()
        return await super().write_offers(*args, **kw)


async def test_matcher_stalled_past_the_claim_timeout_duplicates_nothing(
    store: Store, clock: FixedClock
) -> None:
    """Matcher A reads the jobs and stalls before writing offers for longer than the claim
    timeout; matcher B claims the same entries, offers, and workers start accepting; then A
    wakes and writes what it chose long ago. Every job still has its offers once, no
    worker is offered a job twice, and the accepts (double taps included) never book
    past headcount or a worker twice."""
    per_job = OFFERS_PER_JOB
    workers = [await check_in(store, clock, n) for n in range(1, 3 * per_job + 3)]
    go = asyncio.Event()
    slow_engine = StalledEngine(store, go)
    slow = Matcher(store, [MARKET], name="slow", engine=slow_engine)
    fast = Matcher(store, [MARKET], name="fast")
    await slow.ensure_groups()
    await drain(fast)  # the check-ins: nothing to offer yet
    jobs = await post_jobs(store, clock, "stall", 3)

    reading = asyncio.create_task(slow.consume_once(MARKET))
    await asyncio.wait_for(slow_engine.stalled.wait(), 10)
    assert (await read_market(store.redis, MARKET)).pel, "the slow matcher holds the jobs"
    await asyncio.sleep(store.settings.claim_idle_ms * 3 / 1000)  # past the claim timeout
    assert await fast.claim_orphans(MARKET) == len(jobs)
    state = await check_invariants(store.redis, MARKET, settled=True)
    assert_offered_once(state, jobs)
    # A worker takes one of the fast matcher's offers while the slow one still sleeps.
    first = state.offers_of(jobs[0])[0]
    await store.accept_offer(MARKET, first["id"], worker_id=first["worker_id"])

    go.set()
    await asyncio.wait_for(reading, 10)
    await drain(fast)  # whatever the accept put back on the queue
    state = await check_invariants(store.redis, MARKET, settled=True)
    for job_id in jobs:
        offers = state.offers_of(job_id)
        assert len({o["worker_id"] for o in offers}) == len(offers), offers
        live = [o for o in offers if o["status"] in ("pending", "accepted")]
        assert len(live) <= per_job, offers

    # Every worker taps every offer they hold, twice, all at once.
    async def accept(offer: dict[str, Any]) -> str:
        try:
            ticket = await store.accept_offer(MARKET, offer["id"], worker_id=offer["worker_id"])
            return str(ticket["ref"])
        except ScriptError as exc:
            return exc.code

    pending = [o for o in state.offers.values() if o["status"] == "pending"]
    await asyncio.gather(*(accept(o) for o in pending * 2))
    await drain(fast)
    state = await check_invariants(store.redis, MARKET, settled=True)
    booked = state.active_tickets()
    assert len(booked) == len(jobs), "each job of headcount 1 booked once"
    assert len({t["worker_id"] for t in booked}) == len(booked)
    assert set(workers) >= {t["worker_id"] for t in booked}


@pytest.mark.slow
async def test_matcher_process_stalled_past_the_claim_timeout_duplicates_nothing(
    fresh: Redis, server: EmbeddedServer, data: Path, procs: list[Proc]
) -> None:
    """The same with real processes: matcher A is stopped (SIGSTOP) holding a job's entry
    for longer than B's claim timeout; B claims it and offers; A is continued, handles the
    entry it still holds, and writes nothing twice."""
    redis, clock = fresh, FixedClock(MORNING)
    store = await make_store(redis, server.url, data)
    for n in range(1, 4 * OFFERS_PER_JOB + 1):
        await check_in(store, clock, n)
    # A logs in as its own user, so that its connections can be told apart.
    await acl(redis, "SETUSER", "kzdoomed", "on", ">pw", "~*", "&*", "+@all")
    slow = start_matcher(procs, f"unix://kzdoomed:pw@{server.socket_path}", data, 60_000)
    name = await consumer_of(redis, slow)
    await until(lambda: settled(redis), "check-ins handled", watch=(slow,))
    held = await deliver_to_stopped(redis, slow, name, lambda: post_one(store, clock, "held"))

    fast = start_matcher(procs, server.url, data, claim_idle_ms=300)
    await consumer_of(redis, fast)
    await until(lambda: job_offered(redis, held), "B to claim and offer", watch=(fast,))
    assert not await pending_on(redis, name), "B took the entry over"
    first = await offer_ids(redis, held)

    os.kill(slow.popen.pid, signal.SIGCONT)

    async def slow_done() -> bool:
        # A has handled what it held once its consumer blocks in XREADGROUP again.
        return any(
            c.get("user") == "kzdoomed" and c.get("cmd") == "xreadgroup" and "b" in c["flags"]
            for c in await redis.client_list()
        )

    await until(slow_done, "A to handle the entry it held", watch=(slow,))
    later = await post_jobs(store, clock, "later", 2)  # both now share new work
    await until(lambda: settled(redis), "the queue settled", watch=(slow, fast))
    state = await check_invariants(redis, MARKET, settled=True)
    assert_offered_once(state, [held, *later])
    assert await offer_ids(redis, held) == first, "A wrote offers again"
    assert slow.terminate() == 0, slow.output
    assert fast.terminate() == 0, fast.output


# -- 3. the server kill -9ed under load, restarted on its AOF ------------------------------


@pytest.mark.slow
async def test_server_killed_under_load_loses_no_acknowledged_write(
    data: Path, procs: list[Proc]
) -> None:
    srv = EmbeddedServer(data / "r")
    _start(srv)
    pool = BlockingConnectionPool.from_url(
        srv.url, max_connections=16, timeout=30, decode_responses=True
    )
    redis = Redis(connection_pool=pool)
    try:
        await _load_kill_restart(srv, redis, data, procs)
    finally:
        await redis.aclose()
        await pool.disconnect()
        srv.stop()


async def _load_kill_restart(
    srv: EmbeddedServer, redis: Redis, data: Path, procs: list[Proc]
) -> None:
    clock = FixedClock(MORNING)
    store = await make_store(redis, srv.url, data)
    matcher = start_matcher(procs, srv.url, data, claim_idle_ms=300)
    await consumer_of(redis, matcher)

    jobs: dict[str, str] = {}  # request id -> job id, once acknowledged
    checkins: dict[str, str] = {}  # request id -> worker id, once acknowledged
    failures: Counter[str] = Counter()
    stop = asyncio.Event()

    async def write(rid: str, n: int) -> None:
        if n % 2:
            body = job_body(headcount=1, title=f"负载{rid}")
            result = await store.post_job(
                MARKET, parse_job(body, ctx(clock)), request_id=rid, fingerprint=body
            )
            jobs[rid] = result.value["id"]
        else:
            body = checkin_body(n)
            spec = parse_checkin(body, ctx(clock))
            result = await store.check_in(MARKET, spec, request_id=rid, fingerprint=body)
            checkins[rid] = result.value["worker_id"]

    async def writer(w: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            serial = w * 100_000 + n
            rid = f"load-{serial}"
            # Like a kiosk: an unacknowledged write is sent again with the same request
            # id until it is acknowledged, stop or not.
            while True:
                try:
                    await write(rid, serial)
                    break
                except (RedisError, OSError, ScriptError) as exc:
                    failures[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.005)

    def acked() -> int:
        return len(jobs) + len(checkins)

    async def at_least(n: int) -> bool:
        return acked() >= n

    writers = [asyncio.create_task(writer(w)) for w in range(1, 5)]
    try:
        await until(lambda: at_least(120), "writes before the crash", within=20)
        srv.kill()
        before = acked()
        await asyncio.sleep(0.3)
        assert acked() <= before + 4, "writes acknowledged while the server was dead"
        await asyncio.to_thread(srv.start)
        await until(lambda: at_least(before + 120), "writes after the restart", within=30)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*writers), 60)

    # Every acknowledged write is there, once.
    stored_jobs = await read_market(redis, MARKET)
    for rid, job_id in jobs.items():
        assert job_id in stored_jobs.jobs, f"acknowledged job {rid} ({job_id}) lost"
    titles = Counter(j["title"] for j in stored_jobs.jobs.values())
    assert {t: n for t, n in titles.items() if n > 1} == {}
    assert len(stored_jobs.jobs) == len(jobs)
    stored_checkins = await redis.hgetall(K.checkins(DAY))
    for rid, wid in checkins.items():
        assert wid in stored_checkins, f"acknowledged check-in {rid} ({wid}) lost"
    assert len(stored_checkins) == len(checkins)
    stats = await store.stats(MARKET, DAY)
    assert stats["jobs_posted"] == len(jobs) and stats["checkins"] == len(checkins)

    # The matcher lived through the restart and handles everything.
    await until(lambda: settled(redis), "the queue settled", watch=(matcher,), within=40)
    state = await check_invariants(redis, MARKET, settled=True)
    assert state.offers, "the matcher made no offers"
    assert matcher.terminate() == 0, matcher.output


# -- 4. the web process kill -9ed mid-form, restarted; the resubmission posts once ----------


def _form(html: str) -> tuple[str, dict[str, str]] | None:
    """The employer form if it is one POST carrying a ``request_id``, else None (the
    kiosk's multi-step flows keep their request id in the session instead)."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        if str(form.get("method", "get")).lower() != "post":
            continue
        if form.find("input", attrs={"name": "request_id"}) is None:
            continue
        hidden = {
            str(i["name"]): str(i.get("value", ""))
            for i in form.find_all("input", attrs={"type": "hidden"})
            if i.get("name")
        }
        return str(form.get("action", "")), hidden
    return None


def _api_post(serve: Serve, key: str, title: str) -> httpx.Response:
    return serve.http.post(
        f"/api/v1/markets/{MARKET}/jobs",
        json=job_body(headcount=1, title=title),
        headers={"Authorization": f"Bearer {API_TOKEN}", "Idempotency-Key": key},
    )


def _jobs_by_title(serve: Serve) -> Counter[str]:
    r = serve.http.get(f"/api/v1/markets/{MARKET}/jobs", params={"date": DAY})
    assert r.status_code == 200, r.text
    return Counter(j["title"] for j in r.json())


@pytest.mark.slow
def test_web_killed_mid_form_resubmission_posts_once(data: Path, procs: list[Proc]) -> None:
    env = cli_env(data, KUAIZHAO_API_TOKEN=API_TOKEN, KUAIZHAO_CLAIM_IDLE_MS="300")
    first = Serve(env)
    procs.append(first)
    first.wait_healthy()
    orphan = server_pid(data)
    assert orphan is not None and running(orphan)

    # Mid-form: the form is on the screen; one post went through before the crash,
    # one is in flight as the process dies, one was never sent.
    page = first.http.get(f"/m/{MARKET}/employer", follow_redirects=True)
    assert page.status_code == 200
    form = _form(page.text)
    done = _api_post(first, "restart-done", "重启前已提交")
    assert done.status_code == 201, done.text
    in_flight: list[Any] = []
    sender = threading.Thread(
        target=lambda: in_flight.append(_safe(lambda: _api_post(first, "restart-flight", "提交中")))
    )
    sender.start()
    time.sleep(0.01)
    first.popen.kill()  # kill -9: no shutdown, the embedded valkey is orphaned
    first.popen.wait()
    sender.join(15)
    assert running(orphan), "the embedded server should outlive a kill -9 of serve"

    second = Serve(env)
    procs.append(second)
    second.wait_healthy()
    assert not running(orphan), "the orphaned server was not retired"
    assert server_pid(data) not in (None, orphan)

    # Each key, sent twice after the restart, is one job.
    replay = [_api_post(second, "restart-done", "重启前已提交") for _ in range(2)]
    assert [r.status_code for r in replay] == [201, 201]
    assert {r.json()["id"] for r in replay} == {done.json()["id"]}
    assert all(r.headers.get("Idempotent-Replayed") == "true" for r in replay)
    for key, title in (("restart-flight", "提交中"), ("restart-never", "重启后提交")):
        twice = [_api_post(second, key, title) for _ in range(2)]
        assert [r.status_code for r in twice] == [201, 201], [r.text for r in twice]
        assert len({r.json()["id"] for r in twice}) == 1
    titles = ["重启前已提交", "提交中", "重启后提交"]

    if form is not None:
        # The HTML form rendered by the dead process, submitted twice to the new one.
        action, hidden = form
        fields = {
            **hidden,
            "title": "表单重启",
            "skills": "general_laborer",
            "headcount": "1",
            "wage_yuan": "200",
            "wage_unit": "day",
            "township": "522601001",
            "start_at": "10:00",
            "end_at": "17:00",
            "interview_at": "09:30",
            "interview_place": "现场",
            "employer_name": "王师傅",
            "employer_phone": "13800000000",
        }
        second.http.cookies.update(first.http.cookies)
        for _ in range(2):
            r = second.http.post(action, data=fields)
            assert r.status_code < 400, r.text
        titles.append("表单重启")

    by_title = _jobs_by_title(second)
    assert {t: by_title[t] for t in titles} == dict.fromkeys(titles, 1), by_title
    assert sum(by_title.values()) == len(titles)

    url = f"unix://{(data / 'redis' / 'redis.sock').resolve()}"

    async def final() -> None:
        redis = Redis.from_url(url, decode_responses=True)
        try:
            # serve's own matcher claims what the killed one held (claim idle 300 ms).
            await until(lambda: settled(redis), "the queue settled", watch=(second,))
            await check_invariants(redis, MARKET, settled=True)
        finally:
            await redis.aclose()

    asyncio.run(final())
    assert second.terminate() == 0, second.output


def _safe(call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as exc:
        return exc


# -- 5. a burst of 10x the pool size against one app process --------------------------------


async def test_pool_burst_waits_for_connections(
    redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    pool_size = 4
    settings = make_settings(redis_url, tmp_path, redis_pool_size=pool_size, api_token=API_TOKEN)
    app = create_app(settings, clock=FixedClock(MORNING), run_matcher=False)
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kz.test") as c:

            async def one(i: int) -> httpx.Response:
                if i % 4 == 0:
                    return await c.post(
                        f"/api/v1/markets/{MARKET}/jobs",
                        json=job_body(headcount=1, title=f"突发{i}"),
                        headers={**auth, "Idempotency-Key": f"burst-{i}"},
                    )
                if i % 4 == 1:
                    return await c.post(
                        f"/api/v1/markets/{MARKET}/checkins",
                        json=checkin_body(i),
                        headers={**auth, "Idempotency-Key": f"burst-{i}"},
                    )
                if i % 4 == 2:
                    return await c.get(f"/api/v1/markets/{MARKET}/jobs", params={"date": DAY})
                return await c.get(f"/api/v1/markets/{MARKET}/stats")

            n = 10 * pool_size
            responses = await asyncio.gather(*(one(i) for i in range(n)))
            bad = [(r.request.url.path, r.status_code, r.text) for r in responses if r.is_error]
            assert bad == []
            pool = app.state.kz.store.redis.connection_pool
            opened = len(pool._available_connections) + len(pool._in_use_connections)
            assert opened <= pool_size
    state = await check_invariants(redis, MARKET)
    assert len(state.jobs) == n // 4
    assert await redis.hlen(K.checkins(DAY)) == n // 4


# -- 6. SIGTERM with entries in hand ------------------------------------------------------


@pytest.mark.slow
async def test_sigterm_with_entries_in_hand_exits_0_and_loses_none(
    fresh: Redis, server: EmbeddedServer, data: Path, procs: list[Proc]
) -> None:
    redis, clock = fresh, FixedClock(MORNING)
    store = await make_store(redis, server.url, data)
    n_jobs = 20
    for n in range(1, OFFERS_PER_JOB * n_jobs + 1):
        await check_in(store, clock, n)
    matcher = start_matcher(procs, server.url, data, claim_idle_ms=60_000)
    name = await consumer_of(redis, matcher)
    await until(lambda: settled(redis), "check-ins handled", watch=(matcher,))

    in_hand = await deliver_to_stopped(redis, matcher, name, lambda: post_one(store, clock, "hand"))
    # Queued behind it while the matcher is stopped: read after it continues, or not.
    job_ids = [in_hand, *await post_jobs(store, clock, "t", n_jobs - 1)]
    matcher.popen.send_signal(signal.SIGTERM)
    os.kill(matcher.popen.pid, signal.SIGCONT)
    assert matcher.wait_exit() == 0, matcher.output
    assert await redis.hget(MATCHERS, name) is None, "heartbeat left behind"

    # Each entry was handled and acknowledged, or is pending for another matcher, or
    # was never read; another matcher then handles all of them, once.
    entries = await entries_of(redis, job_ids)
    state = await read_market(redis, MARKET)
    assert entries <= set(state.acked) | set(state.pel) | set(state.undelivered)
    left = entries & set(state.pel)
    assert {state.pel[e][0] for e in left} <= {name}
    survivor = Matcher(store, [MARKET], name="survivor")
    assert await survivor.claim_orphans(MARKET, min_idle_ms=0) == len(left)
    await drain(survivor, MARKET)
    state = await check_invariants(redis, MARKET, settled=True)
    assert_offered_once(state, job_ids)


async def test_orphans_are_claimed_when_another_timer_step_fails(
    store: Store, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim timer is what recovers a dead matcher's work: a failing day rollover
    (say, a bad record of an old day) must not switch it off with the rest of the tick."""
    await check_in(store, clock, 1)
    job = await post(store, clock, "orphan", headcount=1)
    doomed = Matcher(store, [MARKET], name="doomed")
    await doomed.ensure_groups()
    # Read, never handled nor acknowledged: the check-in and the job.
    assert await store.redis.xreadgroup("matchers", "doomed", {K.queue: ">"}, count=10)

    async def broken_rollover(market: str) -> int:
        raise RuntimeError("a bad record of an old day")

    monkeypatch.setattr(store, "roll_day", broken_rollover)
    survivor = Matcher(store, [MARKET], name="survivor")
    await asyncio.sleep(0.06)  # claim_idle_ms is 50 in tests
    await survivor.tick()
    state = await check_invariants(store.redis, MARKET, settled=True)
    assert_offered_once(state, [job["id"]], per_job=1)


# -- 7. a server that evicts keys is refused at start ---------------------------------------


@pytest.mark.slow
def test_serve_and_matcher_refuse_an_evicting_server(data: Path) -> None:
    srv = EmbeddedServer(data / "r")
    _start(srv)
    try:
        r = SyncRedis.from_url(srv.url, decode_responses=True)
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.set("kz:canary", "1")
        env = cli_env(data, REDIS_URL=srv.url, KUAIZHAO_SECRET=SECRET)
        runs = [
            subprocess.Popen(
                [*kuaizhao(), *args],
                env=env,
                cwd=data,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for args in (["serve", "--port", "0"], ["matcher"])
        ]
        try:
            outputs = [p.communicate(timeout=60)[0] for p in runs]
        finally:
            for p in runs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        for p, out in zip(runs, outputs, strict=True):
            assert p.returncode != 0, out
            assert "noeviction" in out, out
            assert "allkeys-lru" in out, out
        assert "kuaizhao is running" not in outputs[0]
        assert r.get("kz:canary") == "1"
        r.close()
    finally:
        srv.stop()
