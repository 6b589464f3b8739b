"""The ``kuaizhao`` console script, run for real as subprocesses.

Without ``REDIS_URL`` every command uses the embedded server in ``KUAIZHAO_DATA``: a short
directory under /tmp, because the unix socket lives there (names ≤ ~100 bytes). Serve
start-ups cost 1–2 s each, so one test walks the whole life of a data directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import _check_external, unavailable
from redis import Redis
from support.processes import (
    EXTERNAL_URL,
    START_TIMEOUT,
    Proc,
    Serve,
    cli_env,
    kuaizhao,
    pid_alive,
    run_cli,
    server_pid,
)

from matcher.markets import MARKETS
from matcher.sim.demo import DEMO_JOBS
from matcher.store.embedded import socket_alive
from matcher.store.keys import MATCHERS

pytestmark = pytest.mark.slow


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Processes a test starts; killed at the end if the test left them running."""
    started: list[Proc] = []
    yield started
    for p in started:
        p.cleanup()


@pytest.fixture
def data() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="kzc", dir="/tmp"))
    yield path
    # A failed test may leave an embedded server behind (its parent was killed).
    pid = server_pid(path)
    if pid is not None and pid_alive(pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            cmdline = ""
        if str(path) in cmdline:
            os.kill(pid, signal.SIGTERM)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def external() -> Iterator[str]:
    """A dedicated db on the machine's Redis, flushed before and after."""
    url = _check_external(EXTERNAL_URL)
    r = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5, decode_responses=True)
    try:
        r.ping()
    except Exception as exc:
        r.close()
        unavailable(f"no Redis at {url}: {exc}")
    r.flushdb()
    try:
        yield url
    finally:
        r.flushdb()
        r.close()


def checkin(serve: Serve, token: str | None, phone: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {
        "phone": phone,
        "name": "李",
        "skills_text": "会砌墙",
        "township": "522601001",
        "reach": "county",
        "min_wage_yuan": 150,
    }
    return serve.http.post("/api/v1/markets/kaili/checkins", json=body, headers=headers)


def open_jobs(serve: Serve) -> dict[str, dict[str, Any]]:
    r = serve.http.get("/api/v1/markets/kaili/jobs", params={"status": "open"})
    assert r.status_code == 200, r.text
    return {job["id"]: job for job in r.json()}


def stats(serve: Serve) -> dict[str, Any]:
    r = serve.http.get("/api/v1/markets/kaili/stats")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


TOKEN_LINE = re.compile(r"^\s+(\w+)\s+(kz_\S+)\s*$", re.MULTILINE)


def test_serve_demo_tokens_sigterm_and_restart(data: Path, procs: list[Proc]) -> None:
    env = cli_env(data)

    # No serve running: `token create` runs a temporary embedded server and stops it.
    early = run_cli(env, "token", "create", "--market", "kaili", "--role", "integration")
    early = early.strip()
    assert re.fullmatch(r"kz_\S+", early), early
    pid = server_pid(data)
    assert pid is None or not pid_alive(pid)
    assert not socket_alive(data / "redis" / "redis.sock")

    serve = Serve(env, "--demo")
    procs.append(serve)
    health = serve.wait_healthy()
    assert health["status"] == "ok"
    assert health["waitaof"] is True
    out = serve.output
    base = f"http://localhost:{serve.port}"
    for url in (
        f"{base}/",
        f"{base}/m/kaili/",
        f"{base}/m/kaili/board",
        f"{base}/ops/",
        f"{base}/api/v1/openapi.json",
    ):
        assert url in out, url
    assert str(data.resolve()) in out
    tokens = dict(TOKEN_LINE.findall(out.split("demo data loaded", 1)[1]))
    assert set(tokens) == set(MARKETS)
    assert len(set(tokens.values())) == len(MARKETS)

    for path in ("/", "/m/kaili/"):
        page = serve.http.get(path)
        assert page.status_code == 200, path
        assert "快招" in page.text
    jobs = open_jobs(serve)
    assert sorted(j["title"] for j in jobs.values()) == sorted(t[0] for t in DEMO_JOBS["kaili"])

    # A printed token works; no token does not.
    assert checkin(serve, None, "13900000001").status_code == 401
    r = checkin(serve, tokens["kaili"], "13900000001")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "available"
    assert r.json()["skills"] == ["bricklayer"]
    # A token bound to another market is refused here.
    assert checkin(serve, tokens["liping"], "13900000002").status_code == 403
    # The token made before serve ran is in the same store.
    assert checkin(serve, early, "13900000002").status_code == 201

    # While serve runs, one-off commands use its server (a second server on the same
    # directory would be refused and the command would fail).
    valkey = server_pid(data)
    assert valkey is not None and pid_alive(valkey)
    late = run_cli(env, "token", "create", "--market", "kaili", "--role", "integration").strip()
    assert checkin(serve, late, "13900000003").status_code == 201
    before = stats(serve)
    assert before["jobs_posted"] == len(DEMO_JOBS["kaili"])
    assert before["checkins"] >= 3
    report = json.loads(run_cli(env, "report", "--market", "kaili"))
    assert [s["market"] for s in report] == ["kaili"]
    assert {k: report[0][k] for k in ("jobs_posted", "checkins")} == {
        k: before[k] for k in ("jobs_posted", "checkins")
    }
    assert server_pid(data) == valkey and pid_alive(valkey)

    # SIGTERM: a clean exit, and the embedded server goes with it.
    assert serve.terminate() == 0, serve.output
    assert not pid_alive(valkey), "the embedded valkey-server outlived serve"
    assert not socket_alive(data / "redis" / "redis.sock")
    assert "Application shutdown complete" in serve.output

    # A restart on the same directory has every job, check-in and token.
    again = Serve(env)
    procs.append(again)
    assert again.wait_healthy()["status"] == "ok"
    assert "demo data loaded" not in again.output
    assert open_jobs(again).keys() == jobs.keys()
    after = stats(again)
    for key in ("jobs_posted", "headcount_posted", "checkins"):
        assert after[key] == before[key], key
    for token in (tokens["kaili"], early, late):
        assert checkin(again, token, "13900000001").status_code == 201
    assert stats(again)["checkins"] == before["checkins"]  # same phone: an update
    restarted = server_pid(data)
    assert restarted is not None and restarted != valkey
    assert again.terminate() == 0, again.output
    assert not pid_alive(restarted)


def test_report_without_serve(data: Path) -> None:
    stats = json.loads(run_cli(cli_env(data), "report", "--market", "kaili"))
    assert isinstance(stats, list) and len(stats) == 1
    assert stats[0]["market"] == "kaili"
    for key in ("date", "jobs_posted", "headcount_posted", "checkins", "fill_rate"):
        assert key in stats[0]
    assert stats[0]["jobs_posted"] == 0
    # The temporary embedded server is gone again.
    pid = server_pid(data)
    assert pid is None or not pid_alive(pid)
    assert not socket_alive(data / "redis" / "redis.sock")


def test_skills_parse_json(data: Path) -> None:
    hits = json.loads(run_cli(cli_env(data), "skills", "parse", "会砌墙", "--json"))
    assert isinstance(hits, list) and hits
    assert hits[0]["skill_id"] == "bricklayer"
    assert hits[0]["band"] == "accept"


def test_token_create_rejects_unknown_market(data: Path) -> None:
    proc = subprocess.run(
        [*kuaizhao(), "token", "create", "--market", "atlantis", "--role", "integration"],
        env=cli_env(data),
        cwd=data,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "unknown market" in proc.stderr
    assert not (data / "redis").exists()


def test_serve_with_redis_url_starts_no_embedded_server(
    data: Path, procs: list[Proc], external: str
) -> None:
    serve = Serve(cli_env(data, REDIS_URL=external))
    procs.append(serve)
    health = serve.wait_healthy()
    assert health["status"] == "ok"
    assert "REDIS_URL" in serve.output
    assert not (data / "redis").exists()
    assert serve.terminate() == 0, serve.output


def test_two_matchers_stop_on_sigterm(data: Path, procs: list[Proc], external: str) -> None:
    env = cli_env(data, REDIS_URL=external)
    matchers = [Proc(env, "matcher"), Proc(env, "matcher")]
    procs.extend(matchers)
    r = Redis.from_url(external, decode_responses=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while r.hlen(MATCHERS) < 2:
            for m in matchers:
                if m.popen.poll() is not None:
                    m.fail(f"exited with {m.popen.returncode}")
            if time.monotonic() > deadline:
                pytest.fail("two matchers did not beat:\n" + "\n".join(m.output for m in matchers))
            time.sleep(0.05)
        for m in matchers:
            m.popen.send_signal(signal.SIGTERM)
        for m in matchers:
            assert m.wait_exit() == 0, m.output
        assert r.hlen(MATCHERS) == 0  # each removed its heartbeat on the way out
    finally:
        r.close()
    assert not (data / "redis").exists()


def test_matcher_needs_redis_url(data: Path) -> None:
    proc = subprocess.run(
        [*kuaizhao(), "matcher"],
        env=cli_env(data),
        cwd=data,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "REDIS_URL" in proc.stderr


@pytest.mark.slow
def test_forget_a_worker_on_request(data: Path) -> None:
    env = cli_env(data)
    run_cli(env, "demo")
    out = run_cli(env, "forget", "--phone", "13800000101")  # a demo worker of Kaili
    assert "removed 2 record(s)" in out
    assert "removed 0 record(s)" in run_cli(env, "forget", "--phone", "13800000101")
