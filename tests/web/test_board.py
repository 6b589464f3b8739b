"""The hall board (大屏) and the operators' page.

Through the ASGI app: the structure of the page and of the live fragment (parsed HTML),
what the board lists and calls, the clock, the language. In a real Chromium at
1920×1080 and 1080×1920: nothing scrolls, job rows ≥ 48 px, calls ≥ 56 px, the pages
of jobs turn and together show every open job once; screenshots for docs/screenshots.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, MORNING, TEST_DB, Client
from playwright.sync_api import (
    Browser,
    Page,
    Route,
    ViewportSize,
    expect,
)
from support.builders import at, checkin_body, job_body

from kiosk.web import hall as hall_pages
from kiosk.web.i18n import CATALOG
from matcher.matching.scoring import PRIORITY_GROUPS
from matcher.matching.worker import Matcher
from matcher.store.embedded import EmbeddedServer

FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(page: BeautifulSoup | Tag, selector: str) -> Tag:
    found = page.select_one(selector)
    assert found is not None, f"no {selector}"
    return found


def text(page: BeautifulSoup | Tag, selector: str) -> str:
    return " ".join(one(page, selector).get_text(" ").split())


def texts(page: BeautifulSoup | Tag, selector: str) -> list[str]:
    return [" ".join(e.get_text(" ").split()) for e in page.select(selector)]


# -- pure parts ------------------------------------------------------------------------


def test_wages_and_phones_for_the_hall() -> None:
    assert hall_pages.yuan(200.0) == "200"
    assert hall_pages.yuan(22.5) == "22.5"
    assert hall_pages.public_phone("138****1234") == "138****1234"
    assert hall_pages.public_phone("13812341234") == "138****1234"


def _tickets(ref_seqs: list[tuple[int, str]], place: str) -> list[dict[str, Any]]:
    return [
        {
            "ref": f"KL1127-{n:03d}",
            "status": status,
            "worker_phone_masked": f"139****{n:04d}",
            "interview_place": place,
            "interview_at": "2026-11-27T09:30:00+08:00",
        }
        for n, status in ref_seqs
    ]


def test_calls_are_booked_workers_newest_first() -> None:
    # The day's last bookings (the board reads them by the day's ticket counter).
    tickets = _tickets([(1, "booked"), (4, "hired"), (12, "booked")], "1号洽谈桌") + _tickets(
        [(3, "booked"), (7, "no_show"), (9, "booked")], "2号洽谈桌"
    )
    calls = hall_pages.board_calls(tickets)
    assert [c.ticket for c in calls] == ["KL1127-012", "KL1127-009", "KL1127-003", "KL1127-001"]
    assert calls[0].place == "1号洽谈桌" and calls[1].place == "2号洽谈桌"
    assert calls[0].at == "09:30"
    assert len(hall_pages.board_calls(tickets, limit=2)) == 2


def test_the_rule_says_what_the_matcher_does() -> None:
    zh, en = CATALOG["board.rule"]
    # The hard constraints, the tie-break order, and the published priority groups.
    for part in ("会这门活", "离得不远", "有空", "最低价", "本周干活最少", "等得最久"):
        assert part in zh, part
    assert zh.index("本周干活最少") < zh.index("等得最久")
    assert zh.startswith("配对规则")
    groups = zh[zh.index("等得最久") :].split("经本人同意")[0]
    assert groups.count("、") + 1 == len(PRIORITY_GROUPS)
    assert en.index("worked least this week") < en.index("waited longest today")
    assert "consent" in en


def test_skill_icons_are_found_or_left_out(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert hall_pages.skill_icon(empty, "bricklayer", "construction") is None
    icons = tmp_path / "icons"
    (icons / "categories").mkdir(parents=True)
    (icons / "categories" / "construction.svg").write_text("<svg/>")
    assert hall_pages.skill_icon(icons, "bricklayer", "construction") == (
        "icons/categories/construction.svg"
    )
    (icons / "skills").mkdir()
    (icons / "skills" / "bricklayer.svg").write_text("<svg/>")
    # The cache answers for a directory once; a fresh directory is asked again.
    hall_pages.skill_icon.cache_clear()
    assert (
        hall_pages.skill_icon(icons, "bricklayer", "construction") == "icons/skills/bricklayer.svg"
    )


# -- through the app ---------------------------------------------------------------------

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    r = await client.post(f"/api/v1/markets/kaili{path}", json=body or {}, headers=AUTH)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _book(client: Client, n: int, **checkin: Any) -> dict[str, Any]:
    """Check worker n in, let the matcher offer, accept the offer: the ticket."""
    worker = await _post(client, "/checkins", checkin_body(n, **checkin))
    m = Matcher(client.state.store, ["kaili"], name="board-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    r = await client.get(f"/api/v1/markets/kaili/workers/{worker['worker_id']}/offers")
    pending = [o for o in r.json() if o["status"] == "pending"]
    assert pending, r.json()
    ticket: dict[str, Any] = (await _post(client, f"/offers/{pending[0]['id']}/accept"))["ticket"]
    return ticket | {"worker_id": worker["worker_id"]}


async def test_empty_board(client: Client) -> None:
    r = await client.get("/m/kaili/board")
    assert r.status_code == 200
    page = soup(r.text)
    assert text(page, "title") == "大屏 · 凯里零工市场 · 快招"
    assert "board-page" in one(page, "body")["class"]
    assert text(page, "h1") == "凯里零工市场 今日招工"
    assert text(page, ".board-empty") == "暂时没有在招的活"
    assert page.select("table.jobs") == []
    assert text(page, ".no-calls") == "现在没有叫号"
    assert page.select("li.call") == []
    assert texts(page, ".fills strong") == ["0", "0"]
    assert text(page, ".rule") == CATALOG["board.rule"][0]
    # The market's time, from the app clock (MORNING), not the machine's.
    clock = one(page, ".clock time")
    assert clock["datetime"] == "2026-11-27T09:00+08:00" and clock.get_text() == "09:00"
    assert text(page, ".clock .date") == "11月27日 星期五"
    # Live: htmx asks for the fragment; board.css and board.js come from this server.
    live = one(page, "#board")
    assert live["hx-get"] == "/m/kaili/board" and live["hx-trigger"] == "every 3s"
    assert live["data-page-ms"] == "10000"
    assert one(page, "link[href^='/static/board.css?v=']")
    assert one(page, "script[src^='/static/board.js?v=']")
    assert all(s.get("src") for s in page.select("script")), "no inline script"
    assert one(page, ".pager")["data-label"] == "第 {n}/{total} 页"


async def test_board_lists_open_jobs(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hall_pages, "ICONS_DIR", Path("/nonexistent/icons"))
    # Listed by interview time, the soonest first, whatever the order of posting.
    c = await _post(
        client,
        "/jobs",
        job_body(
            skills=["tea_picker"], headcount=1, township="522631102", interview_at=at("09:50")
        ),
    )
    a = await _post(client, "/jobs", job_body(headcount=2, interview_at=at("09:10")))
    b = await _post(
        client,
        "/jobs",
        job_body(
            interview_at=at("09:20"),
            title="砌墙",
            skills=["bricklayer"],
            headcount=3,
            wage_yuan=22.5,
            wage_unit="hour",
            township="522601002",
        ),
    )
    gone = await _post(client, "/jobs", job_body(headcount=1))
    await _post(client, f"/jobs/{gone['id']}/cancel")

    page = soup((await client.get("/m/kaili/board")).text)
    rows = page.select("table.jobs tbody tr[data-job]")
    assert [r["data-job"] for r in rows] == [a["id"], b["id"], c["id"]]
    cells = [[text(r, f"td.{col}") for col in ("skill", "wage", "left", "place")] for r in rows]
    assert cells == [
        ["小工", "200 元/天", "还差 2 人", "城西街道"],
        ["泥瓦工", "22.5 元/小时", "还差 3 人", "大十字街道"],
        ["采茶工", "200 元/天", "还差 1 人", "黎平县中潮镇"],  # another county: named
    ]
    assert texts(page, "table.jobs thead th") == ["工种", "工钱", "还差", "地点"]
    assert [th["scope"] for th in page.select("table.jobs thead th")] == ["col"] * 4
    assert text(page, ".jobs-head .count") == "共 3 个"
    assert page.select("img.pict") == [], "no pictogram without an icon file"


async def test_board_shows_a_pictogram_when_there_is_one(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "categories").mkdir()
    (tmp_path / "categories" / "construction.svg").write_text("<svg/>")
    monkeypatch.setattr(hall_pages, "ICONS_DIR", tmp_path)
    await _post(client, "/jobs", job_body(interview_at=at("09:10")))
    await _post(client, "/jobs", job_body(skills=["tea_picker"], interview_at=at("09:20")))
    rows = soup((await client.get("/m/kaili/board")).text).select("tr[data-job]")
    img = one(rows[0], "td.skill img.pict")
    assert str(img["src"]).startswith("/static/icons/categories/construction.svg?v=")
    assert img["alt"] == "", "decorative: the word beside it names the skill"
    assert text(rows[0], "td.skill") == "小工"
    assert rows[1].select("img") == [], "agriculture has no icon here"


async def test_calls_and_counts(client: Client) -> None:
    job = await _post(client, "/jobs", job_body(headcount=5, interview_place="3号洽谈桌"))
    first = await _book(client, 1)
    second = await _book(client, 2)
    third = await _book(client, 3)
    # Once the interview is settled, the call leaves the board and the fill is counted.
    outcome = {"worker_id": second["worker_id"], "outcome": "hired"}
    await _post(client, f"/jobs/{job['id']}/outcomes", outcome)

    for headers in ({}, {"HX-Request": "true"}):
        html = (await client.get("/m/kaili/board", headers=headers)).text
        assert not FULL_PHONE.search(html), FULL_PHONE.findall(html)
        page = soup(html)
        calls = page.select("li.call")
        assert [c["data-ticket"] for c in calls] == [third["ref"], first["ref"]]
        assert texts(page, "li.call") == [
            "请 139****0003 到 3号洽谈桌 09:00",
            "请 139****0001 到 3号洽谈桌 09:00",
        ]
        assert texts(page, ".fills dt") == ["今日录用", "今日预约面试"]
        assert texts(page, ".fills strong") == ["1", "3"]
        assert text(page, "tr[data-job] td.left") == "还差 2 人"


async def test_fragment_is_the_live_region_only(client: Client) -> None:
    r = await client.get("/m/kaili/board", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and '<header class="bar"' not in r.text
    page = soup(r.text)
    for part in (".board-head", ".board-jobs", ".board-calls", ".board-rule"):
        assert page.select_one(part) is not None, part


async def test_board_clock_is_the_app_clock(client: Client) -> None:
    client.state.clock.set(MORNING.replace(hour=14, minute=5))
    page = soup((await client.get("/m/kaili/board", headers={"HX-Request": "true"})).text)
    assert text(page, ".clock time") == "14:05"
    client.state.clock.set(MORNING.replace(day=29, hour=7, minute=0))
    page = soup((await client.get("/m/kaili/board", headers={"HX-Request": "true"})).text)
    assert text(page, ".clock time") == "07:00"
    assert text(page, ".clock .date") == "11月29日 星期日"


async def test_board_language_by_address_or_cookie(client: Client) -> None:
    r = await client.get("/m/kaili/board", params={"lang": "en"})
    assert r.status_code == 303
    assert r.headers["location"] == "/lang/en?next=%2Fm%2Fkaili%2Fboard"
    r = await client.get(r.headers["location"])
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/board"
    page = soup((await client.get("/m/kaili/board")).text)
    assert one(page, "html")["lang"] == "en"
    assert text(page, "h1") == "Kaili Gig Market Jobs today"
    assert text(page, ".rule") == CATALOG["board.rule"][1]
    assert text(page, ".clock .date") == "Fri 27/11"
    # An unknown language is ignored, not an error; ?lang=zh goes back.
    assert (await client.get("/m/kaili/board", params={"lang": "fr"})).status_code == 200
    r = await client.get("/m/kaili/board", params={"lang": "zh"})
    await client.get(r.headers["location"])
    assert text(soup((await client.get("/m/kaili/board")).text), "h1").endswith("今日招工")


async def test_unknown_market_board(client: Client) -> None:
    assert (await client.get("/m/mars/board")).status_code == 404


# -- in Chromium -------------------------------------------------------------------------------

browser_test = pytest.mark.browser


@pytest.fixture(scope="module")
def hall(
    browser: Browser, embedded_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    """One board screen on the whole app, over a flushed db."""
    from support.browser import LANDSCAPE, live_server, new_device

    url = f"{embedded_server.url}?db={TEST_DB}"
    with live_server(url, tmp_path_factory.mktemp("hall")) as server:
        context = new_device(browser, server.url, LANDSCAPE)
        yield context.new_page()
        context.close()


TOWNSHIPS = ["522601001", "522601002", "522601100", "522601101", "522601105", "522601108"]
SKILLS = [
    "general_laborer",
    "bricklayer",
    "carpenter",
    "tea_picker",
    "chef",
    "porter",
    "handicraft",
]
UNITS = [("day", 220), ("hour", 25), ("piece", 3.5)]

# What a text may measure on the board: job rows, calls, everything else (px).
JOB_TEXT_PX = 48
CALL_TEXT_PX = 56
OTHER_TEXT_PX = 28

_MEASURE_BOARD = """
() => {
  const visible = el => {
    for (let e = el; e; e = e.parentElement) {
      if (e.hidden || getComputedStyle(e).display === "none") return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  };
  const texts = [];
  for (const el of document.querySelectorAll("#board *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const zone = el.closest("tr[data-job]") ? "job" : el.closest("li.call") ? "call" : "other";
    texts.push({zone, text: el.textContent.trim().slice(0, 30),
                size: parseFloat(getComputedStyle(el).fontSize)});
  }
  const doc = document.scrollingElement;
  const viewport = document.querySelector(".jobs-viewport").getBoundingClientRect();
  const rows = [...document.querySelectorAll("tr[data-job]")].filter(visible);
  const calls = [...document.querySelectorAll("li.call")];
  const callBox = document.querySelector(".calls");
  return {
    texts,
    scroll: [doc.scrollWidth, doc.scrollHeight, innerWidth, innerHeight],
    rows: rows.map(r => r.dataset.job),
    rowsInside: rows.every(r => r.getBoundingClientRect().bottom <= viewport.bottom + 1),
    calls: calls.filter(visible).map(c => c.dataset.ticket),
    callsInside: calls.filter(visible).every(
      c => c.getBoundingClientRect().bottom <= callBox.getBoundingClientRect().bottom + 1),
    bar: visible(document.querySelector("header.bar")),
    english: [...document.querySelectorAll("a, button")].filter(
      e => visible(e) && /English/.test(e.textContent)).length,
    pages: Number(document.querySelector("#board").dataset.pages || 1),
  };
}
"""


def _api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = page.request.fetch(
        f"/api/v1/markets/kaili{path}", method=method, data=body, headers=AUTH
    )
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def _post_jobs(page: Page, first: int, count: int) -> list[str]:
    ids = []
    for i in range(first, first + count):
        unit, wage = UNITS[i % len(UNITS)]
        body = job_body(
            title=f"招工 {i}",
            skills=[SKILLS[i % len(SKILLS)]],
            headcount=6 if i < 3 else 1 + i % 4,
            wage_unit=unit,
            wage_yuan=wage,
            township=TOWNSHIPS[i % len(TOWNSHIPS)],
            interview_place=f"{1 + i % 8}号洽谈桌",
            interview_at=at(f"09:{10 + i:02d}"),  # the board's order is the posting order
        )
        ids.append(_api(page, "POST", "/jobs", body)["id"])
    return ids


def _book_workers(page: Page, count: int) -> list[str]:
    refs = []
    for n in range(1, count + 1):
        body = checkin_body(n, skills=SKILLS[:3], reach="prefecture")
        worker = _api(page, "POST", "/checkins", body)
        deadline = time.monotonic() + 5
        pending: list[dict[str, Any]] = []
        while not pending and time.monotonic() < deadline:
            offers = _api(page, "GET", f"/workers/{worker['worker_id']}/offers")
            pending = [o for o in offers if o["status"] == "pending"]
            time.sleep(0.05)
        assert pending, "the matcher made no offer"
        refs.append(_api(page, "POST", f"/offers/{pending[0]['id']}/accept")["ticket"]["ref"])
    return refs


def _look(page: Page, viewport: ViewportSize, name: str) -> dict[str, Any]:
    from support.browser import shot

    page.set_viewport_size(viewport)
    page.goto("/m/kaili/board")
    expect(page.locator("#board")).to_have_attribute("data-fitted", "true")
    page.evaluate("document.fonts.ready.then(() => true)")
    measured: dict[str, Any] = page.evaluate(_MEASURE_BOARD)
    shot(page, name)
    html = page.content()
    assert not FULL_PHONE.search(html), FULL_PHONE.findall(html)
    return measured


def _readable(m: dict[str, Any], where: str) -> list[str]:
    floor = {"job": JOB_TEXT_PX, "call": CALL_TEXT_PX, "other": OTHER_TEXT_PX}
    problems = [
        f"{where}: {t['zone']} text {t['text']!r} is {t['size']}px < {floor[t['zone']]}px"
        for t in m["texts"]
        if t["size"] < floor[t["zone"]]
    ]
    width, height, vw, vh = m["scroll"]
    if width > vw or height > vh:
        problems.append(f"{where}: the page scrolls ({width}x{height} in {vw}x{vh})")
    if not m["rowsInside"]:
        problems.append(f"{where}: a job row is cut off")
    if not m["callsInside"]:
        problems.append(f"{where}: a call is cut off")
    if m["bar"] or m["english"]:
        problems.append(f"{where}: a header bar or an English button is showing")
    return problems


@browser_test
def test_board_on_the_hall_screens(hall: Page) -> None:
    """0, 3 and 25 open jobs with 0 and 5 calls, landscape and portrait."""
    from support.browser import LANDSCAPE, PORTRAIT

    screens = {"landscape": LANDSCAPE, "portrait": PORTRAIT}
    problems: list[str] = []

    def look_all(state: str) -> dict[str, dict[str, Any]]:
        seen = {}
        for orientation, viewport in screens.items():
            m = _look(hall, viewport, f"board-{orientation}-{state}.png")
            problems.extend(_readable(m, f"{orientation} {state}"))
            seen[orientation] = m
        return seen

    empty = look_all("0jobs-0calls")
    assert all(m["rows"] == [] and m["calls"] == [] for m in empty.values())

    jobs = _post_jobs(hall, 0, 3)
    three = look_all("3jobs-0calls")
    assert all(m["rows"] == jobs for m in three.values())

    refs = _book_workers(hall, 5)
    called = look_all("3jobs-5calls")
    for m in called.values():
        assert m["rows"] == jobs
        assert m["calls"] == refs[::-1], "every call shows, the newest first"

    jobs += _post_jobs(hall, 3, 22)
    full = look_all("25jobs-5calls")
    for orientation, m in full.items():
        assert m["pages"] > 1, f"{orientation}: 25 jobs should not fit on one page"
        assert m["rows"] == jobs[: len(m["rows"])], "the first page shows the first jobs"
        assert m["calls"] == refs[::-1]
        expect(hall.locator(".pager")).to_be_visible()
    assert not problems, "\n".join(problems)


@browser_test
def test_board_pages_turn_and_show_every_job(hall: Page) -> None:
    """With more jobs than fit, the pages turn every 10 s and together show each job once.
    Runs after the screens test, on its 25 open jobs."""
    from support.browser import LANDSCAPE, PORTRAIT

    open_now = _api(hall, "GET", "/jobs?status=open")
    if len(open_now) < 25:  # run alone
        _post_jobs(hall, len(open_now), 25 - len(open_now))
        open_now = _api(hall, "GET", "/jobs?status=open")
    jobs = [j["id"] for j in sorted(open_now, key=hall_pages.board_order)]
    assert len(jobs) == 25
    for viewport in (LANDSCAPE, PORTRAIT):
        page = hall.context.new_page()
        page.set_viewport_size(viewport)
        page.clock.install()
        page.goto("/m/kaili/board")
        board = page.locator("#board")
        expect(board).to_have_attribute("data-fitted", "true")
        count = int(board.get_attribute("data-pages") or "1")
        assert count > 1
        shown: list[str] = []
        for n in range(1, count + 1):
            expect(board).to_have_attribute("data-page", str(n))
            expect(page.locator(".pager")).to_have_text(f"第 {n}/{count} 页")
            rows = page.locator("tr[data-job]:visible")
            shown += [str(r.get_attribute("data-job")) for r in rows.all()]
            page.clock.run_for(hall_pages.BOARD_PAGE_S * 1000)
        expect(board).to_have_attribute("data-page", "1")
        assert shown == jobs, "each open job once, in order, over one turn of the pages"
        page.close()


@browser_test
def test_board_says_when_it_cannot_reach_the_server(hall: Page) -> None:
    page = hall.context.new_page()
    page.clock.install()
    page.goto("/m/kaili/board")
    note = page.locator(".board-offline")
    expect(note).to_be_hidden()
    expect(note).to_have_text("网络断了，正在重连…")

    def polls_fail(route: Route) -> None:
        if route.request.headers.get("hx-request"):
            route.abort()
        else:
            route.continue_()

    page.route("**/m/kaili/board", polls_fail)
    page.clock.run_for(hall_pages.BOARD_POLL_S * 1000 + 100)
    expect(note).to_be_visible()
    page.unroute("**/m/kaili/board")
    page.clock.run_for(hall_pages.BOARD_POLL_S * 1000 + 100)
    expect(note).to_be_hidden()
    page.close()
