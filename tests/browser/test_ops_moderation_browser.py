"""Moderation, blocks and market settings in a real Chromium at a desk screen: an
operator rejects a held post and the employer's page says why; blocks and settings
forms used by mouse; nothing overflows sideways; screenshots for docs/screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from conftest import API_TOKEN
from playwright.sync_api import Browser, Page, ViewportSize
from support.browser import FULL_PHONE, LiveServer, ops_sign_in, shot
from support.builders import job_body

pytestmark = pytest.mark.browser

DESK = ViewportSize(width=1366, height=768)
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url,
        viewport=DESK,
        device_scale_factor=1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    errors: list[str] = []
    p = context.new_page()
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert errors == []


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DESK["width"], width


def test_moderate_block_and_set_at_a_desk(page: Page, server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers=AUTH) as api:
        held = api.post(
            "/api/v1/markets/kaili/jobs", json=job_body(title="招两个搬砖的小工, 加微信详谈")
        ).json()
        api.post(
            "/api/v1/markets/kaili/jobs",
            json=job_body(title="日赚800 高薪日结 轻松", employer_phone="13900000007"),
        )
    ops_sign_in(page, server, next_path="/ops/m/kaili/moderation")
    assert page.locator("li.mod-item").count() == 2
    no_sideways_scroll(page)
    assert not FULL_PHONE.search(page.content())
    item = page.locator(f"li.mod-item[data-job='{held['id']}']")
    item.locator("summary", has_text="不通过").click()
    shot(page, "ops-moderation.png")
    item.locator("input[name=reason][value=contact]").check()
    item.locator("input[name=note]").fill("请删去微信号, 工人会到洽谈桌找您")
    item.locator("button[value=reject]").click()
    page.wait_for_selector(".form-ok")
    assert page.locator("li.mod-item").count() == 1

    page.goto(f"/m/kaili/jobs/{held['id']}")
    reason = page.locator(".rejected-reason").inner_text()
    assert "没通过的原因：引导到平台外联系" in reason

    page.goto("/ops/m/kaili/blocks")
    page.fill("#block-phone", "13800000000")
    page.fill("#block-reason", "两次欠薪未处理")
    page.fill("#block-until", "2026-12-04")
    page.locator("form.block-new button[value=block]").click()
    page.wait_for_selector(".form-ok")
    assert page.locator("table.blocks tbody tr[data-subject]").count() == 1
    no_sideways_scroll(page)
    assert not FULL_PHONE.search(page.content())
    shot(page, "ops-blocks.png")

    page.goto("/ops/m/kaili/settings")
    page.fill("#s-desks", "10")
    page.select_option("#s-wage_class", "2")
    page.fill("#s-offer_ttl_minutes", "20")
    page.locator("form.market-settings button[type=submit]").click()
    page.wait_for_selector(".form-ok")
    assert page.locator("#s-desks").input_value() == "10"
    no_sideways_scroll(page)
    shot(page, "ops-settings.png")
