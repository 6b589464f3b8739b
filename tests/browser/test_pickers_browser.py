"""A hall people can trust all day (issue 14), in a real Chromium: each picker (a
category's skills, a county's townships) fits one screen of the portrait kiosk
(1080×1920) and of a phone (390×844, pixel ratio 3) — every tile in view without
scrolling, nothing wider than the screen or spilling out of its tile, every tile above
the design's floor; townships are found by their pinyin initials; the wage's lowest
choice reads "多少都行"; enrolling a kiosk names the market and asks to confirm; the
operators' market page fits a phone. Screenshots go to docs/screenshots.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest
from conftest import API_TOKEN
from playwright.sync_api import Page, ViewportSize, expect
from support.browser import PHONE, PORTRAIT, LiveServer, ops_sign_in, screen_problems, shot
from support.builders import checkin_body, job_body

from matcher.markets import MARKETS
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

pytestmark = pytest.mark.browser

WORKER_PHONE = "13987654321"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DEVICES = [(PORTRAIT, 1, "portrait"), (PHONE, 3, "phone")]
IDS = [d[2] for d in DEVICES]

# Every tile of a picker: where it is, whether it is in the first screen, and whether
# its word spills out of it.
_MEASURE_TILES = """
(selector) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  return [...document.querySelectorAll(selector)].map(el => {
    const r = el.getBoundingClientRect();
    const word = el.querySelector(".tile-word");
    const w = word ? word.getBoundingClientRect() : r;
    return {
      text: el.textContent.trim().replace(/\\s+/g, " "),
      top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,
      left: r.left, right: r.right, height: r.height,
      inView: r.top >= 0 && r.left >= 0 && r.bottom <= vh + 0.5 && r.right <= vw + 0.5,
      // The word inside its tile's border, and not cut (a chosen tile's tick may sit on
      // the tile's corner, so the tile's own overflow is not the measure).
      spills: w.left < r.left - 0.5 || w.right > r.right + 0.5 || w.top < r.top - 0.5
        || w.bottom > r.bottom + 0.5
        || (word && word.scrollWidth > word.clientWidth + 1),
    };
  });
}
"""


def fits_one_screen(page: Page, viewport: ViewportSize, tiles: str) -> list[dict[str, Any]]:
    """Every tile of the picker in view at the top of the page (nothing to scroll to),
    none spilling, the page no wider than the screen, and the design's floor met."""
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.fonts.ready.then(() => true)")
    expect(page.locator(".is-pressed")).to_have_count(0)
    measured: list[dict[str, Any]] = page.evaluate(_MEASURE_TILES, tiles)
    assert measured, f"no {tiles} on {page.url}"
    out = [m["text"] for m in measured if not m["inView"]]
    assert not out, f"{page.url}: tiles below the screen {out}"
    spilled = [m["text"] for m in measured if m["spills"]]
    assert not spilled, f"{page.url}: words spill out of {spilled}"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    problems = screen_problems(page, viewport)
    assert not problems, "\n".join(problems)
    return measured


def start_worker(page: Page, market: str = "kaili") -> None:
    page.goto(f"/m/{market}/worker")
    if page.locator(".keypad").is_visible():
        for d in WORKER_PHONE:
            page.locator(f".keypad .key[data-key='{d}']").tap()
    else:
        page.locator("#phone").fill(WORKER_PHONE)
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/worker/skills$"))


@pytest.mark.parametrize(("viewport", "scale", "suffix"), DEVICES, ids=IDS)
def test_each_skill_picker_fits_one_screen(
    device: Any, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    page: Page = device(viewport, scale)
    start_worker(page)
    tax = default_taxonomy()
    for cat, _, _ in tax.categories():
        page.goto(f"/m/kaili/worker/skill?cat={cat}")
        expect(page.locator(".pager")).to_have_count(0)  # one screen, no pages
        measured = fits_one_screen(page, viewport, ".skill-tiles .tile-btn")
        assert len(measured) == len(tax.by_category(cat)), cat
        # The way on is on the same screen as the tiles.
        nav = page.locator(".flow-nav .btn-back").bounding_box()
        assert nav is not None and nav["y"] + nav["height"] <= viewport["height"], cat
    # The biggest category, two ticked, photographed.
    page.goto("/m/kaili/worker/skill?cat=construction")
    for word in ("小工", "乡村建设工匠"):
        page.locator(".skill-tiles .tile-btn", has_text=word).tap()
    expect(page.locator(".skill-tiles input:checked")).to_have_count(2)
    fits_one_screen(page, viewport, ".skill-tiles .tile-btn")
    expect(page.locator(".btn-next")).to_be_in_viewport()
    shot(page, f"picker-skills-{suffix}.png")


@pytest.mark.parametrize(("viewport", "scale", "suffix"), DEVICES, ids=IDS)
def test_each_township_picker_fits_one_screen(
    device: Any, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    page: Page = device(viewport, scale)
    gazetteer = default_gazetteer()
    for market in MARKETS.values():
        start_worker(page, market.id)
        page.goto(f"/m/{market.id}/worker/place")
        measured = fits_one_screen(page, viewport, ".place-picker .tile-btn")
        # Every township of the county and "in the county town / the city centre".
        assert len(measured) == len(gazetteer.townships(market.county_adcode)) + 1
        expect(page.locator(".pager")).to_have_count(0)
        expect(page.locator("#place-q")).to_be_in_viewport()
        if market.id == "kaili":
            expect(page.locator("h1")).to_have_text("您住在哪个街道或乡镇？")
            expect(page.locator(".tile-county")).to_have_text("就在市区 / 不清楚")
            expect(page.locator(".group-title")).to_have_text(["城区街道", "乡镇"])
            shot(page, f"picker-township-{suffix}.png")
        else:
            expect(page.locator("h1")).to_have_text("您住在哪个乡镇？")
            expect(page.locator(".tile-county")).to_have_text("就在县城 / 不清楚")
        if market.id == "liping":  # the most townships: 26
            shot(page, f"picker-township-liping-{suffix}.png")
        page.request.post(f"/m/{market.id}/leave")


@pytest.mark.parametrize(("viewport", "scale", "suffix"), DEVICES, ids=IDS)
def test_a_township_by_its_pinyin_initials(
    device: Any, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    page: Page = device(viewport, scale)
    start_worker(page)
    page.goto("/m/kaili/worker/place")
    words = page.locator(".place-picker .tile-btn:not(.tile-county) .tile-word")
    if page.locator(".letter-keys").is_visible():
        # A kiosk has no keyboard: big letter keys, one tap each.
        page.locator(".key-letter[data-letter=k]").tap()
        expect(words).to_have_text(["开怀街道", "凯棠镇"])
        page.locator(".key-letter[data-letter=t]").tap()
    else:
        # A phone types with its own keyboard.
        page.locator("#place-q").fill("kt")
        page.locator("#place-q").press("Enter")
    expect(page).to_have_url(re.compile(r"/worker/place\?q=kt$"))
    expect(page.locator("#place-q")).to_have_value("kt")
    expect(words).to_have_text(["凯棠镇"])
    expect(page.locator(".search-status")).to_have_text("找到 1 个")
    expect(page.locator(".tile-county")).to_be_visible()  # "not sure" is always there
    fits_one_screen(page, viewport, ".place-picker .tile-btn")
    shot(page, f"picker-township-search-{suffix}.png")
    page.locator(".place-group .tile-btn:not(.tile-county)").first.tap()
    expect(page).to_have_url(re.compile(r"/worker/reach$"))
    expect(page.locator(".tile-btn[value=township] .tile-word")).to_have_text("本镇")
    expect(page.locator(".tile-btn[value=county] .tile-word")).to_have_text("本市")


@pytest.mark.parametrize(("viewport", "scale", "suffix"), DEVICES, ids=IDS)
def test_the_lowest_wage_is_any_pay(
    device: Any, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    page: Page = device(viewport, scale)
    start_worker(page)
    page.locator("a[data-category=construction]").tap()
    page.locator(".skill-tiles .tile-btn", has_text="小工").first.tap()
    page.locator(".btn-next").tap()
    page.locator(".tile-county").tap()
    page.locator(".tile-btn[name=reach][value=county]").tap()
    expect(page).to_have_url(re.compile(r"/worker/wage$"))
    shown = page.locator("[data-stepper-shown]")
    unit = page.locator(".stepper-value .unit")
    expect(shown).to_have_text("150")
    for _ in range(15):
        page.locator(".step-down").tap()
    expect(shown).to_have_text("多少都行")
    expect(unit).to_be_hidden()
    expect(page.locator("input[name=min_wage_yuan]")).to_have_value("0")
    page.locator(".step-down").tap()  # no lower than "any"
    expect(shown).to_have_text("多少都行")
    expect(page.locator(".is-pressed")).to_have_count(0)  # the last tap's look has gone
    problems = screen_problems(page, viewport)
    assert not problems, "\n".join(problems)
    shot(page, f"worker-wage-any-{suffix}.png")
    page.locator(".step-up").tap()
    expect(shown).to_have_text("10")
    expect(unit).to_be_visible()
    page.locator(".step-down").tap()
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/worker/offers$"))


@pytest.mark.parametrize(("viewport", "scale", "suffix"), DEVICES, ids=IDS)
def test_enrolment_names_the_market_and_asks_to_confirm(
    device: Any, server: LiveServer, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    desk: Page = device(PORTRAIT)
    ops_sign_in(desk, server, markets=("liping",), next_path="/ops/m/liping/kiosks")
    desk.locator("#kiosk-name").fill("大厅 2 号机")
    desk.locator("form.ops-form:has(#kiosk-name) button[type=submit]").click()
    code = desk.locator("p#enrol-code").inner_text()

    page: Page = device(viewport, scale)
    page.context.clear_cookies()  # a new device, not the tests' enrolled one
    page.goto("/enrol")
    page.locator("#enrol-code").fill(code)
    page.locator("form.enrol-form button[type=submit]").tap()
    expect(page.locator("h1")).to_have_text("确认登记")
    expect(page.locator(".enrol-market")).to_have_text("本机将登记为 黎平零工市场 的服务机")
    expect(page.locator(".enrol-name")).to_contain_text("大厅 2 号机")
    problems = screen_problems(page, viewport)
    assert not problems, "\n".join(problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"enrol-confirm-{suffix}.png")
    page.locator("button[name=confirm]").tap()
    expect(page).to_have_url(re.compile(r"/m/liping/$"))
    expect(page.locator(".not-enrolled")).to_have_count(0)


def _busy_morning(server: LiveServer) -> None:
    """Open jobs with long titles, one filling, workers waiting with several skills:
    every table of the market's page has rows."""
    with httpx.Client(base_url=f"{server.url}/api/v1/markets/kaili", headers=AUTH) as api:
        for title, skills in (
            ("急招砌围墙和抹灰的师傅三名, 包午饭", ["bricklayer", "plasterer"]),
            ("搬砖小工", ["general_laborer"]),
            ("食用菌种植基地采摘工", ["mushroom_grower"]),
        ):
            r = api.post("/jobs", json=job_body(headcount=3, skills=skills, title=title))
            assert r.status_code == 201, r.text
        worker = api.post("/checkins", json=checkin_body(1)).json()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            offers = api.get(f"/workers/{worker['worker_id']}/offers").json()
            pending = [o for o in offers if o["status"] == "pending"]
            if pending:
                api.post(f"/offers/{pending[0]['id']}/accept")
                break
            time.sleep(0.05)
        server.clock.advance(minutes=40)
        for n, skills in ((11, ["chef", "waiter", "kitchen_helper"]), (12, ["electrician"])):
            api.post("/checkins", json=checkin_body(n, skills=skills, name="王"))


def test_the_market_page_fits_a_phone(device: Any, server: LiveServer) -> None:
    _busy_morning(server)
    page: Page = device(PHONE, 3)
    ops_sign_in(page, server, markets=("kaili",), next_path="/ops/m/kaili/")
    expect(page.locator("h1")).to_contain_text("凯里零工市场")
    expect(page.locator("#ops-jobs tr[data-job]")).to_have_count(3)
    page.evaluate("document.fonts.ready.then(() => true)")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide: list[str] = page.evaluate(
        """() => [...document.querySelectorAll("body *")].filter(el => {
             const r = el.getBoundingClientRect();
             return r.width > 0 && r.right > window.innerWidth + 0.5
               && !el.closest("[hidden]");
           }).map(el => el.tagName.toLowerCase() + "." + el.className)"""
    )
    shot(page, "ops-market-phone.png")
    assert width <= PHONE["width"], width
    assert not wide, wide
