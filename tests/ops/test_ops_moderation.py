"""The moderation queue (kiosk/ops/moderation.py): held posts with their reasons,
approve / correct / reject, the employer told why, the audit trail, and who may act."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, Client
from support.builders import job_body
from support.ops import login

from kiosk.http import csrf
from matcher.desk.audit import recent

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PAGE = "/ops/m/kaili/moderation"
HELD_TITLE = "招两个搬砖的小工, 加微信详谈"
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def item(page: BeautifulSoup, job_id: str) -> Tag:
    found = page.select_one(f"li.mod-item[data-job='{job_id}']")
    assert found is not None, page.get_text(" ", strip=True)[:500]
    return found


async def held_job(client: Client, **kw: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(title=HELD_TITLE, **kw), headers=AUTH
    )
    assert r.status_code == 201, r.text
    job: dict[str, Any] = r.json()
    assert job["status"] == "review"
    return job


async def act(client: Client, job_id: str, **data: str) -> Any:
    return await client.post(PAGE, data={"job": job_id, **data})


async def test_the_queue_shows_each_held_post_with_the_reasons(client: Client) -> None:
    job = await held_job(client)
    await login(client)
    r = await client.get(PAGE)
    assert r.status_code == 200
    page = soup(r.text)
    li = item(page, job["id"])
    assert li.h2 is not None and li.h2.get_text(strip=True) == HELD_TITLE
    reasons = [x["data-rule"] for x in li.select(".mod-reasons li")]
    assert reasons == ["offplatform"]
    assert "不要引导到平台外联系" in li.get_text()
    assert "138****0000" in li.get_text()
    assert not FULL_PHONE.search(r.text)
    # Every form carries the session's CSRF token and says which post it is about.
    forms = li.select("form[method=post]")
    assert len(forms) == 3
    for form in forms:
        assert form.select_one(f"input[type=hidden][name={csrf.FIELD}]") is not None
        assert form.select_one("input[name=job]")["value"] == job["id"]  # type: ignore[index]


async def test_approve_sends_it_out_and_is_audited(client: Client) -> None:
    job = await held_job(client)
    await login(client)
    r = await act(client, job["id"], action="approve")
    assert r.status_code == 200
    page = soup(r.text)
    assert "已通过" in page.select_one(".form-ok").get_text()  # type: ignore[union-attr]
    assert page.select_one(f"li.mod-item[data-job='{job['id']}']") is None
    view = (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()
    assert view["status"] == "open"
    [entry] = await recent(client.state.store.redis, markets={"kaili"})
    assert (entry.who, entry.action, entry.target) == (
        "operator-kaili",
        "moderation.approve",
        job["id"],
    )
    assert entry.before == {"status": "review", "flags": "offplatform"}
    assert entry.after == {"status": "open"}
    # Deciding twice (another operator was faster) says so instead of failing.
    again = await act(client, job["id"], action="approve")
    assert again.status_code == 409
    assert "已经处理过了" in soup(again.text).select_one(".form-error").get_text()  # type: ignore[union-attr]


async def test_reject_tells_the_employer_why_in_their_language(client: Client) -> None:
    job = await held_job(client)
    await login(client)
    r = await act(client, job["id"], action="reject", reason="contact", note="请删去微信号")
    assert r.status_code == 200
    view = (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()
    assert view["status"] == "rejected"
    assert view["review_reason"] == "[contact] 请删去微信号"
    zh = soup((await client.get(f"/m/kaili/jobs/{job['id']}")).text)
    why = zh.select_one(".rejected-reason")
    assert why is not None
    assert "没通过的原因：引导到平台外联系 (请删去微信号)" in why.get_text()
    client.cookies.set("kz_lang", "en", domain="kz.test")
    en = soup((await client.get(f"/m/kaili/jobs/{job['id']}")).text)
    why = en.select_one(".rejected-reason")
    assert why is not None
    assert "Why it was not approved: It lures workers to contact off the platform" in (
        why.get_text()
    )
    [entry] = await recent(client.state.store.redis, markets={"kaili"})
    assert entry.action == "moderation.reject"
    assert entry.after == {"status": "rejected", "reason": "[contact] 请删去微信号"}


async def test_a_reject_without_a_reason_names_the_field(client: Client) -> None:
    job = await held_job(client)
    await login(client)
    r = await act(client, job["id"], action="reject", note="x" * 201)
    assert r.status_code == 422
    li = item(soup(r.text), job["id"])
    errors = {x["data-field"]: x.get_text() for x in li.select(".form-error li")}
    assert errors["reason"].startswith("不通过的原因（老板会看到）: 必须填写")
    assert "最多 200 个字" in errors["note"]
    assert (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()["status"] == (
        "review"
    )


async def test_a_correction_is_screened_again(client: Client) -> None:
    job = await held_job(client)
    await login(client)
    base = {"action": "edit", "description": "", "wage_unit": "day"}
    # Wording that screening refuses outright, and pay under the floor: named fields.
    r = await act(client, job["id"], **base, title="招两个搬砖的, 限男性", wage_yuan="100")
    assert r.status_code == 422
    li = item(soup(r.text), job["id"])
    errors = {x["data-field"]: x.get_text() for x in li.select(".form-error li")}
    assert errors["title"].startswith("招什么活: 招工不能限定性别")
    assert errors["wage_yuan"].startswith("工钱（元）: 低于最低工资标准")
    # What the operator typed is kept in the form.
    assert li.select_one("input[name=title]")["value"] == "招两个搬砖的, 限男性"  # type: ignore[index]
    # Still contact bait: corrected, but still held.
    r = await act(client, job["id"], **base, title="招两个小工 加V详谈", wage_yuan="220")
    assert r.status_code == 200
    assert "仍有需要审核" in soup(r.text).select_one(".form-ok").get_text()  # type: ignore[union-attr]
    view = (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()
    assert (view["status"], view["title"], view["wage_yuan"]) == (
        "review",
        "招两个小工 加V详谈",
        220,
    )
    # Clean now: it goes out.
    r = await act(client, job["id"], **base, title="招两个搬砖的小工", wage_yuan="230")
    assert "已通过" in soup(r.text).select_one(".form-ok").get_text()  # type: ignore[union-attr]
    view = (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()
    assert (view["status"], view["title"], view["wage_day_yuan"]) == (
        "open",
        "招两个搬砖的小工",
        230,
    )
    entries = await recent(client.state.store.redis, markets={"kaili"})
    edits = [e for e in entries if e.action == "moderation.edit"]
    assert len(edits) == 2
    assert edits[-1].before["title"] == HELD_TITLE
    assert edits[-1].after["title"] == "招两个小工 加V详谈"
    assert edits[0].after["status"] == "open"


async def test_who_may_see_and_act(client: Client) -> None:
    job = await held_job(client)
    anonymous = await client.get(PAGE)
    assert anonymous.status_code in (302, 303)
    assert "/ops/login" in anonymous.headers["location"]
    await login(client, markets=("liping",))
    assert (await client.get(PAGE)).status_code == 403
    assert (await act(client, job["id"], action="approve")).status_code == 403
    await client.post("/ops/logout")
    await login(client, role="bureau", markets=())
    r = await client.get(PAGE)
    assert r.status_code == 200
    li = item(soup(r.text), job["id"])
    assert li.select("form") == []  # read only
    assert (await act(client, job["id"], action="approve")).status_code == 403
    view = (await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")).json()
    assert view["status"] == "review"
