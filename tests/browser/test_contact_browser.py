"""Issue 14 in a real Chromium, at the portrait kiosk (1080×1920) and on a phone
(390×844): an offer withdrawn while the worker looks at it says why and the next one
comes as a new card; the ticket shows the employer's full number; its QR link opens the
public, masked ticket on a phone; a booked worker typing their number again is shown
the booking; the employer comes back to a shared kiosk with the job code, before and
after the interview time. Screenshots go to docs/screenshots/contact-*.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import API_TOKEN, MORNING
from playwright.sync_api import Page, ViewportSize, expect
from support.browser import FULL_PHONE, PHONE, PORTRAIT, LiveServer, screen_problems, shot
from support.builders import at, checkin_body, job_body

pytestmark = pytest.mark.browser

WORKER_PHONE = "13987654321"
EMPLOYER_PHONE = "13812345678"
LIVE_MS = 10_000  # htmx polls every 2 s; the matcher ticks every 0.2 s
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
VIEWS = [(PORTRAIT, 1, "portrait"), (PHONE, 3, "phone")]

Device = Callable[..., Page]


def api(page: Page, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = page.request.fetch(
        f"/api/v1/markets/kaili{path}", method=method, data=body, headers=AUTH
    )
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def type_digits(page: Page, field: str, digits: str) -> None:
    """The big keypad at a kiosk; the phone's own number pad on a phone."""
    if page.locator(".keypad").is_visible():
        for d in digits:
            page.locator(f".keypad .key[data-key='{d}']").tap()
    else:
        page.locator(field).tap()
        page.keyboard.type(digits)
    expect(page.locator(field)).to_have_value(digits)


def check_in_by_forms(page: Page) -> None:
    """The worker's answers as the screens' forms send them, then the last screen."""
    page.goto("/m/kaili/worker")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    assert token
    for path, form in [
        ("/m/kaili/worker", {"phone": WORKER_PHONE}),
        (
            "/m/kaili/worker/skill",
            {"cat": "construction", "skills": "general_laborer", "go": "done"},
        ),
        ("/m/kaili/worker/place", {"township": "522601001"}),
        ("/m/kaili/worker/reach", {"reach": "county"}),
    ]:
        assert page.request.post(path, form={**form, "csrf": token}).ok, path
    page.goto("/m/kaili/worker/wage")
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/offers$"))


def floor(page: Page, viewport: ViewportSize) -> list[str]:
    # The offer cards' own poll must not swap a pressed button away under the finger.
    expect(page.locator(".is-pressed")).to_have_count(0)
    return screen_problems(page, viewport)


@pytest.mark.parametrize(("viewport", "scale", "suffix"), VIEWS, ids=[v[2] for v in VIEWS])
def test_worker_offer_gone_ticket_qr_and_reentry(
    device: Device, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    worker = device(viewport, scale)
    problems: list[str] = []
    check_in_by_forms(worker)
    first = api(
        worker,
        "POST",
        "/jobs",
        job_body(title="招一个搬砖的小工", headcount=1, employer_phone=EMPLOYER_PHONE),
    )
    card = worker.locator("article.offer")
    expect(card).to_be_visible(timeout=LIVE_MS)
    expect(card.locator("h2")).to_have_text("招一个搬砖的小工")
    old_id = card.get_attribute("data-offer")
    card.evaluate("el => { el.dataset.mark = 'old'; }")
    problems += floor(worker, viewport)
    shot(worker, f"contact-1-offer-{suffix}.png")

    # The employer cancels: where the offer stood, a card says why.
    api(worker, "POST", f"/jobs/{first['id']}/cancel")
    gone = worker.locator("article.offer-gone")
    expect(gone).to_be_visible(timeout=LIVE_MS)
    expect(gone).to_have_attribute("data-why", "cancelled")
    expect(gone.locator(".why")).to_have_text("老板取消了这个活。")
    expect(gone.locator("h2")).to_contain_text("招一个搬砖的小工")
    expect(worker.locator("article.offer")).to_have_count(0)
    # The next offer: a new card below it, marked as new; the old card is not reused.
    api(
        worker,
        "POST",
        "/jobs",
        job_body(
            title="招小工挖地基",
            headcount=1,
            employer_phone=EMPLOYER_PHONE,
            interview_place="干活现场",
            interview_address="城西加油站对面的工地",
        ),
    )
    new = worker.locator("article.offer.offer-new")
    expect(new).to_be_visible(timeout=LIVE_MS)
    expect(new.locator(".new-tag")).to_have_text("新的活")
    expect(new.locator(".address")).to_have_text("城西加油站对面的工地")
    assert new.get_attribute("data-offer") != old_id
    expect(worker.locator("article[data-mark]")).to_have_count(0)
    gone_box, new_box = gone.bounding_box(), new.bounding_box()
    assert gone_box and new_box and new_box["y"] >= gone_box["y"] + gone_box["height"]
    problems += floor(worker, viewport)
    shot(worker, f"contact-2-offer-gone-{suffix}.png")
    gone.get_by_role("button", name="知道了").tap()
    expect(gone).to_have_count(0)

    # The worker takes it: the ticket shows the employer's full number.
    new.get_by_role("button", name="接这个活", exact=True).tap()
    expect(worker).to_have_url(re.compile(r"/m/kaili/tickets/KL1127-\d{3}$"))
    employer = worker.locator(".ticket-employer .phone-full")
    expect(employer).to_have_text(EMPLOYER_PHONE)
    expect(employer).to_have_attribute("href", f"tel:{EMPLOYER_PHONE}")
    expect(worker.locator(".ticket-address")).to_have_text("城西加油站对面的工地")
    expect(worker.locator(".ticket-worker")).to_have_text("139****4321")
    ref = worker.locator("#ticket-ref").inner_text()
    problems += floor(worker, viewport)
    shot(worker, f"contact-3-ticket-{suffix}.png")

    # The QR code's link on somebody's phone: the public ticket, masked.
    link = worker.locator(".qr").get_attribute("data-link")
    assert link and f"/m/kaili/t/{ref}?" in link
    phone = device(PHONE, 3)
    phone.goto(link)
    expect(phone.locator("#ticket-ref")).to_have_text(ref)
    expect(phone.locator(".ticket-address")).to_have_text("城西加油站对面的工地")
    expect(phone.locator(".ticket-employer")).to_contain_text("138****5678")
    expect(phone.locator(".public-note")).to_contain_text("电话号码已隐藏")
    assert not FULL_PHONE.search(phone.content())
    problems += floor(phone, PHONE)
    if suffix == "portrait":
        shot(phone, "contact-4-ticket-public-phone.png")  # the same phone either way
    tampered = link.replace("s=", "s=x")
    phone.goto(tampered)
    expect(phone.locator(".public-gone")).to_be_visible()

    # Done; later the same worker types the number again: the booking, not a check-in.
    worker.locator(".btn-quit").tap()
    expect(worker).to_have_url(re.compile(r"/m/kaili/$"))
    worker.locator("a.door-worker").tap()
    type_digits(worker, "#phone", WORKER_PHONE)
    worker.locator(".btn-next").tap()
    expect(worker).to_have_url(re.compile(rf"/m/kaili/tickets/{ref}\?already=1$"))
    expect(worker.locator(".notice")).to_have_text("您今天已经约好了面试，不用再登记。")
    expect(worker.locator("#same-yes")).to_have_count(0)
    problems += floor(worker, viewport)
    shot(worker, f"contact-5-reentry-{suffix}.png")
    assert not problems, "\n".join(problems)


def _booked_job(page: Page) -> tuple[dict[str, Any], str]:
    """A job posted through the API (interview 09:30) and a worker booked on it."""
    job = api(
        page,
        "POST",
        "/jobs",
        job_body(
            title="招一个搬砖的小工",
            headcount=1,
            employer_phone=EMPLOYER_PHONE,
            interview_at=at("09:30"),
        ),
    )
    worker = api(page, "POST", "/checkins", checkin_body(phone=WORKER_PHONE))
    deadline = time.monotonic() + 5
    offers: list[dict[str, Any]] = []
    while not offers and time.monotonic() < deadline:
        offers = api(page, "GET", f"/workers/{worker['worker_id']}/offers")
        time.sleep(0.1)
    assert offers, "the matcher made no offer"
    api(page, "POST", f"/offers/{offers[0]['id']}/accept")
    return job, str(worker["worker_id"])


@pytest.mark.parametrize(("viewport", "scale", "suffix"), VIEWS, ids=[v[2] for v in VIEWS])
def test_employer_returns_with_the_job_code(
    device: Device, server: LiveServer, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    page = device(viewport, scale)
    problems: list[str] = []
    job, _wid = _booked_job(page)
    # Back at a shared kiosk: the number, today's jobs, the code.
    page.goto("/m/kaili/employer")
    type_digits(page, "#phone", EMPLOYER_PHONE)
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/employer/mine$"))
    page.locator(f"button[name=job][value='{job['id']}']").tap()
    expect(page).to_have_url(re.compile(rf"/jobs/{job['id']}/code$"))
    expect(page.locator("h1")).to_have_text("请输入这个活的招工码")
    type_digits(page, "#code", "000000" if job["code"] != "000000" else "111111")
    page.locator(".btn-next").tap()
    expect(page.locator(".form-error")).to_have_text("招工码不对，请再看一下。")
    type_digits(page, "#code", job["code"])
    problems += floor(page, viewport)
    shot(page, f"contact-6-employer-code-{suffix}.png")
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(rf"/jobs/{job['id']}$"))
    # Before the interview: the worker's full number, the code, no outcome buttons yet.
    expect(page.locator("#job-code")).to_have_text(job["code"])
    booking = page.locator("li.booking")
    expect(booking.locator(".phone-full")).to_have_text(WORKER_PHONE)
    expect(booking.locator(".outcomes-later")).to_contain_text("09:30")
    expect(booking.get_by_role("button", name="录用", exact=True)).to_have_count(0)
    problems += floor(page, viewport)
    shot(page, f"contact-7-employer-before-{suffix}.png")
    # The interview time comes: the page's own poll brings the buttons.
    server.clock.set(MORNING.replace(minute=30))
    hired = booking.get_by_role("button", name="录用", exact=True)
    expect(hired).to_be_visible(timeout=LIVE_MS)
    expect(booking.get_by_role("button", name="没来", exact=True)).to_be_visible()
    hired.tap()
    expect(booking).to_have_attribute("data-status", "hired")
    expect(booking.locator(".status")).to_have_text("已录用")
    problems += floor(page, viewport)
    shot(page, f"contact-8-employer-after-{suffix}.png")
    assert not problems, "\n".join(problems)
