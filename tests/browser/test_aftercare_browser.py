"""The after-work screens in a real Chromium on the portrait kiosk (1080×1920): a
returning worker is asked about yesterday's pay by taps only, and every screen meets
the design's floor (targets, gaps, text size, contrast, one question)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import API_TOKEN
from playwright.sync_api import Browser, Page, expect
from support.browser import (
    LANDSCAPE,
    PORTRAIT,
    LiveServer,
    new_device,
    ops_sign_in,
    screen_problems,
    shot,
)
from support.builders import checkin_body, job_body

pytestmark = pytest.mark.browser

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
AXE = sorted((Path(__file__).resolve().parents[2] / "kiosk/static/vendor").glob("axe-*.min.js"))
_AXE_RUN = """
async () => {
  await document.fonts.ready;
  const r = await axe.run(document, {rules: {"color-contrast": {enabled: true}},
                                     resultTypes: ["violations"], preload: false});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}
"""
WORKER_PHONE = "13900000001"  # checkin_body(1)


def booked_yesterday(page: Page, server: LiveServer, outcome: str | None) -> None:
    """Through the API: worker 1 booked this morning, the employer's outcome (None: the
    employer never says), then the next morning."""
    api = page.request
    wid = api.post("/api/v1/markets/kaili/checkins", data=checkin_body(1), headers=AUTH).json()[
        "worker_id"
    ]
    job = api.post("/api/v1/markets/kaili/jobs", data=job_body(headcount=1), headers=AUTH).json()
    deadline = time.monotonic() + 10
    offers: list[dict[str, str]] = []
    while not offers and time.monotonic() < deadline:
        offers = api.get(f"/api/v1/markets/kaili/workers/{wid}/offers").json()
        time.sleep(0.1)
    assert offers, "no offer from the live matcher"
    r = api.post(f"/api/v1/markets/kaili/offers/{offers[0]['id']}/accept", headers=AUTH)
    assert r.ok, r.text()
    if outcome is not None:
        r = api.post(
            f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
            data={"worker_id": wid, "outcome": outcome},
            headers=AUTH,
        )
        assert r.ok, r.text()
    server.clock.advance(days=1)
    server.clock.set(server.clock.now().replace(hour=8, minute=0))


def check(page: Page, name: str) -> None:
    expect(page.locator(".is-pressed")).to_have_count(0)
    problems = screen_problems(page, PORTRAIT)
    assert not problems, problems
    assert page.locator("h1").count() == 1
    # axe-core (vendored, loaded by the test browser only): nothing serious or critical.
    violations = page.evaluate(_AXE_RUN)
    assert not violations, violations
    shot(page, name)


def enter_phone(page: Page) -> None:
    page.goto("/m/kaili/worker")
    for d in WORKER_PHONE:
        page.locator(f".keypad .key[data-key='{d}']").tap()
    page.locator(".btn-next").tap()


def test_the_pay_question_by_taps(browser: Browser, server: LiveServer) -> None:
    context = new_device(browser, server.url, PORTRAIT)
    context.add_init_script(path=str(AXE[0]))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    booked_yesterday(page, server, "hired")
    enter_phone(page)
    expect(page.locator("h1")).to_have_text("11月27日 的工钱拿到了吗？")
    check(page, "after-pay-portrait.png")
    page.locator("button[name=paid][value=partial]").tap()
    expect(page.locator("h1")).to_have_text("拿到了多少钱？")
    for _ in range(2):
        page.locator(".step-up.step-big").tap()
    expect(page.locator("#paid_yuan-value")).to_contain_text("100")
    check(page, "after-paid-portrait.png")
    page.locator(".btn-next").tap()
    expect(page.locator("h1")).to_have_text("王师傅 这个老板怎么样？")
    check(page, "after-rate-portrait.png")
    page.locator("button[name=thumbs][value=down]").tap()
    expect(page.locator("h1")).to_have_text("哪里不好？")
    page.locator("button[name=why][value=pay]").tap()
    expect(page.locator("h1")).to_have_text("以后不再和 王师傅 配对吗？")
    check(page, "after-block-portrait.png")
    page.locator("#block-yes").tap()
    # On to the usual returning worker's check-in.
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/same$"))
    arrears = page.request.get("/api/v1/markets/kaili/arrears", headers=AUTH).json()
    assert [(a["agreed_yuan"], a["paid_yuan"]) for a in arrears] == [(200, 100)]
    context.close()
    assert not errors, errors


def test_a_no_show_explained_by_taps(browser: Browser, server: LiveServer) -> None:
    context = new_device(browser, server.url, PORTRAIT)
    context.add_init_script(path=str(AXE[0]))
    page = context.new_page()
    booked_yesterday(page, server, "no_show")
    enter_phone(page)
    expect(page.locator("h1")).to_have_text("老板说您 11月27日 没来 — 对吗？")
    check(page, "after-noshow-portrait.png")
    page.locator("#went-no").tap()
    expect(page.locator("h1")).to_have_text("是什么事没去成？")
    check(page, "after-noshow-why-portrait.png")
    page.locator("button[name=reason][value=sick]").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/same$"))
    context.close()


def test_the_boss_was_not_there_by_taps(browser: Browser, server: LiveServer) -> None:
    """The employer never marked the interview: the worker says what happened."""
    context = new_device(browser, server.url, PORTRAIT)
    context.add_init_script(path=str(AXE[0]))
    page = context.new_page()
    booked_yesterday(page, server, None)
    enter_phone(page)
    expect(page.locator("h1")).to_have_text("11月27日 的面试怎么样了？")
    check(page, "after-unmarked-portrait.png")
    page.locator("#how-trouble").tap()
    expect(page.locator("h1")).to_have_text("您去了，是怎么回事？")
    page.locator("button[name=reason][value=boss_absent]").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/same$"))
    context.close()


def test_the_operators_page(browser: Browser, server: LiveServer) -> None:
    """A desk screen: a no-show explained at the kiosk waits for an operator, who
    rejects it; an unpaid day shows with its export."""
    kiosk = new_device(browser, server.url, PORTRAIT)
    page = kiosk.new_page()
    booked_yesterday(page, server, "no_show")
    enter_phone(page)
    page.locator("#went-no").tap()
    page.locator("button[name=reason][value=family]").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/same$"))
    kiosk.close()
    desk = browser.new_context(base_url=server.url, viewport=LANDSCAPE, locale="zh-CN")
    desk.add_init_script(path=str(AXE[0]))
    op = desk.new_page()
    ops_sign_in(op, server, next_path="/ops/m/kaili/aftercare")
    expect(op.locator("h1")).to_have_text("工钱与申诉")
    row = op.locator("table#explanations tr[data-ref]")
    expect(row).to_contain_text("家里有事")
    assert op.evaluate(_AXE_RUN) == []
    shot(op, "ops-aftercare.png")
    row.get_by_role("button", name="不认可").click()
    expect(op.locator(".form-ok")).to_have_text("已不认可，这次没来会计入")
    expect(op.locator("#explanations-empty")).to_be_visible()
    desk.close()
