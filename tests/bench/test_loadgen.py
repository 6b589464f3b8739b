"""``kuaizhao bench load`` in a tiny configuration, so that it keeps working.

Real processes (kuaizhao and the "hello" app under uvicorn, the embedded Valkey), a few
dozen requests per phase. Timings are printed by the benchmark, never asserted here:
only that every phase ran, nothing failed, and the report has its figures.
"""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from kiosk.bench.loadgen import LoadConfig, hello_app, run
from matcher.store.embedded import ServerNotFound, find_server_binary

TINY = LoadConfig(
    posts=40,
    in_flight=4,
    rate=40,
    seconds=1,
    kiosks=5,
    poll_s=0.5,
    kiosk_seconds=1,
    checkins=40,
    pool=8,
    # The path of a real integration: its token is looked up in the store.
    stored_token=True,
    board_jobs=60,
)


@pytest.fixture(autouse=True)
def _server_binary() -> None:
    try:
        find_server_binary()
    except ServerNotFound as exc:
        from conftest import unavailable

        unavailable(str(exc))


@pytest.mark.slow
def test_tiny_load_run_reports_every_phase() -> None:
    report = run(TINY)
    phases = [
        "job_posts_max",
        "job_posts_paced",
        "hello_max",
        "hello_paced",
        "kiosk_fragment_paced",
        "kiosk_fragment_max",
        "kiosk_fragment_all_at_once",
        "checkins",
    ]
    for name in phases:
        phase = report[name]
        assert phase["requests"] > 0, name
        assert phase["errors"] == 0, (name, phase["statuses"])
        assert phase["p99_ms"] >= phase["p50_ms"] > 0, name
    assert report["job_posts_max"]["statuses"] == {"201": TINY.posts}
    assert report["job_posts_paced"]["requests"] == int(TINY.rate * TINY.seconds)
    # Five kiosks, each polling every 0.5 s for 1 s.
    assert report["kiosk_fragment_paced"]["requests"] == TINY.kiosks * 2
    assert report["checkins"]["statuses"] == {"201": TINY.checkins}
    memory = report["memory"]
    assert memory["used_memory_after"] > memory["used_memory_before"]
    assert memory["bytes_per_10k_workers"] > 0
    assert report["ratio_to_hello"]["job_posts_per_s"] > 0
    assert report["auth"].startswith("a per-market integration token")
    assert set(report["targets"]) == {
        "job_posts_rate_p99_50ms",
        "kiosk_fragment_p99_50ms",
        "board_kept_half",
    }
    # The hall board before and after its flood of open jobs (issue 14).
    board = report["board"]
    assert board["open_jobs_before"] == 40 and board["open_jobs_after"] == 40 + TINY.board_jobs
    for name in ("before", "after"):
        assert board[name]["requests"] > 0 and board[name]["errors"] == 0, board[name]
        assert len(board[name]["rounds_per_s"]) == 3
        assert board[name]["per_s"] == max(board[name]["rounds_per_s"])
    assert board["jobs_posted"]["statuses"] == {"201": TINY.board_jobs}
    assert isinstance(board["board_kept_half"], bool)
    json.dumps(report)  # the CLI prints it as JSON


async def test_the_hello_baseline_is_bare_starlette() -> None:
    transport = httpx.ASGITransport(app=hello_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://hello.test") as client:
        r = await client.get("/")
    assert r.status_code == 200 and r.text == "hello"
    assert "content-security-policy" not in r.headers  # no middleware at all


def test_the_cli_offers_load_and_soak() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "bench", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "load" in out and "soak" in out and "--kiosks" in out and "--stored-token" in out
