"""The operators' live page in a real Chromium: a booking made through the API appears
on the open dashboard within 2 s (pushed over the event stream, not the 30 s poll), and
screenshots of the market's page and the prefecture's view for docs/screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import API_TOKEN
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Response,
    ViewportSize,
    expect,
)
from support.browser import LiveServer, shot
from support.builders import at, checkin_body, job_body
from support.ops import FULL_PHONE, PASSWORD, live_account

from matcher.markets import MARKETS

pytestmark = pytest.mark.browser

DESK = ViewportSize(width=1366, height=768)
AXE = next((Path(__file__).resolve().parents[2] / "kiosk/static/vendor").glob("axe-*.min.js"))
PUSH_MS = 2_000  # the promise: on the open dashboard within 2 s
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


Desk = Callable[[str], Page]


@pytest.fixture
def desk(browser: Browser, server: LiveServer) -> Iterator[Desk]:
    """A logged-in operator's browser at a desk screen: ``desk(username)``. Script
    errors and failed requests on any page fail the test. Closed before the server
    stops, as a person closes the tab: the event stream ends with the connection."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_desk(username: str) -> Page:
        context = browser.new_context(
            base_url=server.url,
            viewport=DESK,
            device_scale_factor=1,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if _failed(r) else None)
        # Count the event stream's openings, to know the dashboard is listening.
        page.add_init_script(
            "document.addEventListener('htmx:sseOpen',"
            " () => { window.kzSseOpen = (window.kzSseOpen || 0) + 1; });"
        )
        page.add_init_script(path=str(AXE))
        page.goto("/ops/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/ops/")
        return page

    yield open_desk
    for context in contexts:
        context.close()
    assert errors == []


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands (contrast too)."""
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return [f"{v['impact']} {v['id']}: {v['targets']}" for v in found]


_RUN_AXE = """
async () => {
  const r = await axe.run(document, {rules: {"color-contrast": {enabled: true}},
                                     resultTypes: ["violations"], preload: false});
  return r.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))}));
}
"""


def _failed(response: Response) -> bool:
    # The browser asks for /favicon.ico on its own; the app has none to give.
    return response.status >= 400 and not response.url.endswith("/favicon.ico")


def book(api: httpx.Client, n: int, **checkin: Any) -> dict[str, Any]:
    worker = api.post("/checkins", json=checkin_body(n, **checkin)).json()
    deadline = time.monotonic() + 5
    pending: list[dict[str, Any]] = []
    while not pending and time.monotonic() < deadline:
        offers = api.get(f"/workers/{worker['worker_id']}/offers").json()
        pending = [o for o in offers if o["status"] == "pending"]
        time.sleep(0.05)
    assert pending, "the matcher made no offer"
    r = api.post(f"/offers/{pending[0]['id']}/accept")
    assert r.status_code in (200, 201), r.text
    return dict(r.json()["ticket"]) | {"worker_id": worker["worker_id"]}


def test_a_booking_appears_on_the_open_dashboard(desk: Desk, server: LiveServer) -> None:
    page = desk(live_account(server.redis_url))
    page.goto("/ops/m/kaili/")
    page.wait_for_function("() => window.kzSseOpen >= 1")
    booked = page.locator("#ops-funnel [data-stage=booked] dd")
    expect(booked).to_have_text("0")
    with httpx.Client(base_url=f"{server.url}/api/v1/markets/kaili", headers=AUTH) as api:
        job = api.post("/jobs", json=job_body(headcount=2)).json()
        # The new job is pushed too (no booking yet).
        expect(page.locator(f"#ops-jobs tr[data-job={job['id']}]")).to_be_visible(timeout=PUSH_MS)
        book(api, 1)
        started = time.monotonic()
        expect(booked).to_have_text("1", timeout=PUSH_MS)
        took = time.monotonic() - started
    assert took < PUSH_MS / 1000
    expect(page.locator(f"#ops-jobs tr[data-job={job['id']}] td[data-col=places]")).to_have_text(
        "1/2"
    )
    # The page was never reloaded: the stream opened once.
    assert page.evaluate("window.kzSseOpen") == 1


def _busy_market(server: LiveServer) -> None:
    """A morning worth a screenshot: jobs filled and open, one waiting too long, workers
    nobody has asked for, skills short."""
    with httpx.Client(base_url=f"{server.url}/api/v1/markets/kaili", headers=AUTH) as api:
        api.post("/jobs", json=job_body(headcount=3, skills=["bricklayer"], title="砌围墙")).json()
        laborers = api.post("/jobs", json=job_body(headcount=2, title="搬砖小工")).json()
        hired = book(api, 1)
        book(api, 2)
        api.post(
            f"/jobs/{laborers['id']}/outcomes",
            json={"worker_id": hired["worker_id"], "outcome": "hired"},
        )
        server.clock.advance(minutes=70)
        api.post(
            "/jobs",
            json=job_body(
                headcount=4,
                skills=["plasterer"],
                title="抹灰",
                start_at=at("11:00"),
                interview_at=at("10:30"),
            ),
        )
        for n, skills in ((11, ["chef"]), (12, ["chef", "waiter"]), (13, ["electrician"])):
            api.post("/checkins", json=checkin_body(n, skills=skills, name="王"))
            server.clock.advance(minutes=9)
    with httpx.Client(base_url=f"{server.url}/api/v1/markets/liping", headers=AUTH) as api:
        r = api.post(
            "/jobs",
            json=job_body(
                headcount=2,
                start_at=at("12:00"),
                interview_at=at("11:30"),
                interview_place="1号洽谈桌",
            ),
        )
        assert r.status_code == 201, r.text


def test_dashboard_screenshots(desk: Desk, server: LiveServer) -> None:
    _busy_market(server)
    market = desk(live_account(server.redis_url))
    market.goto("/ops/m/kaili/")
    market.wait_for_function("() => window.kzSseOpen >= 1")
    expect(market.locator("#ops-jobs tr[data-stale=true]")).to_have_count(1)
    width = market.evaluate("document.documentElement.scrollWidth")
    assert width <= DESK["width"], width
    shot(market, "ops-today-market.png")
    assert serious_violations(market) == []
    assert not FULL_PHONE.search(market.content())

    bureau = desk(live_account(server.redis_url, "bureau", ()))
    expect(bureau.locator("article.market-card")).to_have_count(len(MARKETS))
    cards = bureau.locator("article.market-card").evaluate_all(
        "cs => cs.map(c => Math.round(c.getBoundingClientRect().top))"
    )
    assert len(set(cards)) == 1, cards  # side by side on a desk screen
    assert bureau.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    shot(bureau, "ops-today-prefecture.png")
    assert serious_violations(bureau) == []
    bureau.goto("/lang/en?next=/ops/m/kaili/")
    expect(bureau.locator("#ops-funnel h2")).to_contain_text("Today's funnel")
    shot(bureau, "ops-today-market-en.png")
