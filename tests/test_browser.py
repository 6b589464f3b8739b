"""The kiosk in a real Chromium: the same-day loop by taps, live updates, the hall board.

Each test gets the whole app (web + matcher) on a free port over a flushed db, on the
pinned morning of ``conftest.MORNING``. Full-page screenshots go to docs/screenshots.
Assertions are structural (selectors, attributes, text), never pixels.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    FULL_PHONE,
    LANDSCAPE,
    MASKED_PHONE,
    MIN_TEXT_PX,
    PHONE,
    PORTRAIT,
    LiveServer,
    body_font_px,
    launch_chromium,
    live_server,
    new_device,
    shot,
    small_targets,
    small_text,
    tile,
    tile_by_text,
)
from builders import checkin_body, job_body
from conftest import API_TOKEN
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

pytestmark = pytest.mark.browser

WORKER_PHONE = "13987654321"
WORKER_MASKED = "139****4321"
EMPLOYER_PHONE = "13812345678"
EMPLOYER_MASKED = "138****5678"
JOB_TITLE = "招一个搬砖的小工"
LIVE_MS = 10_000  # htmx polls every 3 s; the matcher ticks every 0.2 s
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

Device = Callable[[ViewportSize], Page]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = launch_chromium(playwright)
    yield b
    b.close()


@pytest.fixture
def server(valkey_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(valkey_url, tmp_path) as s:
        yield s


@pytest.fixture
def device(browser: Browser, server: LiveServer) -> Iterator[Device]:
    """A page on a new device (its own cookies): ``device(PORTRAIT)``."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: ViewportSize) -> Page:
        context = new_device(browser, server.url, viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@dataclass(frozen=True)
class Layout:
    name: str
    kiosk: ViewportSize
    employer: ViewportSize
    employer_name: str


LAYOUTS = [
    Layout("portrait", PORTRAIT, PHONE, "phone"),
    Layout("landscape", LANDSCAPE, LANDSCAPE, "landscape"),
]


def check_in_by_taps(page: Page) -> None:
    """A worker at the kiosk: phone digits typed after a tap, everything else tapped."""
    page.locator("input[name=phone]").tap()
    page.keyboard.type(WORKER_PHONE)
    labourer = tile_by_text(page, "小工")
    expect(labourer.locator("input")).to_have_value("general_laborer")
    labourer.tap()
    tile(page, "reach", "prefecture").tap()
    tile(page, "min_wage_yuan", "150").tap()
    expect(labourer.locator("input")).to_be_checked()
    expect(tile(page, "reach", "prefecture").locator("input")).to_be_checked()
    expect(tile(page, "min_wage_yuan", "150").locator("input")).to_be_checked()


def fill_job(page: Page, *, phone: str = EMPLOYER_PHONE, title: str = JOB_TITLE) -> None:
    """An employer posts one 小工 for 200 a day; times stay at their defaults."""
    page.locator("input[name=title]").fill(title)
    tile_by_text(page, "小工").tap()
    tile(page, "headcount", "1").tap()
    page.locator("input[name=wage_yuan]").fill("200")
    page.locator("input[name=employer_name]").fill("王师傅")
    page.locator("input[name=employer_phone]").fill(phone)
    expect(tile(page, "skills", "general_laborer").locator("input")).to_be_checked()


def assert_no_full_phone(html: str) -> None:
    assert WORKER_PHONE not in html and EMPLOYER_PHONE not in html
    assert not FULL_PHONE.search(html), FULL_PHONE.findall(html)


@pytest.mark.parametrize("layout", LAYOUTS, ids=[lay.name for lay in LAYOUTS])
def test_same_day_loop_by_taps(device: Device, layout: Layout) -> None:
    suffix = layout.name
    kiosk = device(layout.kiosk)
    kiosk.goto("/m/kaili/")
    shot(kiosk, f"home-{suffix}.png")
    kiosk.locator("a.door-worker").tap()
    expect(kiosk).to_have_url(re.compile(r"/m/kaili/worker$"))
    check_in_by_taps(kiosk)
    shot(kiosk, f"worker-checkin-{suffix}.png")
    kiosk.get_by_role("button", name="登记", exact=True).tap()
    expect(kiosk).to_have_url(re.compile(r"/m/kaili/worker/offers$"))
    expect(kiosk.locator(".status-card")).to_contain_text("已登记")
    expect(kiosk.locator(".status-card .phone")).to_have_text(WORKER_MASKED)
    expect(kiosk.locator("article.offer")).to_have_count(0)

    # The employer, on another device.
    employer = device(layout.employer)
    employer.goto("/m/kaili/employer")
    fill_job(employer)
    shot(employer, f"employer-post-{layout.employer_name}.png")
    employer.get_by_role("button", name="发布", exact=True).tap()
    expect(employer).to_have_url(re.compile(r"/m/kaili/jobs/\w+$"))
    expect(employer.locator(".job-card")).to_have_attribute("data-status", "open")
    expect(employer.locator(".job-card h2")).to_have_text(JOB_TITLE)

    # The offer reaches the worker's screen without a reload.
    offer = kiosk.locator("article.offer")
    expect(offer).to_be_visible(timeout=LIVE_MS)
    expect(offer.locator("h2")).to_have_text(JOB_TITLE)
    expect(offer.locator(".wage")).to_contain_text("200")
    shot(kiosk, f"worker-offer-{suffix}.png")
    offer.get_by_role("button", name="接这个活", exact=True).tap()

    expect(kiosk).to_have_url(re.compile(r"/m/kaili/tickets/KL1127-\d{3}$"))
    expect(kiosk.locator("#ticket-ref")).to_have_text(re.compile(r"^KL1127-\d{3}$"))
    expect(kiosk.locator(".ticket .qr svg")).to_be_visible()
    ticket = kiosk.locator("section.ticket")
    expect(ticket).to_contain_text(EMPLOYER_MASKED)
    expect(ticket).to_contain_text(WORKER_MASKED)
    expect(ticket.locator("dd", has_text="洽谈桌")).to_have_text("1号洽谈桌")
    assert_no_full_phone(kiosk.content())
    shot(kiosk, f"ticket-{suffix}.png")
    ref = kiosk.locator("#ticket-ref").inner_text()

    # The booking reaches the employer's page without a reload; the employer hires.
    booking = employer.locator("li.booking")
    expect(booking).to_have_attribute("data-status", "booked", timeout=LIVE_MS)
    expect(booking).to_contain_text(WORKER_MASKED)
    expect(booking.locator("a")).to_have_text(ref)
    booking.get_by_role("button", name="录用", exact=True).tap()
    expect(booking).to_have_attribute("data-status", "hired")
    expect(booking.locator(".status")).to_have_text("已录用")
    expect(booking.get_by_role("button", name="录用", exact=True)).to_have_class(
        re.compile(r"\bis-current\b")
    )
    expect(employer.locator(".job-card")).to_have_attribute("data-status", "filled")
    assert_no_full_phone(employer.content())
    shot(employer, f"employer-job-{layout.employer_name}.png")

    ops = device(LANDSCAPE)
    ops.goto("/ops/")
    expect(ops.locator("tr[data-market=kaili] td[data-col=hired]")).to_have_text("1")
    expect(ops.locator("tr[data-market=kaili] td[data-col=bookings]")).to_have_text("1")
    expect(ops.locator("tr[data-market=liping] td[data-col=hired]")).to_have_text("0")
    if layout.name == "landscape":
        shot(ops, "ops-landscape.png")


def _jobs(page: Page) -> list[dict[str, Any]]:
    response = page.request.get("/api/v1/markets/kaili/jobs")
    assert response.ok, response.text()
    jobs: list[dict[str, Any]] = response.json()
    return jobs


def test_double_tap_posts_one_job(device: Device) -> None:
    page = device(PHONE)
    page.goto("/m/kaili/employer")
    fill_job(page)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="发布", exact=True).dblclick()
    expect(page).to_have_url(re.compile(r"/m/kaili/jobs/\w+$"))
    jobs = _jobs(page)
    assert len(jobs) == 1, jobs
    assert jobs[0]["title"] == JOB_TITLE
    assert page.url.endswith(f"/jobs/{jobs[0]['id']}")
    assert len(posts) == 1, posts


_POST_FORM_TWICE = """
async (form) => {
  const body = () => new URLSearchParams(new FormData(form));
  const send = () => fetch(form.action, {method: "POST", body: body()});
  const answers = await Promise.all([send(), send()]);
  return answers.map(r => [r.status, r.url]);
}
"""


def test_same_form_sent_twice_makes_one_job(device: Device) -> None:
    """Two requests with the form's one request id, at once (a retry on a flaky
    network, or a browser without the page script): the server makes one job."""
    page = device(PHONE)
    page.goto("/m/kaili/employer")
    fill_job(page)
    answers = page.locator("form.kform").evaluate(_POST_FORM_TWICE)
    jobs = _jobs(page)
    assert len(jobs) == 1, jobs
    job_url = f"/m/kaili/jobs/{jobs[0]['id']}"
    assert [(status, url.endswith(job_url)) for status, url in answers] == [(200, True)] * 2


def _is_red(css_color: str) -> bool:
    m = re.match(r"rgba?\((\d+), (\d+), (\d+)", css_color)
    assert m, css_color
    r, g, b = (int(x) for x in m.groups())
    return r >= 140 and g <= 60 and b <= 60


def test_bad_phone_keeps_what_the_worker_entered(device: Device) -> None:
    page = device(PORTRAIT)
    page.goto("/m/kaili/worker")
    page.locator("input[name=phone]").tap()
    page.keyboard.type("1398765")
    page.locator("input[name=name]").fill("李大姐")
    tile_by_text(page, "小工").tap()
    tile(page, "min_wage_yuan", "180").tap()
    tile(page, "reach", "township").tap()
    page.get_by_role("button", name="登记", exact=True).tap()

    error = page.locator("#err-phone")
    expect(error).to_be_visible()
    expect(error).to_contain_text("手机号")
    assert _is_red(error.evaluate("e => getComputedStyle(e).color"))
    phone = page.locator("input[name=phone]")
    expect(phone).to_have_attribute("aria-invalid", "true")
    assert _is_red(phone.evaluate("e => getComputedStyle(e).borderTopColor"))
    # The error sits right under the field it names.
    field_box, error_box = phone.bounding_box(), error.bounding_box()
    assert field_box and error_box
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80
    expect(page.locator(".form-error")).to_contain_text("标红")
    expect(phone).to_have_value("1398765")
    expect(page.locator("input[name=name]")).to_have_value("李大姐")
    expect(tile(page, "skills", "general_laborer").locator("input")).to_be_checked()
    expect(tile(page, "min_wage_yuan", "180").locator("input")).to_be_checked()
    expect(tile(page, "reach", "township").locator("input")).to_be_checked()
    shot(page, "worker-error-portrait.png")


def test_bad_employer_phone_keeps_the_job_entered(device: Device) -> None:
    employer = device(PHONE)
    employer.goto("/m/kaili/employer")
    fill_job(employer, phone="138123")
    employer.get_by_role("button", name="发布", exact=True).tap()
    error = employer.locator("#err-employer_phone")
    expect(error).to_be_visible()
    expect(error).to_contain_text("手机号")
    assert _is_red(error.evaluate("e => getComputedStyle(e).color"))
    employer_phone = employer.locator("input[name=employer_phone]")
    expect(employer_phone).to_have_value("138123")
    expect(employer.locator("input[name=employer_name]")).to_have_value("王师傅")
    expect(employer.locator("input[name=title]")).to_have_value(JOB_TITLE)
    expect(tile(employer, "skills", "general_laborer").locator("input")).to_be_checked()
    assert _jobs(employer) == []
    shot(employer, "employer-error-phone.png")
    # "请改一下标红的地方" promises a field marked red, as on the worker's form.
    expect(employer_phone).to_have_attribute("aria-invalid", "true")
    assert _is_red(employer_phone.evaluate("e => getComputedStyle(e).borderTopColor"))


@pytest.mark.parametrize(
    "viewport", [PORTRAIT, LANDSCAPE, PHONE], ids=["portrait", "landscape", "phone"]
)
def test_touch_targets_and_text_are_big(device: Device, viewport: ViewportSize) -> None:
    page = device(viewport)
    problems: list[str] = []
    for path in ("/m/kaili/", "/m/kaili/worker", "/m/kaili/employer"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        if overflow > viewport["width"]:
            problems.append(f"{path} is {overflow}px wide, wider than the screen")
        problems += [
            f"{path} {b['selector']} {b['text']!r}: {b['width']:.0f}x{b['height']:.0f}"
            for b in small_targets(page)
        ]
        if body_font_px(page) < MIN_TEXT_PX:
            problems.append(f"{path} body font-size {body_font_px(page)}px")
        problems += [
            f"{path} <{s['tag']} class={s['cls']!r}> {s['text']!r}: {s['size']}px"
            for s in small_text(page)
        ]
    assert not problems, "\n".join(problems)


def test_language_switch(device: Device) -> None:
    page = device(PORTRAIT)
    page.goto("/m/kaili/")
    expect(page.locator(".door-worker .door-title")).to_have_text("我要找活")
    expect(page.locator("a.lang")).to_have_text("English")
    page.locator("a.lang").tap()
    expect(page.locator(".door-worker .door-title")).to_have_text("I want work")
    expect(page.locator(".door-employer .door-title")).to_have_text("I want to hire")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/m/kaili/$"))
    shot(page, "home-en-portrait.png")
    # The choice sticks as the person moves on.
    page.locator("a.door-worker").tap()
    expect(page.locator("h1")).to_have_text("Check in for work")
    expect(tile(page, "skills", "general_laborer")).to_have_text(re.compile(r"\S"))
    page.locator("a.lang").tap()
    expect(page.locator("h1")).to_have_text("找活登记")
    page.goto("/m/kaili/")
    expect(page.locator(".door-worker .door-title")).to_have_text("我要找活")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def _api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = page.request.fetch(f"/api/v1{path}", method=method, data=body, headers=AUTH)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def test_hall_board_calls_masked_phones(device: Device) -> None:
    board = device(LANDSCAPE)
    job = _api(
        board,
        "POST",
        "/markets/kaili/jobs",
        job_body(headcount=2, interview_place="3号洽谈桌", employer_phone=EMPLOYER_PHONE),
    )
    worker = _api(board, "POST", "/markets/kaili/checkins", checkin_body(phone=WORKER_PHONE))
    board.goto("/m/kaili/board")
    row = board.locator(f"tr[data-job='{job['id']}']")
    expect(row).to_be_visible()
    expect(row.locator(".skill")).to_have_text("小工")
    expect(row.locator(".wage")).to_have_text("200 元/天")
    expect(row.locator(".left")).to_have_text("还差 2 人")
    expect(board.locator("li.call")).to_have_count(0)

    deadline = time.monotonic() + 5
    offers: list[dict[str, Any]] = []
    while not offers and time.monotonic() < deadline:
        offers = _api(board, "GET", f"/markets/kaili/workers/{worker['worker_id']}/offers")
        time.sleep(0.1)
    assert offers, "the matcher made no offer"
    _api(board, "POST", f"/markets/kaili/offers/{offers[0]['id']}/accept")

    call = board.locator("li.call")
    expect(call).to_have_count(1, timeout=LIVE_MS)
    shot(board, "board-landscape.png")
    board.set_viewport_size(PORTRAIT)
    shot(board, "board-portrait.png")
    expect(call).to_contain_text(f"请 {WORKER_MASKED} 到 3号洽谈桌")
    assert MASKED_PHONE.search(call.inner_text())
    expect(row.locator(".left")).to_have_text("还差 1 人")
    assert_no_full_phone(board.content())
    fragment = board.request.get("/m/kaili/board", headers={"HX-Request": "true"}).text()
    assert "3号洽谈桌" in fragment
    assert_no_full_phone(fragment)

    # Once the interview is settled the call leaves the board; the fill is counted.
    outcome = {"worker_id": worker["worker_id"], "outcome": "hired"}
    _api(board, "POST", f"/markets/kaili/jobs/{job['id']}/outcomes", outcome)
    expect(call).to_have_count(0, timeout=LIVE_MS)
    expect(board.locator(".fills strong").first).to_have_text("1")
