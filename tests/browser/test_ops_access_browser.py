"""In a real browser: an admin logs in, makes a market operator's account; the operator
generates a kiosk code; a new kiosk types it and can then check workers in. Screens
go to docs/screenshots/ (ops-login, ops-accounts, ops-kiosks, kiosk-enrol)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from support.browser import LANDSCAPE, PORTRAIT, LiveServer, ops_sign_in, shot

pytestmark = pytest.mark.browser


def test_an_operator_enrols_a_new_kiosk(browser: Browser, server: LiveServer) -> None:
    desk = browser.new_context(base_url=server.url, viewport=LANDSCAPE, locale="zh-CN")
    kiosk_context = browser.new_context(
        base_url=server.url, viewport=PORTRAIT, has_touch=True, locale="zh-CN"
    )
    try:
        admin = desk.new_page()
        admin.goto("/ops/login")
        shot(admin, "ops-login.png")
        ops_sign_in(admin, server, role="admin", markets=(), next_path="/ops/accounts")
        admin.fill("#new-username", "kaili-desk")
        admin.fill("#new-name", "凯里 大厅")
        admin.select_option("#new-role", "operator")
        admin.check("input[name=markets][value=kaili]")
        admin.fill("#new-password", "a long enough password")
        admin.get_by_role("button", name="建立账号").click()
        expect(admin.locator("tr[data-username=kaili-desk]")).to_contain_text("凯里")
        expect(admin.locator(".form-ok")).to_have_text("账号已建立")
        shot(admin, "ops-accounts.png")

        admin.goto("/ops/m/kaili/kiosks")
        admin.fill("#kiosk-name", "大厅 1 号机")
        admin.get_by_role("button", name="生成登记码").click()
        code = admin.locator("#enrol-code").inner_text()
        assert re.fullmatch(r"\d{4} \d{4}", code), code
        expect(admin.locator(".qr svg")).to_be_visible()
        shot(admin, "ops-kiosks.png")

        kiosk = kiosk_context.new_page()
        kiosk.goto("/m/kaili/")
        expect(kiosk.locator(".not-enrolled")).to_be_visible()
        kiosk.get_by_role("link", name="登记本机为招聘机").click()
        kiosk.fill("#enrol-code", code)
        shot(kiosk, "kiosk-enrol.png")
        kiosk.get_by_role("button", name="下一步", exact=True).click()
        # Which market's kiosk it becomes, to confirm (tests/web/test_enrol_confirm.py).
        expect(kiosk.locator(".enrol-market")).to_have_text("本机将登记为 凯里零工市场 的服务机")
        kiosk.get_by_role("button", name="确认登记", exact=True).click()
        kiosk.wait_for_url("**/m/kaili/")
        expect(kiosk.locator(".not-enrolled")).to_have_count(0)
        # Enrolled: the worker's first screen takes a number.
        kiosk.get_by_role("link", name=re.compile("我要找活")).click()
        kiosk.fill("input[name=phone]", "13911112222")
        kiosk.locator("button.btn-next").click()
        kiosk.wait_for_url(re.compile(r"/m/kaili/worker/(?!$)"))

        # The desk sees it, and the audit trail has both actions.
        admin.goto("/ops/m/kaili/kiosks")
        expect(admin.locator("tr[data-device]")).to_have_count(1)
        admin.goto("/ops/audit")
        expect(admin.locator("tr[data-action='kiosk.code']")).to_have_count(1)
        expect(admin.locator("tr[data-action='account.create']")).to_have_count(1)
    finally:
        desk.close()
        kiosk_context.close()
