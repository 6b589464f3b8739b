"""Enrolling a kiosk names the market and asks to confirm (issue 14): a code read off
the wrong screen must not quietly make a hall's kiosk another market's. The code alone
shows "本机将登记为 凯里零工市场 的服务机" and the device's name; only the confirm button
enrols, for the market that was shown. Structure and behaviour over the ASGI app."""

from __future__ import annotations

from bs4 import BeautifulSoup
from conftest import Client
from support.ops import csrf_hook, enrol, seed_session

from matcher.desk import devices


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


async def code_for(client: Client, market: str, name: str = "大厅 2 号机") -> str:
    redis = client.state.store.redis
    return await devices.create_code(redis, market=market, name=name, by="tests", at="")


async def kiosk(bare_client: Client) -> Client:
    bare_client.event_hooks["request"] = [csrf_hook(bare_client)]
    await seed_session(bare_client)
    return bare_client


async def test_the_code_shows_the_market_before_anything_is_enrolled(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    code = await code_for(device, "liping")
    first = soup((await device.get(f"/enrol?code={code}")).text)
    assert first.select_one("h1").get_text() == "登记本机为招聘机"  # type: ignore[union-attr]
    assert first.select_one("form.enrol-form button[type=submit]").get_text() == "下一步"  # type: ignore[union-attr]
    r = await device.post("/enrol", data={"code": code})
    assert r.status_code == 200 and "kz_device" not in r.headers.get("set-cookie", "")
    page = soup(r.text)
    assert page.select_one("h1").get_text() == "确认登记"  # type: ignore[union-attr]
    assert page.select_one("title").get_text().startswith("确认登记")  # type: ignore[union-attr]
    market = page.select_one(".enrol-market")
    assert market is not None and market.get_text() == "本机将登记为 黎平零工市场 的服务机"
    name = page.select_one(".enrol-name")
    assert name is not None and name.get_text() == "机器名称：大厅 2 号机"
    assert page.select_one(".enrol-now") is None  # nobody's kiosk yet
    form = page.select_one("form.enrol-confirm")
    assert form is not None and form["method"] == "post" and form["action"] == "/enrol"
    fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
    assert fields["code"] == code and fields["market"] == "liping" and fields["csrf"]
    confirm = form.select_one("button[type=submit][name=confirm][value='1']")
    assert confirm is not None and confirm.get_text() == "确认登记"
    wrong = form.select_one("a[href='/enrol']")
    assert wrong is not None and wrong.get_text() == "不对，重新输入"
    # Not enrolled yet: the kiosk may not act as one.
    assert (await device.post("/m/liping/worker", data={"phone": "13800000000"})).status_code == 403
    # The code was not used up by being shown.
    assert await devices.peek(device.state.store.redis, code) is not None


async def test_confirming_enrols_for_the_market_shown(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    code = await code_for(device, "liping")
    await device.post("/enrol", data={"code": code})
    r = await device.post("/enrol", data={"code": code, "market": "liping", "confirm": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/m/liping/"
    assert "kz_device=" in r.headers["set-cookie"]
    assert (await device.post("/m/liping/worker", data={"phone": "13800000000"})).status_code == 303
    # Used once.
    assert await devices.peek(device.state.store.redis, code) is None
    r = await device.post("/enrol", data={"code": code, "market": "liping", "confirm": "1"})
    assert r.status_code == 422 and "登记码不对" in r.text


async def test_a_confirmation_for_another_market_is_asked_again(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    code = await code_for(device, "jianhe")
    # A confirm that names another market than the code's (a stale or forged form).
    r = await device.post("/enrol", data={"code": code, "market": "kaili", "confirm": "1"})
    assert r.status_code == 200 and "kz_device" not in r.headers.get("set-cookie", "")
    market = soup(r.text).select_one(".enrol-market")
    assert market is not None and market.get_text() == "本机将登记为 剑河零工市场 的服务机"


async def test_a_kiosk_of_another_market_is_told_what_it_is_now(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    await enrol(device, "kaili")
    code = await code_for(device, "rongjiang")
    page = soup((await device.post("/enrol", data={"code": code})).text)
    now = page.select_one(".enrol-now")
    assert now is not None and now.get_text() == "本机现在是 凯里零工市场 的服务机，确认后就改过来"
    assert page.select_one(".enrol-now")["role"] == "status"  # type: ignore[index]


async def test_a_wrong_code_is_refused_at_the_first_step(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    r = await device.post("/enrol", data={"code": "1234 5678"})
    assert r.status_code == 422
    page = soup(r.text)
    assert page.select_one(".enrol-market") is None
    assert page.select_one("#enrol-error").get_text() == "登记码不对或已过期，请找工作人员重新生成"  # type: ignore[union-attr]
    assert page.select_one("input#enrol-code")["aria-invalid"] == "true"  # type: ignore[index]


async def test_an_all_markets_code_and_english(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    await device.get("/lang/en", params={"next": "/"})
    code = await code_for(device, devices.ALL_MARKETS, name="desk laptop")
    page = soup((await device.post("/enrol", data={"code": code})).text)
    market = page.select_one(".enrol-market")
    assert market is not None
    assert market.get_text() == "This device will become a kiosk of every market"
    assert page.select_one("button[name=confirm]").get_text() == "Confirm"  # type: ignore[union-attr]


async def test_named_as_its_operators_name_the_market(bare_client: Client) -> None:
    device = await kiosk(bare_client)
    book = device.state.store.market_settings
    await book.update("kaili", {"name_zh": "凯里市零工驿站"}, who="tests", now_ms=0)
    code = await code_for(device, "kaili")
    market = soup((await device.post("/enrol", data={"code": code})).text).select_one(
        ".enrol-market"
    )
    assert market is not None and market.get_text() == "本机将登记为 凯里市零工驿站 的服务机"
