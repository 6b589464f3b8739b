"""The operators' live view of today (kiosk/ops/today.py): page structure, permissions,
the fallback poll, and the event stream over a real server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, Client
from support.builders import at, checkin_body, job_body
from support.ops import FULL_PHONE, PASSWORD, live_account, login

from kiosk.http import sse
from kiosk.ops.today import ChartSize, funnel_bars, minutes
from matcher.markets import MARKETS
from matcher.matching.funnel import FUNNEL_STAGES, LOSSES, Stage
from matcher.matching.worker import Matcher

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
VENDOR = Path(__file__).resolve().parents[2] / "kiosk" / "static" / "vendor"
OPS_COLS = [
    "jobs_posted",
    "headcount_posted",
    "checkins",
    "offers",
    "bookings",
    "hired",
    "no_shows",
    "fill_rate",
    "median_minutes_to_fill",
]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(node: BeautifulSoup | Tag, selector: str) -> Tag:
    found = node.select(selector)
    assert len(found) == 1, (selector, len(found))
    return found[0]


def text(node: BeautifulSoup | Tag, selector: str) -> str:
    return " ".join(one(node, selector).get_text(" ", strip=True).split())


async def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    r = await client.post(f"/api/v1/markets/kaili{path}", json=body or {}, headers=AUTH)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _offer_round(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="ops-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass


async def _busy_morning(client: Client) -> dict[str, Any]:
    """A job booked and hired, a stale job nobody takes, a cook nobody needs."""
    job = await _post(client, "/jobs", job_body(headcount=2))
    worker = await _post(client, "/checkins", checkin_body(1))
    await _offer_round(client)
    r = await client.get(f"/api/v1/markets/kaili/workers/{worker['worker_id']}/offers")
    [offer] = [o for o in r.json() if o["status"] == "pending"]
    ticket = (await _post(client, f"/offers/{offer['id']}/accept"))["ticket"]
    await _post(
        client,
        f"/jobs/{job['id']}/outcomes",
        {"worker_id": worker["worker_id"], "outcome": "hired"},
    )
    client.state.clock.advance(minutes=61)
    stale = await _post(
        client,
        "/jobs",
        job_body(
            skills=["bricklayer"], title="砌墙", start_at=at("11:00"), interview_at=at("10:30")
        ),
    )
    cook = await _post(client, "/checkins", checkin_body(2, skills=["chef"]))
    client.state.clock.advance(minutes=61)
    return {"job": job, "stale": stale, "ticket": ticket, "cook": cook}


# -- permissions ----------------------------------------------------------------------------


async def test_anonymous_is_sent_to_login(client: Client) -> None:
    for path in ("/ops/", "/ops/m/kaili/"):
        r = await client.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/ops/login?next=")
    r = await client.get("/ops/m/kaili/stream", headers={"Accept": sse.MEDIA_TYPE})
    assert r.status_code == 401
    assert "text/event-stream" not in r.headers["content-type"]
    r = await client.get("/ops/", headers={"HX-Request": "true"})
    assert r.status_code == 401


async def test_an_operator_sees_only_their_markets(client: Client) -> None:
    await login(client, markets=("kaili",))
    assert (await client.get("/ops/m/kaili/")).status_code == 200
    assert (await client.get("/ops/m/liping/")).status_code == 403
    r = await client.get("/ops/m/liping/stream", headers={"Accept": sse.MEDIA_TYPE})
    assert r.status_code == 403
    assert (await client.get("/ops/m/mars/")).status_code == 404
    page = soup((await client.get("/ops/")).text)
    assert [a["data-market"] for a in page.select("article.market-card")] == ["kaili"]
    assert [tr["data-market"] for tr in page.select("table.counts tr[data-market]")] == ["kaili"]


async def test_the_bureau_sees_every_market_side_by_side(client: Client) -> None:
    await login(client, role="bureau", markets=())
    page = soup((await client.get("/ops/")).text)
    cards = page.select(".market-cards article.market-card")
    assert [c["data-market"] for c in cards] == list(MARKETS)
    rows = page.select("table.counts tr[data-market]")
    assert [tr["data-market"] for tr in rows] == [*MARKETS, "all"]
    for market in MARKETS:
        assert (await client.get(f"/ops/m/{market}/")).status_code == 200


# -- the prefecture's view ----------------------------------------------------------------


async def test_prefecture_view(client: Client) -> None:
    await _busy_morning(client)
    await login(client, role="bureau", markets=())
    r = await client.get("/ops/")
    page = soup(r.text)
    assert text(page, "title") == "今日概况 · 快招"
    assert text(page, "h1") == "今日概况 · 2026-11-27"
    live = one(page, "#ops-counts")
    assert live["hx-get"] == "/ops/" and live["hx-trigger"] == "every 5s"
    kaili = one(page, "article.market-card[data-market=kaili]")
    assert one(kaili, "h2 a")["href"] == "/ops/m/kaili/"
    stages = [g["data-stage"] for g in kaili.select("svg.funnel-chart g.stage")]
    assert stages == list(FUNNEL_STAGES)
    assert text(kaili, "[data-figure=fill_rate] dd") == "25.0%"  # 1 hired of 2 + 2 posted
    assert text(kaili, "[data-figure=stale_jobs] dd") == "1"
    assert "alert" in one(kaili, "[data-figure=stale_jobs]")["class"]
    assert text(kaili, "[data-figure=waiting_no_offer] dd") == "1"
    assert text(kaili, ".card-short") == "缺人工种: 泥瓦工, 小工"
    liping = one(page, "article.market-card[data-market=liping]")
    assert text(liping, ".card-short") == "没有缺人的工种"
    table = one(page, "table.counts")
    assert [th["data-col"] for th in table.select("thead th[data-col]")] == OPS_COLS
    for tr in table.select("tr[data-market]"):
        assert [td["data-col"] for td in tr.select("td")] == OPS_COLS
    assert text(table, "thead th[data-col=median_minutes_to_fill]") == "招满用时 分钟，中位数"
    assert text(table, "tr[data-market=kaili] td[data-col=hired]") == "1"
    assert text(table, "tr[data-market=kaili] td[data-col=headcount_posted]") == "4"
    assert text(table, "tr[data-market=liping] td[data-col=median_minutes_to_fill]") == "—"
    assert text(table, "tfoot tr[data-market=all] td[data-col=bookings]") == "1"
    links = one(table, "tr[data-market=kaili]").select("th a")
    assert [a["href"] for a in links] == ["/ops/m/kaili/", "/m/kaili/board"]
    fragment = (await client.get("/ops/", headers={"HX-Request": "true"})).text
    assert "<html" not in fragment and 'data-market="kaili"' in fragment
    assert not FULL_PHONE.search(r.text + fragment)


# -- one market's page ----------------------------------------------------------------------


async def test_market_page_structure(client: Client) -> None:
    seen = await _busy_morning(client)
    await login(client, markets=("kaili",))
    r = await client.get("/ops/m/kaili/")
    assert r.status_code == 200
    page = soup(r.text)
    assert text(page, "h1") == "凯里零工市场 今日 · 2026-11-27"
    live = one(page, "#ops-live")
    assert live["hx-ext"] == "sse" and live["sse-connect"] == "/ops/m/kaili/stream"
    poll = one(live, "#ops-poll")
    assert poll["hx-get"] == "/ops/m/kaili/" and poll["hx-trigger"] == "every 30s"
    regions = {s["sse-swap"]: s["id"] for s in live.select("[sse-swap]")}
    assert regions == {
        "funnel": "ops-funnel",
        "jobs": "ops-jobs",
        "workers": "ops-workers",
        "skills": "ops-skills",
    }
    scripts = [str(s["src"]) for s in page.select("script[src]")]
    htmx_at = next(i for i, s in enumerate(scripts) if "htmx-2.0.11" in s)
    sse_at = next(i for i, s in enumerate(scripts) if "htmx-ext-sse-2.2.4.min.js" in s)
    assert sse_at > htmx_at  # the extension needs htmx defined first

    funnel = one(page, "#ops-funnel")
    chart = one(funnel, "svg.funnel-chart")
    assert chart["role"] == "img"
    bars = chart.select("g.stage")
    assert [g["data-stage"] for g in bars] == list(FUNNEL_STAGES)
    widths = [float(str(one(g, "rect")["width"])) for g in bars]
    assert widths[0] == max(widths) and widths[-1] == 2.0  # nobody paid yet: a hairline
    counts = {d["data-stage"]: text(d, "dd") for d in funnel.select("dl.stages > div")}
    assert counts == {
        "checked_in": "2",
        "offered": "1",
        "booked": "1",
        "interviewed": "1",
        "hired": "1",
        "paid": "0",
    }
    assert [d["data-loss"] for d in funnel.select("dl.losses > div")] == list(LOSSES)
    assert text(funnel, "[data-figure=fill_rate] dd") == "25.0%"
    assert text(funnel, "[data-figure=to_fill] dd") == "—"
    assert text(funnel, "[data-figure=to_first_booking] dd") == "0"

    jobs = one(page, "#ops-jobs")
    rows = jobs.select("tbody tr")
    assert [tr["data-job"] for tr in rows] == [seen["job"]["id"], seen["stale"]["id"]]
    stale = one(jobs, f"tr[data-job={seen['stale']['id']}]")
    assert stale["data-stale"] == "true" and text(stale, ".flag") == "没人接"
    assert text(stale, "td[data-col=age]") == "61 分钟"
    assert "stale" not in (rows[0].get("class") or [])
    assert text(rows[0], "td[data-col=places]") == "1/2"

    workers = one(page, "#ops-workers")
    [row] = workers.select("tbody tr")
    assert row["data-worker"] == seen["cook"]["worker_id"]
    assert text(row, ".phone") == "139****0002"
    assert text(row, "td[data-col=waited]") == "61 分钟"
    assert one(workers, "p.goal")["data-short"] == "1"

    skills = one(page, "#ops-skills")
    short = skills.select("tbody tr[data-short=true]")
    assert [tr["data-skill"] for tr in short] == ["bricklayer", "general_laborer"]
    assert text(short[0], ".flag") == "缺 2 人"
    assert text(one(skills, "tr[data-skill=chef]"), "td[data-col=looking]") == "1"
    assert not FULL_PHONE.search(r.text)

    # The fallback poll gets every region, and no page around them.
    fragment = await client.get("/ops/m/kaili/", headers={"HX-Request": "true"})
    regions_again = soup(fragment.text).select("[sse-swap]")
    assert "<html" not in fragment.text and len(regions_again) == 4


async def test_market_page_in_english(client: Client) -> None:
    await login(client, markets=("kaili",))
    await client.get("/lang/en?next=/")
    page = soup((await client.get("/ops/m/kaili/")).text)
    assert text(page, "h1") == "Kaili Gig Market today · 2026-11-27"
    assert text(page, "#ops-jobs .empty") == "No open jobs right now"
    labels = [text(g, "text.label") for g in page.select("#ops-funnel g.stage")]
    assert labels[0] == "Checked in" and labels[-1] == "Paid (confirmed)"
    assert {text(g, "text.value") for g in page.select("#ops-funnel g.stage")} == {"0"}


# -- pieces -----------------------------------------------------------------------------


def test_funnel_bars_scale_from_a_common_edge() -> None:
    stages = (Stage("checked_in", 10, None), Stage("offered", 5, 0.5), Stage("booked", 0, 0.0))
    size = ChartSize(width=300, label_w=100, value_w=100)
    bars = funnel_bars(stages, size)
    assert [b.width for b in bars] == [100.0, 50.0, 2.0]
    assert {b.x for b in bars} == {100}
    assert [b.value_x for b in bars] == [210.0, 160.0, 112.0]
    assert {b.label_x for b in bars} == {90}
    assert [b.share for b in bars] == ["", "50%", "0%"]
    assert bars[1].y > bars[0].y
    assert funnel_bars(()) == []
    # A later stage larger than the first (a worker booked twice) sets the scale.
    bars = funnel_bars((Stage("checked_in", 1, None), Stage("offered", 2, 2.0)), size)
    assert [b.width for b in bars] == [50.0, 100.0]
    assert minutes(None) == "—" and minutes(7.0) == "7" and minutes(7.5) == "7.5"


def test_event_framing() -> None:
    assert sse.event("funnel", "<p>a</p>\n<p>b</p>") == (
        "event: funnel\ndata: <p>a</p>\ndata: <p>b</p>\n\n"
    )
    assert sse.event("x", "") == "event: x\ndata: \n\n"
    assert sse.comment("heartbeat") == ": heartbeat\n\n"
    assert sse.retry(500) == "retry: 500\n\n"


async def test_changes_wake_on_a_new_event_and_end_when_closed(client: Client) -> None:
    redis = client.state.store.redis
    key = client.state.store.keys("kaili").events
    await redis.xadd(key, {"type": "old"})
    closing = asyncio.Event()
    seen: list[bool] = []

    async def watch() -> None:
        async for changed in sse.changes(redis, key, closing, heartbeat_s=0.2, max_s=30):
            seen.append(changed)
            if changed:
                closing.set()

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.3)
    assert seen and not any(seen)  # quiet: heartbeats only, the old entry woke nothing
    await redis.xadd(key, {"type": "booked"})
    await asyncio.wait_for(task, 5)
    assert seen[-1] is True


async def test_changes_end_on_shutdown_while_blocked(client: Client) -> None:
    redis = client.state.store.redis
    key = client.state.store.keys("kaili").events
    closing = asyncio.Event()

    async def watch() -> list[bool]:
        return [c async for c in sse.changes(redis, key, closing, heartbeat_s=30, max_s=60)]

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.2)
    closing.set()
    assert await asyncio.wait_for(task, 2) == []
    # A stream also ends by itself after its lifetime (one quiet wait, then no more).
    assert [c async for c in sse.changes(redis, key, asyncio.Event(), max_s=0.1)] == [False]


def test_vendored_versions_match_their_file_names() -> None:
    htmx = (VENDOR / "htmx-2.0.11.min.js").read_text()
    assert 'version:"2.0.11"' in htmx
    [ext] = VENDOR.glob("htmx-ext-sse-*.min.js")
    named = ext.name.removeprefix("htmx-ext-sse-").removesuffix(".min.js")
    header, _, body = ext.read_text().partition("\n")
    found = re.match(
        r"/\* htmx-ext-sse (\S+) \(npm pack htmx-ext-sse@(\S+): .*sha256 (\w+);", header
    )
    assert found, header
    assert found.group(1) == found.group(2) == named
    import hashlib

    assert hashlib.sha256(body.encode()).hexdigest() == found.group(3)
    assert (VENDOR / "htmx-ext-sse-LICENSE.txt").is_file()
    from kiosk.ops.today import SSE_JS

    assert ext.name == SSE_JS


# -- the event stream over a real server ------------------------------------------------


def http_login(http: httpx.Client, name: str) -> None:
    form = soup(http.get("/ops/login").text)
    token = one(form, "input[name=csrf]")["value"]
    r = http.post("/ops/login", data={"username": name, "password": PASSWORD, "csrf": token})
    assert r.status_code == 303, r.text


def read_events(lines: Iterator[str], wanted: int) -> list[tuple[str, str]]:
    """The next ``wanted`` named events (heartbeats and retry lines skipped)."""
    out: list[tuple[str, str]] = []
    name, data = "", []
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif line == "" and name:
            out.append((name, "\n".join(data)))
            name, data = "", []
            if len(out) == wanted:
                return out
    raise AssertionError(f"the stream ended after {out}")


@pytest.fixture
def live(valkey_url: str, tmp_path: Path) -> Iterator[Any]:
    from support.browser import live_server

    with live_server(valkey_url, tmp_path) as server:
        yield server


def test_a_booking_is_pushed_to_the_open_stream(live: Any) -> None:
    name = live_account(live.redis_url)
    with (
        httpx.Client(base_url=live.url, timeout=10) as http,
        httpx.Client(base_url=f"{live.url}/api/v1/markets/kaili", headers=AUTH, timeout=10) as api,
    ):
        http_login(http, name)
        headers = {"Accept": sse.MEDIA_TYPE}
        with http.stream("GET", "/ops/m/kaili/stream", headers=headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith(sse.MEDIA_TYPE)
            assert stream.headers["cache-control"] == "no-store"
            lines = stream.iter_lines()
            first = read_events(lines, 4)
            assert [n for n, _ in first] == ["funnel", "jobs", "workers", "skills"]
            funnel = soup(first[0][1])
            assert text(funnel, "[data-stage=booked] dd") == "0"

            job = api.post("/jobs", json=job_body(headcount=1)).json()
            worker = api.post("/checkins", json=checkin_body(1)).json()
            offers: list[dict[str, Any]] = []
            for _ in range(100):
                offers = api.get(f"/workers/{worker['worker_id']}/offers").json()
                if offers:
                    break
                import time

                time.sleep(0.05)
            assert offers, "the matcher made no offer"
            r = api.post(f"/offers/{offers[0]['id']}/accept")
            assert r.status_code in (200, 201), r.text
            booked = None
            for _ in range(20):
                [(event, data)] = read_events(lines, 1)
                if event == "funnel" and text(soup(data), "[data-stage=booked] dd") == "1":
                    booked = soup(data)
                    break
            assert booked is not None, "no funnel event with the booking"
            assert text(booked, "[data-stage=checked_in] dd") == "1"
            assert job["id"]
