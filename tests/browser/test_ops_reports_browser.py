"""The operators' reports in Chromium: the daily report (日报) printed on A4 (page count
from the PDF, layout at the paper's width), the history on a desk screen, axe-core on
both, and the screenshots in docs/screenshots."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import API_TOKEN
from playwright.sync_api import Page
from support.builders import checkin_body, job_body
from support.ops import PASSWORD

from matcher.desk.accounts import create_account
from matcher.store.client import close_client, open_client

pytestmark = pytest.mark.browser

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DAY = "2026-11-27"
AXE = next((Path(__file__).resolve().parents[2] / "kiosk/static/vendor").glob("axe-*.min.js"))
_RUN_AXE = """
async () => {
  const r = await axe.run(document, {rules: {"color-contrast": {enabled: true}},
                                     resultTypes: ["violations"], preload: false});
  return r.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(" "))}));
}
"""


def serious_violations(page: Page) -> list[str]:
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return [f"{v['impact']} {v['id']}: {v['targets']}" for v in found]


SKILLS = ("general_laborer", "welder", "bricklayer", "electrician", "chef", "cleaner")
TITLES = ("搬砖小工", "钢筋电焊", "砌墙", "水电安装", "食堂帮厨", "保洁")


def _operator(redis_url: str) -> str:
    async def create() -> None:
        redis = open_client(redis_url, pool_size=2)
        try:
            await create_account(
                redis,
                username="reports-live",
                password=PASSWORD,
                role="operator",
                markets=("kaili",),
                display_name="王主任",
                created_at="2026-11-27T09:00:00+08:00",
            )
        finally:
            await close_client(redis)

    # In a thread of its own: Playwright's sync API keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    return "reports-live"


def _busy_hall(base_url: str) -> None:
    """A realistic morning: a dozen workers, eight jobs of six skills, bookings and
    outcomes, through the API with the in-process matcher making the offers."""
    with httpx.Client(base_url=f"{base_url}/api/v1/markets/kaili", headers=AUTH, timeout=10) as api:
        workers = []
        for n in range(1, 13):
            body = checkin_body(n, skills=[SKILLS[n % len(SKILLS)]])
            if n % 4 == 0:
                body.update(priority_groups=["older"], priority_consent=True)
            workers.append(api.post("/checkins", json=body).json()["worker_id"])
        jobs = []
        for n in range(8):
            skill = SKILLS[n % len(SKILLS)]
            body = job_body(skills=[skill], headcount=1 + n % 3, title=TITLES[n % len(TITLES)])
            jobs.append(api.post("/jobs", json=body).json()["id"])
        booked = 0
        deadline = time.monotonic() + 10
        while booked < 6 and time.monotonic() < deadline:
            for wid in workers:
                for o in api.get(f"/workers/{wid}/offers").json():
                    if o["status"] != "pending" or booked >= 6:
                        continue
                    if api.post(f"/offers/{o['id']}/accept").status_code == 200:
                        booked += 1
            time.sleep(0.1)
        assert booked >= 4, booked
        outcomes = ["hired", "hired", "no_show", "not_hired"]
        for job_id in jobs:
            for b in api.get(f"/jobs/{job_id}").json()["bookings"]:
                if outcomes:
                    api.post(
                        f"/jobs/{job_id}/outcomes",
                        json={"worker_id": b["worker_id"], "outcome": outcomes.pop()},
                    )


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.fixture
def live(valkey_url: str, tmp_path: Path) -> Iterator[Any]:
    from support.browser import live_server

    with live_server(valkey_url, tmp_path) as server:
        yield server


def test_daily_report_prints_on_a4(live: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    from support.browser import SCREENSHOTS, launch_chromium, shot

    name = _operator(live.redis_url)
    _busy_hall(live.url)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context(
                base_url=live.url,
                viewport={"width": 1366, "height": 768},
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            page = context.new_page()
            page.add_init_script(path=str(AXE))
            page.goto("/ops/login")
            page.fill("#username", name)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/ops/**")
            page.goto(f"/ops/m/kaili/daily/{DAY}")
            assert page.locator(".key-figures [data-col=bookings] dd").inner_text() != "0"
            shot(page, "ops-daily-screen.png")
            assert serious_violations(page) == []
            # Printed: the report alone (no navigation or buttons), on A4.
            page.emulate_media(media="print")
            assert page.locator(".daily-report").is_visible()
            assert not page.locator(".ops-nav").is_visible()
            assert not page.locator("button[data-print]").is_visible()
            # A4 at 96 dpi less the page margins: what the paper shows, for a look.
            page.set_viewport_size({"width": 703, "height": 1017})
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, overflow
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "ops-daily-print.png"), full_page=True)
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
            (tmp_path / "daily.pdf").write_bytes(pdf)
            assert _pdf_pages(pdf) == 1, _pdf_pages(pdf)
            # A day with far more jobs than the report lists still prints on two sheets.
            with httpx.Client(base_url=f"{live.url}/api/v1/markets/kaili", headers=AUTH) as api:
                for n in range(40):
                    api.post("/jobs", json=job_body(title=f"{TITLES[n % len(TITLES)]} {n}"))
            page.reload()
            assert page.locator("#table-jobs tbody tr").count() == 25
            assert "见导出" in page.locator(".daily-jobs .note").inner_text()
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
            assert _pdf_pages(pdf) == 2, _pdf_pages(pdf)
            # The history of the week on the desk screen.
            page.emulate_media(media="screen")
            page.set_viewport_size({"width": 1366, "height": 768})
            page.goto("/ops/m/kaili/history")
            assert page.locator("#chart-days svg").is_visible()
            shot(page, "ops-history.png")
            assert serious_violations(page) == []
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1366, width
        finally:
            browser.close()
