"""Words the parser does not understand, in a real Chromium ("never lose a worker to a
word"): a worker types a phrase that names no skill, sees the closest skills as big
tiles under "是不是这些？", taps one and is on the next question, on the portrait kiosk
(1080×1920), on a phone (390×844, pixel ratio 3) and on the landscape kiosk. Every
screen meets the design's floor (targets, gaps, text size, contrast, seven choices, no
overflow) and axe finds nothing serious; screenshots go to docs/screenshots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from support.browser import (
    LANDSCAPE,
    PHONE,
    PORTRAIT,
    LiveServer,
    new_device,
    screen_problems,
    shot,
)

pytestmark = pytest.mark.browser

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
WORKER_PHONE = "13987654321"
# Checked with `kuaizhao skills parse TEXT --json`: no hit in the accept band.
NOT_UNDERSTOOD = "我啥都能干一点"
COMMON = ["小工", "搬运装卸工", "保洁", "农活帮工", "帮厨", "采摘工"]


def check(page: Page, viewport: ViewportSize) -> None:
    expect(page.locator(".is-pressed")).to_have_count(0)
    problems = screen_problems(page, viewport)
    assert not problems, "\n".join(problems)
    assert page.locator("h1").count() == 1
    violations = page.evaluate(_AXE_RUN)
    assert not violations, violations


def tile_word(page: Page, word: str) -> str:
    return f".suggest .tile-btn:has(.tile-word:text-is('{word}'))"


@pytest.mark.parametrize(
    ("viewport", "scale", "suffix"),
    [(PORTRAIT, 1, "portrait"), (PHONE, 3, "phone"), (LANDSCAPE, 1, "landscape")],
)
def test_a_word_not_understood_becomes_a_tap(
    browser: Browser, server: LiveServer, viewport: ViewportSize, scale: float, suffix: str
) -> None:
    context = new_device(browser, server.url, viewport, scale)
    context.add_init_script(path=str(AXE[0]))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/m/kaili/worker")
    if page.locator(".keypad").is_visible():
        for d in WORKER_PHONE:
            page.locator(f".keypad .key[data-key='{d}']").tap()
    else:
        page.locator("#phone").fill(WORKER_PHONE)
    page.locator(".btn-next").tap()
    expect(page).to_have_url(re.compile(r"/worker/skills$"))
    page.locator("a.tile-say").tap()
    expect(page.locator("h1")).to_have_text("说一说您会干的活")
    page.locator("#say-text").fill(NOT_UNDERSTOOD)
    page.locator(".btn-next").tap()

    # Not understood: said plainly, and the closest skills to tap.
    expect(page.locator(".form-error")).to_contain_text("没认出是什么活")
    expect(page.locator("#suggest-title")).to_have_text("是不是这些？")
    words = page.locator(".suggest .tile-btn .tile-word")
    expect(words).to_have_text([*COMMON, "都不是，看全部工种"])
    expect(page.locator("#say-text")).to_have_value(NOT_UNDERSTOOD)
    expect(page.locator("#say-text")).not_to_be_focused()  # no keyboard over the tiles
    tiles = page.locator(".suggest .tile-btn")
    # Big touch tiles, as the picker's (at least 140 px tall, each pictogram drawn); the
    # whole picker a dashed bar across the grid under them.
    for i in range(tiles.count()):
        pict = tiles.nth(i).locator("img.pict")
        assert pict.evaluate("img => img.complete && img.naturalWidth > 0")
    for i in range(len(COMMON)):
        box = tiles.nth(i).bounding_box()
        assert box is not None and box["height"] >= 140 and box["width"] >= 150, box
    grid = page.locator(".suggest-tiles").bounding_box()
    bar = page.locator(".suggest .tile-all").bounding_box()
    assert grid is not None and bar is not None
    assert bar["height"] >= 96 and abs(bar["width"] - grid["width"]) < 1, (bar, grid)
    # The Chinese is drawn in a CJK face, not as boxes.
    assert page.evaluate("document.fonts.check('24px \"Noto Sans CJK SC\"', '是不是这些')")
    check(page, viewport)
    page.locator("#suggest-title").scroll_into_view_if_needed()
    shot(page, f"worker-suggest-{suffix}.png")

    # One tap chooses it and goes on, as from the picker.
    page.locator(tile_word(page, "搬运装卸工")).tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/place$"))
    expect(page.locator("h1")).to_have_text("您住在哪个街道或乡镇？")
    check(page, viewport)
    page.locator(".btn-back").tap()
    expect(page.locator(".chosen .chip")).to_have_text(["搬运装卸工"])

    # The whole picker is one tap away too.
    page.locator("a.tile-say").tap()
    page.locator("#say-text").fill("做那个的")
    page.locator(".btn-next").tap()
    expect(page.locator("#suggest-title")).to_be_visible()
    expect(page.locator(tile_word(page, "搬运装卸工"))).to_have_count(0)  # chosen already
    page.locator(".suggest a.tile-all").tap()
    expect(page).to_have_url(re.compile(r"/worker/skills$"))
    expect(page.locator("h1")).to_have_text("您会干什么活？")
    context.close()
    assert not errors, errors


def test_in_english(browser: Browser, server: LiveServer) -> None:
    context = new_device(browser, server.url, PORTRAIT)
    page = context.new_page()
    page.goto("/lang/en?next=/m/kaili/worker")
    page.locator("#phone").fill(WORKER_PHONE)
    page.locator(".btn-next").tap()
    page.locator("a.tile-say").tap()
    page.locator("#say-text").fill(NOT_UNDERSTOOD)
    page.locator(".btn-next").tap()
    expect(page.locator("#suggest-title")).to_have_text("Is it one of these?")
    expect(page.locator(".suggest .tile-all")).to_have_text("None of these: all kinds of work")
    problems = screen_problems(page, PORTRAIT)
    assert not problems, "\n".join(problems)
    page.locator(".suggest .tile-btn[value=cleaner]").tap()
    expect(page).to_have_url(re.compile(r"/m/kaili/worker/place$"))
    context.close()
