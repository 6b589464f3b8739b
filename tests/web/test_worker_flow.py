"""The worker's check-in, one question per screen, through the ASGI app.

Screens are parsed; buttons are pressed the way a browser sends them (flow_support).
"""

from __future__ import annotations

import re

import pytest
from conftest import Client
from support.flow import Screen, employer_posts, follow, get, press, soup, worker_checks_in
from support.ops import new_visitor

from kiosk.web.choices import MAX_CHOICES
from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")

PHONE = "13900000001"


def choices(s: Screen) -> list[str]:
    """The answers a screen offers (tiles), not its navigation."""
    return [t.get_text(" ", strip=True) for t in s.page.select(".tile-btn")]


async def checkins(client: Client) -> int:
    stats = (await client.get("/api/v1/markets/kaili/stats")).json()
    return int(stats["checkins"])


async def test_phone_screen_has_a_keypad_and_one_question(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    assert s.status == 200
    assert s.question == "您的手机号是多少？"
    assert len(s.page.select("h1")) == 1
    keys = [b["data-key"] for b in s.page.select(".keypad button.key")]
    assert sorted(keys) == sorted([*"0123456789", "back", "clear"])
    assert all(b.get("type") == "button" for b in s.page.select(".keypad button"))
    field = s.one("input[name=phone][data-keypad-target]")
    assert field.has_attr("autofocus")  # a card scanner types into the focused field
    assert s.one("button.btn-next")["form"] == "step-form"
    # The idle reset and the spoken question are wired on every screen.
    body = s.one("body")
    assert body["data-idle-seconds"] == "90" and body["data-countdown-seconds"] == "30"
    assert body["data-reset-url"] == "/m/kaili/leave" and body["data-home-url"] == "/m/kaili/"
    assert s.one("#idle").has_attr("hidden")
    assert s.one("#question").has_attr("data-say")
    assert s.one("button[data-listen]").has_attr("hidden")  # until a voice is found


async def test_a_bad_number_is_said_plainly_and_kept(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": "1398765"})
    assert s.status == 422
    assert "11 位" in s.one(".form-error").get_text()
    assert s.one("input[name=phone]")["value"] == "1398765"
    assert s.one("input[name=phone]")["aria-invalid"] == "true"


@pytest.mark.parametrize(
    "typed", ["139 0000 0001", "tel:+8613900000001", "+86 139-0000-0001", "１３９００００００01"]
)
async def test_a_scanned_card_or_spaced_number_is_understood(client: Client, typed: str) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": typed})
    assert s.path == "/m/kaili/worker/skills", s.text()


async def test_new_worker_checks_in_by_tiles(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    # Categories: six pictogram tiles and "say it".
    assert s.question == "您会干什么活？"
    tiles = s.page.select(".tile-btn")
    assert len(tiles) == 7 <= MAX_CHOICES
    assert all(t.select_one("img.pict") and t.select_one(".tile-word") for t in tiles)
    assert s.page.select_one("button.btn-next") is None  # nothing chosen yet
    s = await follow(client, s, "a[data-category=construction]")
    assert s.question == "建筑装修：您会哪几样？"
    # The whole category on one screen (issue 14): no pages to go through.
    boxes = s.page.select("input[type=checkbox][name=skills]")
    assert len(boxes) == 20 and s.page.select_one(".pager") is None
    icons = {str(b.find_parent("label").select_one("img")["src"]).split("?")[0] for b in boxes}  # type: ignore[union-attr,index]
    assert "/static/icons/skills/general_laborer.svg" in icons
    # A skill without a pictogram of its own shows its category's.
    concrete = s.one("label:has(input[value=concrete_worker]) img")
    assert str(concrete["src"]).startswith("/static/icons/categories/construction.svg?v=")
    s = await press(client, s, "button.btn-back", tick=["general_laborer", "concrete_worker"])
    # 换一类 keeps the ticks.
    assert [c.get_text() for c in s.page.select(".chip")] == ["小工", "混凝土工"]
    assert "选了 2 个" in s.one("a[data-category=construction]").get_text()
    s = await follow(client, s, "a[data-category=construction]")
    assert s.one("input[value=general_laborer]").has_attr("checked")
    assert s.one("input[value=concrete_worker]").has_attr("checked")
    s = await press(client, s, "button.btn-back")
    s = await press(client, s, "button.btn-next")
    # Where they live: the whole of 凯里 (a city) on one screen, its 街道 with "in the
    # city centre / not sure", then its 乡镇.
    assert s.path == "/m/kaili/worker/place"
    assert s.question == "您住在哪个街道或乡镇？"
    assert len(choices(s)) == 20 + 1
    assert s.one(".tile-county").get_text(" ", strip=True) == "就在市区 / 不清楚"
    assert s.page.select_one(".pager") is None
    s = await press(client, s, "button[name=township][value='522601101']")  # 舟溪镇
    assert s.path == "/m/kaili/worker/reach"
    assert choices(s) == ["本镇 只在本镇 (舟溪镇)", "本市 本市都行", "全州 全州都行"]
    s = await press(client, s, "button[name=reach][value=prefecture]")
    # Lowest wage: a stepper, not a text field; the last screen carries the request id.
    assert s.question == "一天最少要多少钱？"
    assert s.one("[data-stepper] input[type=hidden][name=min_wage_yuan]")["value"] == "150"
    assert not s.page.select("input[type=text], input[type=number]")
    assert len(str(s.one("input[name=request_id]")["value"])) >= 16
    s = await press(client, s, "button.btn-next", fill={"min_wage_yuan": "180"})
    assert s.path == "/m/kaili/worker/offers"
    assert s.one(".status-card .phone").get_text() == "139****0001"
    ck = await client.state.store.get_checkin("kaili", client.state.store.worker_id(PHONE))
    assert ck["skills"] == ["general_laborer", "concrete_worker"]
    assert (ck["township"], ck["reach"], ck["min_wage_yuan"]) == ("522601101", "prefecture", 180)


async def test_wage_stepper_works_without_script(client: Client) -> None:
    s = await worker_checks_in(client, PHONE, wage_taps=0)
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": "13900000002"})
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await press(client, s, "button.tile-county")
    s = await press(client, s, "button[name=reach][value=county]")
    s = await press(client, s, "button.step-up")
    s = await press(client, s, "button.step-up")
    s = await press(client, s, "button.step-down")
    assert s.path == "/m/kaili/worker/wage"
    assert s.one("input[name=min_wage_yuan]")["value"] == "160"
    assert s.one("[data-stepper-shown]").get_text() == "160"


async def test_returning_worker_checks_in_with_one_tap(client: Client) -> None:
    await worker_checks_in(client, PHONE, township="522601101", reach="township", wage_taps=3)
    await client.post("/m/kaili/leave")
    await new_visitor(client)
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    assert s.path == "/m/kaili/worker/same"
    assert s.question == "上次：小工, 舟溪镇 — 今天一样吗？"
    assert "最低 180 元/天" in s.text()
    assert s.one("#same-change")["href"] == "/m/kaili/worker/skills"
    s = await press(client, s, "#same-yes")
    assert s.path == "/m/kaili/worker/offers"
    assert await checkins(client) == 1  # the same worker, the same day
    # 换一换: the steps, starting from last time's answers.
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "#same-change")
    assert [c.get_text() for c in s.page.select(".chip")] == ["小工"]
    s = await follow(client, s, "a[data-category=construction]")
    assert s.one("input[value=general_laborer]").has_attr("checked")


async def test_say_it_accepts_and_confirms(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    assert s.one("input[name=text]").get("type") == "text"
    s = await press(client, s, "button.btn-next", fill={"text": "我会开车和做饭"})
    assert s.question == "是这些活吗？"
    assert [str(b["value"]) for b in s.page.select("input[name=skills][checked]")] == [
        "driver",
        "chef",
    ]
    s = await press(client, s, "button.btn-next", untick=["chef"])
    assert s.path == "/m/kaili/worker/place"
    s = await follow(client, s, "a.btn-back")
    assert [c.get_text() for c in s.page.select(".chip")] == ["司机"]


async def test_unsure_guesses_are_asked_one_by_one(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    s = await press(client, s, "button.btn-next", fill={"text": "xg"})
    assert s.question == "您是说 小工 吗？"
    assert [b.get_text() for b in s.page.select(".yes-no button")] == ["是", "不是"]
    s = await press(client, s, "button[value=yes]")
    while s.page.select_one("button[value=no]") is not None:
        s = await press(client, s, "button[value=no]")
    assert s.question == "是这些活吗？"
    assert [str(b["value"]) for b in s.page.select("input[name=skills]")] == ["general_laborer"]


async def test_nothing_understood_asks_again(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    s = await press(client, s, "button.btn-next", fill={"text": "帮忙"})
    assert s.status == 422
    assert "没认出" in s.one(".form-error").get_text()
    assert s.one("input[name=text]")["value"] == "帮忙"
    # ... and is not a dead end: the closest skills to tap (below).
    assert s.one("#suggest-title").get_text() == "是不是这些？"


# -- words that name no skill: "是不是这些？" -----------------------------------------

NOT_UNDERSTOOD = "我啥都能干一点"  # `kuaizhao skills parse` gives no accept hit


def suggested(s: Screen) -> list[str]:
    return [str(b["value"]) for b in s.page.select(".suggest button.tile-btn[name=pick]")]


async def say_not_understood(client: Client, text: str = NOT_UNDERSTOOD) -> Screen:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    return await press(client, s, "button.btn-next", fill={"text": text})


async def test_words_that_name_no_skill_offer_the_closest_skills(client: Client) -> None:
    s = await say_not_understood(client)
    assert s.status == 422 and s.path == "/m/kaili/worker/say"
    assert s.question == "说一说您会干的活"  # still the screen's one question
    assert len(s.page.select("h1")) == 1
    assert "没认出是什么活" in s.one(".form-error").get_text()
    section = s.one("section.suggest")
    assert section["aria-labelledby"] == "suggest-title"
    assert s.one("h2#suggest-title[data-say]").get_text() == "是不是这些？"
    # Six big tiles (pictogram and word), the hall's common trades for words this vague,
    # and the whole picker: seven choices, as on every screen.
    assert suggested(s) == [
        "general_laborer",
        "porter",
        "cleaner",
        "farm_hand",
        "kitchen_helper",
        "fruit_picker",
    ]
    tiles = section.select(".tile-btn")
    assert len(choices(s)) == len(tiles) == 7 <= MAX_CHOICES
    assert all(t.select_one("img.pict") and t.select_one(".tile-word") for t in tiles)
    assert [t.get_text(" ", strip=True) for t in tiles][:2] == ["小工", "搬运装卸工"]
    assert str(tiles[1].select_one("img")["src"]).startswith("/static/icons/skills/porter.svg")  # type: ignore[index]
    picker = s.one(".suggest a.tile-btn.tile-all")
    assert picker["href"] == "/m/kaili/worker/skills"
    assert picker.get_text(strip=True) == "都不是，看全部工种"
    form = s.one(".suggest form")
    assert form["method"] == "post" and form["action"] == "/m/kaili/worker/say"
    assert form.select_one("input[type=hidden][name=csrf]") is not None
    # Saying it again stays possible, with the words kept; the keyboard does not pop up
    # over the tiles.
    field = s.one("input[name=text]")
    assert field["value"] == NOT_UNDERSTOOD and not field.has_attr("autofocus")
    assert s.one("label[for=say-text]").get_text() == "或者换个说法，再说一遍："
    assert s.one("button.btn-next")["form"] == "step-form"
    assert await checkins(client) == 0


async def test_a_tapped_suggestion_is_chosen_as_from_the_picker(client: Client) -> None:
    s = await say_not_understood(client)
    s = await press(client, s, ".suggest button[name=pick][value=porter]")
    assert s.status == 200 and s.path == "/m/kaili/worker/place"
    s = await follow(client, s, "a.btn-back")
    assert [c.get_text() for c in s.page.select(".chip")] == ["搬运装卸工"]
    assert "选了 1 个" in s.one("a[data-category=construction]").get_text()
    # Back on "say it": the offer is gone with the choice.
    s = await get(client, "/m/kaili/worker/say")
    assert s.page.select_one(".suggest") is None
    assert s.one("input[name=text]").has_attr("autofocus")
    s = await get(client, "/m/kaili/worker/place")
    s = await press(client, s, "button.tile-county")
    s = await press(client, s, "button[name=reach][value=county]")
    s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/worker/offers"
    ck = await client.state.store.get_checkin("kaili", client.state.store.worker_id(PHONE))
    assert ck["skills"] == ["porter"]


async def test_the_whole_picker_is_one_tap_away(client: Client) -> None:
    s = await say_not_understood(client)
    s = await follow(client, s, ".suggest a.tile-all")
    assert s.path == "/m/kaili/worker/skills"
    assert s.question == "您会干什么活？"
    s = await follow(client, s, "a[data-category=services]")
    s = await press(client, s, "button.btn-next", tick=["cleaner"])
    assert s.path == "/m/kaili/worker/place"
    s = await get(client, "/m/kaili/worker/say")
    assert s.page.select_one(".suggest") is None  # chosen from the picker: moot


async def test_the_offer_survives_a_reload_and_a_language_switch(client: Client) -> None:
    await say_not_understood(client, "帮橱")
    s = await get(client, "/m/kaili/worker/say")
    assert s.status == 200
    assert suggested(s)[0] == "kitchen_helper"  # sounds as 帮厨
    assert s.one("input[name=text]")["value"] == "帮橱"
    await client.get("/lang/en", params={"next": "/"})
    s = await get(client, "/m/kaili/worker/say")
    assert s.one("#suggest-title").get_text() == "Is it one of these?"
    assert s.one(".suggest .tile-btn[value=kitchen_helper]").get_text(strip=True) == (
        "kitchen helper"
    )
    assert s.one(".suggest a.tile-all").get_text(strip=True) == "None of these: all kinds of work"


async def test_guesses_turned_down_are_not_offered_again(client: Client) -> None:
    s = await say_not_understood(client, "xg")
    assert s.question == "您是说 小工 吗？"
    declined: list[str] = []
    while s.page.select_one("button[value=no]") is not None:
        declined.append(str(s.one(".guess")["data-skill"]))
        s = await press(client, s, "button[value=no]")
    assert s.path == "/m/kaili/worker/say"
    assert "没认出" in s.one(".form-error").get_text()
    assert declined[0] == "general_laborer"
    offered = suggested(s)
    assert len(offered) == 6 and not set(offered) & set(declined)
    s = await press(client, s, f".suggest button[name=pick][value={offered[0]}]")
    assert s.path == "/m/kaili/worker/place"


async def test_unticking_everything_heard_offers_the_closest_too(client: Client) -> None:
    s = await say_not_understood(client, "我会开车和做饭")
    assert s.question == "是这些活吗？"
    s = await press(client, s, "button.btn-next", untick=["driver", "chef"])
    assert s.path == "/m/kaili/worker/say"
    assert "没认出" in s.one(".form-error").get_text()
    assert not {"driver", "chef"} & set(suggested(s))


async def test_a_forged_pick_is_not_a_skill(client: Client) -> None:
    s = await say_not_understood(client)
    r = await client.post(str(s.one(".suggest form")["action"]), data={"pick": "astronaut"})
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/worker/say"
    s = await get(client, "/m/kaili/worker/say")
    assert suggested(s)[0] == "general_laborer"  # still offered, nothing chosen
    assert await checkins(client) == 0


async def test_double_tap_and_resubmission_check_in_once(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await press(client, s, "button.tile-county")
    s = await press(client, s, "button[name=reach][value=county]")
    before = dict(client.cookies)
    rid = str(s.one("input[name=request_id]")["value"])
    form = {"request_id": rid, "min_wage_yuan": "150"}
    first = await client.post("/m/kaili/worker/checkin", data=form)
    after = dict(client.cookies)
    # The second tap of a double tap left before the first's answer came back: it
    # carries the old session, answers and all.
    client.cookies.clear()
    client.cookies.update(before)
    second = await client.post("/m/kaili/worker/checkin", data=form)
    # A resubmission later (back button, reload) carries the new session.
    client.cookies.clear()
    client.cookies.update(after)
    third = await client.post("/m/kaili/worker/checkin", data=form)
    assert {first.headers["location"], second.headers["location"], third.headers["location"]} == {
        "http://kz.test/m/kaili/worker/offers"
    }
    assert await checkins(client) == 1
    # The same id with other answers is a different request: refused, not merged.
    client.cookies.clear()
    client.cookies.update(before)
    other = await client.post("/m/kaili/worker/checkin", data={**form, "min_wage_yuan": "300"})
    assert other.status_code == 303 and other.headers["location"].endswith("/worker/wage")
    assert await checkins(client) == 1


async def test_screens_need_a_flow_in_progress(client: Client) -> None:
    for step in ("skills", "place", "reach", "wage", "same", "confirm"):
        r = await client.get(f"/m/kaili/worker/{step}")
        assert r.status_code == 303 and r.headers["location"] == "/m/kaili/worker", step
    r = await client.post("/m/kaili/worker/checkin", data={"request_id": "f" * 16})
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/worker"
    assert (await client.get("/m/kaili/worker/nonsense")).status_code == 404
    assert (await client.get("/m/mars/worker")).status_code == 404


async def test_each_screen_asks_one_question_with_few_choices(client: Client) -> None:
    seen: list[str] = []
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    urls = [
        "/m/kaili/worker/skills",
        "/m/kaili/worker/skill?cat=services",
        "/m/kaili/worker/say",
        "/m/kaili/worker/place",
        "/m/kaili/worker/reach",
        "/m/kaili/worker/wage",
    ]
    for url in urls:
        s = await get(client, url)
        assert s.status == 200, url
        assert len(s.page.select("h1")) == 1, url
        # A picker shows its whole list on one screen (tests/web/test_pickers.py); every
        # other screen offers few choices.
        offered = [
            t.get_text(" ", strip=True) for t in s.page.select(".tile-btn:not([data-picker] *)")
        ]
        assert len(offered) <= MAX_CHOICES, (url, offered)
        assert s.one("form[action='/m/kaili/leave'] button.btn-quit")
        seen.append(s.question)
    assert len(set(seen)) == len(seen)


async def test_english_screens(client: Client) -> None:
    await client.get("/lang/en", params={"next": "/"})
    s = await get(client, "/m/kaili/worker")
    assert s.question == "What is your mobile number?"
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    assert s.question == "What work can you do?"
    s = await follow(client, s, "a[data-category=agriculture]")
    assert s.question == "Farming & forestry: which can you do?"
    assert "tea picker" in s.text()
    # The language link comes back to this very screen, page and all.
    assert s.one("a.lang")["href"].endswith("next=/m/kaili/worker/skill%3Fcat%3Dagriculture")


async def test_offers_region_is_not_swapped_when_nothing_changed(client: Client) -> None:
    await worker_checks_in(client, PHONE)
    hx = {"HX-Request": "true"}
    first = await client.get("/m/kaili/worker/offers", headers=hx)
    version = soup(first.text).select_one("input[name=v]")["value"]  # type: ignore[index]
    again = await client.get("/m/kaili/worker/offers", params={"v": version}, headers=hx)
    assert again.status_code == 204
    stale = await client.get("/m/kaili/worker/offers", params={"v": "old"}, headers=hx)
    assert stale.status_code == 200 and soup(stale.text).select_one(".status-card")


async def test_showing_the_first_screen_stores_nothing(client: Client) -> None:
    """A stray request after a reset (a poll in flight) must not leave a session."""
    r = await client.get("/m/kaili/worker")
    assert r.status_code == 200 and "kz_session" not in r.headers.get("set-cookie", "")
    r = await client.get("/m/kaili/worker/offers", headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/m/kaili/worker"
    assert "set-cookie" not in r.headers


async def test_a_new_number_starts_over(client: Client) -> None:
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await get(client, "/m/kaili/worker")
    assert s.one("input[name=phone]")["value"] == PHONE  # back to the first screen: kept
    s = await press(client, s, "button.btn-next", fill={"phone": "13900000009"})
    assert s.page.select(".chip") == []


JUNK = ["nan", "", "1e309", "-inf", "\x00<x>", "9" * 400]


async def test_junk_in_any_field_of_any_screen_is_never_a_server_error(client: Client) -> None:
    """Forged or garbled posts (a broken scanner, a script) get a screen back, not a 500."""
    from support.flow import employer_posts

    await employer_posts(client, "13800000000")
    await client.post("/m/kaili/leave")
    fields = ["phone", "skills", "cat", "page", "go", "text", "answer", "township", "reach"]
    fields += ["min_wage_yuan", "request_id", "headcount", "unit", "wage", "start"]
    fields += ["end", "interview", "desk", "place", "job", "employer_name"]
    steps = ["/m/kaili/worker", "/m/kaili/employer"]
    steps += [f"/m/kaili/worker/{s}" for s in ("skills", "skill", "say", "confirm", "place")]
    steps += [f"/m/kaili/worker/{s}" for s in ("same", "reach", "wage", "checkin")]
    steps += [f"/m/kaili/employer/{s}" for s in ("skill", "say", "confirm", "headcount", "pay")]
    steps += [f"/m/kaili/employer/{s}" for s in ("place", "time", "interview", "extras", "mine")]
    steps += ["/m/kaili/employer/review", "/m/kaili/employer/post"]
    for kind, phone in (("worker", PHONE), ("employer", "13800000000")):
        await client.post(f"/m/kaili/{kind}", data={"phone": phone})
        for i, junk in enumerate(JUNK):
            # With a stepper's −/+ the value fields are not read: every other round.
            delta = {"delta": f"{junk}:{junk}"} if i % 2 else {}
            for step in steps:
                r = await client.post(step, data={f: junk for f in fields} | delta)
                assert r.status_code < 500, (step, junk, r.text[:200])
            for step in (f"/m/kaili/{kind}/skill", f"/m/kaili/{kind}/place"):
                r = await client.get(step, params={"cat": junk, "page": junk, "more": junk})
                assert r.status_code < 500, (step, junk)


async def test_a_flow_left_half_done_is_forgotten_by_the_server_too(client: Client) -> None:
    """Belt and braces for the kiosk's idle reset: answers untouched for ten minutes are
    gone, whatever the screen's script did."""
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    client.state.clock.advance(minutes=9)
    assert (await client.get("/m/kaili/worker/place")).status_code == 200
    client.state.clock.advance(minutes=11)
    r = await client.get("/m/kaili/worker/place")
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/worker"
    s = await get(client, "/m/kaili/worker")
    assert s.one("input[name=phone]")["value"] == ""


async def test_an_offer_says_why_in_the_screens_language(client: Client) -> None:
    await worker_checks_in(client, PHONE)
    worker = dict(client.cookies)
    await new_visitor(client)
    await employer_posts(client, "13800000000")
    matcher = Matcher(client.state.store, ["kaili"], name="offers-lang-test")
    await matcher.ensure_groups()
    while await matcher.consume_once("kaili"):
        pass
    client.cookies.clear()
    client.cookies.update(worker)
    hx = {"HX-Request": "true"}

    def why(html: str) -> str:
        dd = soup(html).select_one("article.offer dd.why")
        assert dd is not None, html
        return dd.get_text(strip=True)

    zh = why((await client.get("/m/kaili/worker/offers", headers=hx)).text)
    assert zh.startswith("小工 技能相符 · ") and "已等候" in zh
    await client.get("/lang/en", params={"next": "/"})
    en = why((await client.get("/m/kaili/worker/offers", headers=hx)).text)
    assert en.startswith("general construction laborer: skill fits · "), en
    assert "waited" in en and not re.search(r"[\u4e00-\u9fff]", en), en
    # The whole page too, not only the live region.
    page = soup((await client.get("/m/kaili/worker/offers")).text)
    assert page.select_one("article.offer dd.why") is not None
    assert why(str(page)) == en
