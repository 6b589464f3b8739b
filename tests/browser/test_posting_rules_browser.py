"""An employer posting late in the evening, in a real Chromium by taps, on the hall's
portrait kiosk (1080×1920) and on a phone (390×844): the hall says it has closed, the
interview is on site, the pay stepper says why it stops at the minimum wage, and a
night shift ends on the next day (次日). The server's clock is set to 21:00 of the
pinned day; full-page screenshots go to docs/screenshots. Assertions are structural
(selectors, text, measured boxes), never pixels."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from conftest import MORNING
from playwright.sync_api import Page, ViewportSize, expect
from support.browser import PHONE, PORTRAIT, LiveServer, screen_problems, shot

pytestmark = pytest.mark.browser

EMPLOYER_PHONE = "13812345678"
Device = Callable[..., Page]


def tile(page: Page, text: str) -> object:
    word = re.compile(rf"^\s*{re.escape(text)}\s*$")
    return page.locator(".tile-btn").filter(has=page.locator(".tile-word", has_text=word))


@pytest.mark.parametrize(
    ("viewport", "scale", "suffix"), [(PORTRAIT, 1, "portrait"), (PHONE, 3, "phone")]
)
def test_an_employer_posts_late_in_the_evening(
    device: Device, server: LiveServer, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    server.clock.set(MORNING.replace(hour=21))
    page = device(viewport, scale)
    problems: list[str] = []

    def check(name: str | None = None) -> None:
        expect(page.locator(".is-pressed")).to_have_count(0)
        problems.extend(screen_problems(page, viewport))
        if name:
            shot(page, name)

    page.goto("/m/kaili/employer")
    expect(page.locator("#hall-closed")).to_contain_text("大厅 18:00 已经关门")
    if page.locator(".keypad").is_visible():
        for d in EMPLOYER_PHONE:
            page.locator(f".keypad .key[data-key='{d}']").tap()
    else:
        page.locator("#phone").fill(EMPLOYER_PHONE)
    check()
    page.locator(".btn-next").tap()
    page.locator("a.tile-say").tap()

    # An age limit and an ethnic exclusion are refused on the spot, both named.
    page.locator("#say-text").fill("招两个搬砖的小工，45岁以下，不要少数民族")
    page.locator(".btn-next").tap()
    error = page.locator(".form-error")
    expect(error).to_contain_text("您说的话里写了“45岁以下”")
    expect(error).to_contain_text("不要少数民族")
    expect(page).to_have_url(re.compile(r"/employer/say$"))
    check(f"employer-say-refused-{suffix}.png")
    page.locator("#say-text").fill("招两个搬砖的小工")
    page.locator(".btn-next").tap()
    expect(page.locator("h1")).to_have_text("是这些活吗？")
    page.locator(".btn-next").tap()
    expect(page.locator("h1")).to_have_text("要几个人？")
    page.locator("button.tile-btn[name=headcount][value='2']").tap()

    # Pay: −50 until it stops, and the screen says why it stops there.
    expect(page.locator("h1")).to_have_text("工钱怎么算，给多少？")
    note = page.locator("[data-min-note=wage]")
    expect(note).to_be_hidden()
    down = page.locator(".step-down.step-big")
    for _ in range(3):
        down.tap()
    expect(page.locator("[data-stepper-shown]").first).to_have_text("50")
    expect(note).to_be_hidden()
    down.tap()
    # 22:00–23:45 today by default: 19.6 x 1.75 h is 34.3, so the stepper stops at 40.
    expect(page.locator("[data-stepper-shown]").first).to_have_text("40")
    expect(note).to_be_visible()
    expect(note).to_contain_text("本市场最低工资每小时 19.6 元，干 1.75 小时不能少于 34.3 元")
    check(f"employer-wage-floor-{suffix}.png")
    page.locator(".step-up.step-big").tap()
    expect(note).to_be_hidden()
    page.locator(".btn-next").tap()

    expect(page).to_have_url(re.compile(r"/employer/place"))
    page.locator("button.tile-county").tap()

    # A night shift: said with one tap, the end on the next day.
    expect(page.locator("h1")).to_have_text("几点开工，几点收工？")
    expect(page.locator("input[name=start]")).to_have_value("22:00")
    tile(page, "次日收工（夜班）").tap()  # type: ignore[attr-defined]
    expect(page.locator("#end-label")).to_have_text("几点收工（次日）")
    expect(page.locator("input[name=end]")).to_have_value("06:00")
    check(f"employer-night-shift-{suffix}.png")
    page.locator(".btn-next").tap()

    # Eight hours at 90 yuan is 11.2 an hour: back to the pay, which says so and now
    # stands at the least eight hours may pay.
    expect(page.locator("h1")).to_have_text("工钱怎么算，给多少？")
    expect(page.locator(".form-error")).to_contain_text("90 元按 8 小时算，每小时 11.2 元")
    expect(page.locator("[data-stepper-shown]").first).to_have_text("160")
    expect(note).to_contain_text("干 8 小时不能少于 156.8 元")
    check(f"employer-night-pay-{suffix}.png")
    page.locator(".btn-next").tap()

    # The hall has closed: said, and the interview is where the work is.
    expect(page.locator("h1")).to_have_text("几点面试，在哪面试？")
    expect(page.locator("#hall-closed")).to_contain_text("洽谈桌明天早上 07:00 开")
    expect(page.locator("input[name=place][value=desk]")).to_have_count(0)
    expect(page.locator("input[name=place][value=onsite]")).to_be_checked()
    page.locator("#interview-address").fill("大十字广场东侧工地")
    check(f"employer-closed-{suffix}.png")
    page.locator(".btn-next").tap()
    expect(page.locator("h1")).to_have_text("管饭吗？接送吗？给工具吗？")
    page.locator(".btn-next").tap()

    expect(page.locator("h1")).to_have_text("请看一下，对了就发布")
    expect(page.locator(".review-row[data-row=time] dd").first).to_have_text(
        "今天 22:00–次日 06:00"
    )
    check(f"employer-night-review-{suffix}.png")
    page.locator("#employer-name").fill("王师傅")
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/jobs/\w+$"))
    expect(page.locator(".job-card")).to_have_attribute("data-status", "open")
    expect(page.locator(".job-card")).to_contain_text("22:00–次日 06:00")
    assert not problems, "\n".join(problems)
