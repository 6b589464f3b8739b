"""Blocks (kiosk/ops/blocks.py): the form and its field errors, what a block refuses at
the API and the kiosk (zh/en), the audit trail, unblocking, and who may act."""

from __future__ import annotations

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup
from conftest import API_TOKEN, Client, drain
from support.builders import checkin_body, job_body
from support.flow import get, press
from support.ops import login

from kiosk.ops.blocks import parse_block
from kiosk.web.validation import InvalidInput
from matcher.desk.audit import recent
from matcher.matching.worker import Matcher

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PAGE = "/ops/m/kaili/blocks"
EMPLOYER = "13800000000"
WORKER = checkin_body(1)["phone"]
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
TODAY = date(2026, 11, 27)

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


async def block(client: Client, kind: str, phone: str, until: str = "2026-11-30") -> str:
    r = await client.post(
        PAGE,
        data={
            "action": "block",
            "kind": kind,
            "phone": phone,
            "reason": "多次违约",
            "until": until,
        },
    )
    assert r.status_code == 200, r.text
    return r.text


def test_the_form_names_every_bad_field() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_block({"kind": "boss", "phone": "12345", "reason": " ", "until": "2026-11-26"}, TODAY)
    assert {k: e.key for k, e in err.value.errors.items()} == {
        "kind": "err.choice",
        "phone": "err.phone",
        "reason": "err.required",
        "until": "err.block_past",
    }
    with pytest.raises(InvalidInput) as err:
        parse_block({"kind": "worker", "phone": EMPLOYER, "reason": "x", "until": "明天"}, TODAY)
    assert err.value.errors["until"].key == "err.date"
    with pytest.raises(InvalidInput) as err:
        parse_block(
            {"kind": "worker", "phone": EMPLOYER, "reason": "x", "until": "2028-01-01"}, TODAY
        )
    assert err.value.errors["until"].key == "err.block_far"
    ok = parse_block(
        {"kind": "worker", "phone": "+86 138-0000-0000", "reason": "x", "until": "2026-11-27"},
        TODAY,
    )
    assert (ok.kind, ok.phone, ok.last_day) == ("worker", EMPLOYER, TODAY)


async def test_a_blocked_employer_is_refused_by_the_api_and_the_kiosk(client: Client) -> None:
    await login(client)
    html = await block(client, "employer", EMPLOYER)
    page = soup(html)
    assert "138****0000" in page.select_one(".form-ok").get_text()  # type: ignore[union-attr]
    [row] = page.select("table.blocks tbody tr[data-subject]")
    assert row["data-kind"] == "employer"
    assert [td.get_text(strip=True) for td in row.select("td")][:4] == [
        "老板（招工方）",
        "138****0000",
        "多次违约",
        "2026-11-30",
    ]
    assert not FULL_PHONE.search(html)
    [entry] = await recent(client.state.store.redis, markets={"kaili"})
    assert entry.action == "block.employer" and entry.before is None
    assert entry.after["phone_masked"] == "138****0000" and entry.after["until"] == "2026-11-30"
    assert EMPLOYER not in str(entry.after)

    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=AUTH)
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "employer_suspended"
    assert (
        "2026-11-30" in error["message"]
        and "suspended this number from posting" in (error["message"])
    )
    # At the kiosk: said on the phone screen, before any other question.
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": EMPLOYER})
    assert s.path in ("/m/kaili/employer", "/m/kaili/employer/phone")
    assert "市场已暂停这个号码发布招工，到 2026-11-30 为止" in s.one(".form-error").get_text()
    client.cookies.set("kz_lang", "en", domain="kz.test")
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": EMPLOYER})
    assert "suspended this number from posting jobs until 2026-11-30" in (
        s.one(".form-error").get_text()
    )


async def test_a_blocked_worker_cannot_check_in_nor_get_offers(
    client: Client, matcher: Matcher
) -> None:
    # Checked in before the block: stays in today's pool, but is offered nothing.
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=AUTH)
    assert r.status_code == 201
    wid = r.json()["worker_id"]
    await login(client)
    await block(client, "worker", WORKER)
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=AUTH)
    assert r.status_code == 201
    await drain(matcher)
    assert (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json() == []
    again = await client.post(
        "/api/v1/markets/kaili/checkins", json=checkin_body(1, name="再来"), headers=AUTH
    )
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "worker_suspended"
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": WORKER})
    assert s.path in ("/m/kaili/worker", "/m/kaili/worker/phone")
    assert "市场已暂停这个号码登记找活，到 2026-11-30 为止" in s.one(".form-error").get_text()


async def test_bad_input_names_the_fields_on_the_page(client: Client) -> None:
    await login(client)
    r = await client.post(
        PAGE,
        data={"action": "block", "kind": "worker", "phone": "110", "reason": "", "until": ""},
    )
    assert r.status_code == 422
    page = soup(r.text)
    errors = {li["data-field"]: li.get_text() for li in page.select(".form-error li")}
    assert errors["phone"].startswith("手机号: 手机号应为 11 位")
    assert errors["reason"] == "原因: 必须填写"
    assert errors["until"] == "最后一天: 必须填写"
    assert page.select_one("input[name=kind][value=worker][checked]") is not None
    assert await client.state.store.blocks.live("kaili") == []


async def test_unblock_and_the_audit_before_after(client: Client) -> None:
    await login(client)
    await block(client, "employer", EMPLOYER)
    subject = (await client.state.store.blocks.live("kaili"))[0]["subject"]
    r = await client.post(PAGE, data={"action": "lift", "subject": subject})
    assert r.status_code == 200
    page = soup(r.text)
    assert "已解除封禁 138****0000" in page.select_one(".form-ok").get_text()  # type: ignore[union-attr]
    assert page.select_one("#blocks-empty") is not None
    lift = (await recent(client.state.store.redis, markets={"kaili"}))[0]
    assert lift.action == "block.lift" and lift.target == subject
    assert lift.before["status"] == "active" and lift.after["status"] == "lifted"
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=AUTH)
    assert r.status_code == 201
    # Lifting what is no longer live says so.
    r = await client.post(PAGE, data={"action": "lift", "subject": subject})
    assert r.status_code == 409
    assert "已经结束" in soup(r.text).select_one(".form-error").get_text()  # type: ignore[union-attr]


async def test_who_may_see_and_act(client: Client) -> None:
    await login(client, markets=("liping",))
    assert (await client.get(PAGE)).status_code == 403
    r = await client.post(
        PAGE,
        data={
            "action": "block",
            "kind": "employer",
            "phone": EMPLOYER,
            "reason": "x",
            "until": "2026-11-30",
        },
    )
    assert r.status_code == 403
    await client.post("/ops/logout")
    await login(client, role="bureau", markets=())
    r = await client.get(PAGE)
    assert r.status_code == 200
    assert soup(r.text).select("form.block-new") == []
    r = await client.post(
        PAGE,
        data={
            "action": "block",
            "kind": "employer",
            "phone": EMPLOYER,
            "reason": "x",
            "until": "2026-11-30",
        },
    )
    assert r.status_code == 403
    assert await client.state.store.blocks.live("kaili") == []
