"""Market settings (kiosk/ops/settings.py): the form, its field errors in zh/en, the
audit trail, who may change what, and that a change takes effect where it is used."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from conftest import API_TOKEN, Client, drain
from support.builders import at, checkin_body, job_body
from support.flow import get, press
from support.ops import login

from kiosk.ops.settings import parse_settings
from kiosk.web.validation import InvalidInput
from matcher.desk.audit import recent
from matcher.desk.market_settings import EDITABLE, as_dict
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.text.places import default_gazetteer

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PAGE = "/ops/m/kaili/settings"

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def form_of(market: str = "kaili", **changes: Any) -> dict[str, str]:
    values = {k: str(v) for k, v in as_dict(MARKETS[market]).items()}
    values.update({k: str(v) for k, v in changes.items()})
    return values


def test_every_bad_field_is_named() -> None:
    bad = form_of(
        name_zh="",
        name_en="x" * 41,
        county_adcode="110101",
        desks="0",
        opens="7点",
        closes="25:00",
        wage_class="4",
        offer_ttl_minutes="2",
    )
    with pytest.raises(InvalidInput) as err:
        parse_settings(bad, default_gazetteer())
    assert {k: e.key for k, e in err.value.errors.items()} == {
        "name_zh": "err.required",
        "name_en": "err.too_long",
        "county_adcode": "err.county",
        "desks": "err.desks",
        "opens": "err.hhmm",
        "closes": "err.hhmm",
        "wage_class": "err.wage_class",
        "offer_ttl_minutes": "err.offer_ttl",
    }
    with pytest.raises(InvalidInput) as err:
        parse_settings(form_of(opens="18:00", closes="07:00"), default_gazetteer())
    assert err.value.errors["closes"].key == "err.closes_before_opens"
    ok = parse_settings(form_of(desks="12", offer_ttl_minutes="0"), default_gazetteer())
    assert ok["desks"] == 12 and ok["offer_ttl_minutes"] == 0 and set(ok) == set(EDITABLE)


async def test_the_page_shows_the_settings_and_saves_them_audited(client: Client) -> None:
    await login(client)
    page = soup((await client.get(PAGE)).text)
    assert page.select_one("input[name=desks]")["value"] == "8"  # type: ignore[index]
    assert page.select_one("select[name=wage_class] option[selected]")["value"] == "1"  # type: ignore[index]
    assert page.select_one("form.market-settings fieldset[disabled]") is None
    r = await client.post(PAGE, data=form_of(desks="10", opens="06:30", name_zh="凯里市零工市场"))
    assert r.status_code == 200
    page = soup(r.text)
    assert page.select_one(".form-ok").get_text(strip=True) == "已保存，已生效"  # type: ignore[union-attr]
    assert page.select_one("input[name=desks]")["value"] == "10"  # type: ignore[index]
    # The operators' nav shows the market as it is now called.
    assert "凯里市零工市场" in page.select_one(".ops-nav-market-name").get_text()  # type: ignore[union-attr]
    [entry] = await recent(client.state.store.redis, markets={"kaili"})
    assert (entry.action, entry.target) == ("market.settings", "kaili")
    assert entry.before == {"desks": 8, "opens": "07:00", "name_zh": "凯里零工市场"}
    assert entry.after == {"desks": 10, "opens": "06:30", "name_zh": "凯里市零工市场"}
    # Saving the same values again changes nothing and audits nothing.
    r = await client.post(PAGE, data=form_of(desks="10", opens="06:30", name_zh="凯里市零工市场"))
    assert "没有改动" in r.text
    assert len(await recent(client.state.store.redis, markets={"kaili"})) == 1


async def test_bad_input_is_refused_with_the_field_named_in_either_language(
    client: Client,
) -> None:
    await login(client)
    r = await client.post(PAGE, data=form_of(desks="99", closes="6:00"))
    assert r.status_code == 422
    page = soup(r.text)
    errors = {li["data-field"]: li.get_text() for li in page.select(".form-error li")}
    assert errors == {
        "desks": "洽谈桌数: 洽谈桌数应在 1 到 40 之间",
        "closes": "关门时间: 时间格式应为 时：分，如 07:30",
    }
    # What was typed stays in the form, marked.
    assert page.select_one("input[name=desks][aria-invalid=true]")["value"] == "99"  # type: ignore[index]
    client.cookies.set("kz_lang", "en", domain="kz.test")
    page = soup((await client.post(PAGE, data=form_of(wage_class="9"))).text)
    [li] = page.select(".form-error li")
    assert li.get_text() == "Minimum-wage class: must be class 1, 2 or 3"
    assert await client.state.store.market_settings.overrides("kaili") == {}


async def test_who_may_change_settings(client: Client) -> None:
    await login(client, markets=("kaili",))
    r = await client.post("/ops/m/liping/settings", data=form_of("liping", desks="3"))
    assert r.status_code == 403
    assert (await client.get("/ops/m/liping/settings")).status_code == 403
    await client.post("/ops/logout")
    await login(client, role="bureau", markets=())
    page = soup((await client.get(PAGE)).text)
    assert page.select_one("form.market-settings fieldset[disabled]") is not None
    assert page.select_one("#settings-readonly") is not None
    assert page.select_one("form.market-settings button[type=submit]") is None
    r = await client.post(PAGE, data=form_of(desks="3"))
    assert r.status_code == 403
    await client.post("/ops/logout")
    await login(client, role="admin", markets=())
    r = await client.post("/ops/m/liping/settings", data=form_of("liping", desks="3"))
    assert r.status_code == 200
    assert (await client.state.store.market_settings.effective("liping")).desks == 3
    assert (await client.state.store.market_settings.effective("kaili")).desks == 8


async def test_a_raised_wage_floor_refuses_a_post(client: Client) -> None:
    # Liping is class 2: 146.4 a day. 150 passes...
    # A full day: pay is judged per hour of the job (counted up to 8).
    body = job_body(wage_yuan=150, township="522631", end_at=at("18:00"))
    r = await client.post("/api/v1/markets/liping/jobs", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    await login(client, role="admin", markets=())
    await client.post("/ops/m/liping/settings", data=form_of("liping", wage_class="1"))
    # ...until the market is class 1 (156.8 a day).
    body = job_body(
        wage_yuan=150, township="522631", employer_phone="13800000001", end_at=at("18:00")
    )
    r = await client.post("/api/v1/markets/liping/jobs", json=body, headers=AUTH)
    assert r.status_code == 422
    assert "156.8" in r.json()["error"]["fields"]["wage_yuan"]


async def test_a_new_offer_expiry_is_used(client: Client, matcher: Matcher) -> None:
    await login(client)
    await client.post(PAGE, data=form_of(offer_ttl_minutes="45"))
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=AUTH)
    wid = r.json()["worker_id"]
    await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=AUTH)
    await drain(matcher)
    [offer] = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()
    assert offer["created_at"].endswith("09:00:00+08:00")
    assert offer["expires_at"].endswith("09:45:00+08:00")


async def test_desks_and_opening_hours_shape_the_kiosk_defaults(client: Client) -> None:
    await login(client)
    await client.post(PAGE, data=form_of(desks="2", opens="10:00", closes="17:00"))
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": "13800000000"})
    s = await press(
        client,
        await get(client, "/m/kaili/employer/interview"),
        "button[value='desk:1']",
    )
    assert s.one("input[name=desk]")["value"] == "2"
    s = await press(client, s, "button[value='desk:1']")
    assert s.one("input[name=desk]")["value"] == "2"  # only two desks now
    # The hall opens at 10:00 (it is 09:00): the interview is at the opening, the work
    # half an hour later.
    assert s.one("input[name=interview]")["value"] == "10:00"
    s = await get(client, "/m/kaili/employer/time")
    assert s.one("input[name=start]")["value"] == "10:30"


async def test_a_new_name_is_what_the_hall_shows(client: Client) -> None:
    await login(client)
    await client.post(PAGE, data=form_of(name_zh="凯里市零工市场", name_en="Kaili City Gig Market"))
    home = (await client.get("/m/kaili/")).text
    board = (await client.get("/m/kaili/board")).text
    picker = soup((await client.get("/")).text).get_text(" ")
    for text in (home, board, picker):
        assert "凯里市零工市场" in text
    assert "黎平零工市场" in picker  # the others keep theirs
