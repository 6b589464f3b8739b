"""A hall people can trust all day (issue 14), on the employer's kiosk screens through
the ASGI app, pages parsed: the "say it" screen screened before the next question, the
employer's name screened at the review, the pay stepper saying why it stops, night
shifts said explicitly, and the hall's closing time."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MORNING, Client
from support.flow import Screen, follow, get, press

pytestmark = pytest.mark.usefixtures("redis")

PHONE = "13800000000"
FLOW = "/m/kaili/employer"


async def jobs(client: Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client.get("/api/v1/markets/kaili/jobs")).json()
    return found


async def begin(client: Client) -> Screen:
    """The employer's number typed: the defaults are set from the clock of the moment."""
    s = await get(client, FLOW)
    return await press(client, s, "button.btn-next", fill={"phone": PHONE})


async def say(client: Client, text: str) -> Screen:
    s = await begin(client)
    s = await follow(client, s, "a.tile-say")
    return await press(client, s, "button.btn-next", fill={"text": text})


async def post(client: Client, name: str = "王师傅") -> Screen:
    s = await get(client, f"{FLOW}/review")
    assert s.question == "请看一下，对了就发布"
    return await press(client, s, "button.btn-next", fill={"employer_name": name})


# -- words ------------------------------------------------------------------------------


async def test_an_age_limit_and_an_ethnic_exclusion_do_not_pass_the_say_screen(
    client: Client,
) -> None:
    text = "招两个小工，45岁以下，不要少数民族"
    s = await say(client, text)
    assert (s.status, s.path) == (422, f"{FLOW}/say")
    error = s.one(".form-error").get_text()
    assert "招工不能设年龄上限：您说的话里写了“45岁以下”" in error
    assert "招工不能限定或排斥民族：您说的话里写了“不要少数民族”" in error
    assert s.one("input[name=text]")["value"] == text  # kept to be said again
    assert not s.page.select(".suggest")  # nothing offered for refused words
    # Nothing of it went on: no trade heard, and it is no job's title.
    s = await get(client, f"{FLOW}/confirm")
    assert s.path == f"{FLOW}/say"
    s = await get(client, f"{FLOW}/review")
    assert "45岁" not in s.one(".review-row[data-row=skills]").get_text()
    s = await press(client, s, "button.btn-next")
    assert await jobs(client) == []


async def test_unsure_words_go_on_and_the_post_waits_for_an_operator(client: Client) -> None:
    s = await say(client, "招几个壮汉卸水泥")
    assert s.path == f"{FLOW}/confirm", s.text()
    s = await press(client, s, "button.btn-next")
    s = await post(client)
    assert s.one(".job-card")["data-status"] == "review"
    [job] = await jobs(client)
    assert (job["status"], job["flags"]) == ("review", "sex_word")


async def test_the_employers_name_is_screened_at_the_review(client: Client) -> None:
    await say(client, "招两个搬砖的小工")
    s = await post(client, name="王老板只要男的")
    assert s.path == f"{FLOW}/review"
    assert "老板称呼里写了“只要男的”" in s.one(".form-error").get_text()
    assert s.one("input[name=employer_name]")["value"] == "王老板只要男的"
    assert await jobs(client) == []
    s = await press(client, s, "button.btn-next", fill={"employer_name": "王老板"})
    assert s.one(".job-card")["data-status"] == "open"


# -- pay --------------------------------------------------------------------------------


async def test_the_pay_stepper_says_why_it_stops_at_the_floor(client: Client) -> None:
    await begin(client)
    s = await get(client, f"{FLOW}/pay")
    note = s.one("[data-min-note=wage]")
    assert note.has_attr("hidden")  # 200 yuan: above the floor, nothing to say
    for _ in range(3):
        s = await press(client, s, "button[value='wage:-50']")
    assert s.one("input[name=wage]")["value"] == "160"  # Kaili: 19.6 x 8, up to the step
    note = s.one("[data-min-note=wage]")
    assert not note.has_attr("hidden") and note["role"] == "status"
    assert "本市场最低工资每小时 19.6 元，干 8 小时不能少于 156.8 元" in note.get_text()
    change = note.select_one("a.btn-fix")
    assert change is not None and change["href"] == f"{FLOW}/time?then=pay"
    # A shorter day: four and a half hours of tea picking may pay 150.
    s = await follow(client, s, "[data-min-note=wage] a.btn-fix")
    s = await press(client, s, "button.btn-next", fill={"start": "10:00", "end": "14:30"})
    assert s.path == f"{FLOW}/pay"
    assert s.one("[data-stepper]")["data-min"] == "90"  # 19.6 x 4.5 = 88.2
    s = await press(client, s, "button[value='wage:-10']")
    assert s.one("input[name=wage]")["value"] == "150"
    # An hourly rate stops at the hourly floor, and says so.
    s = await press(client, s, "button[name=unit][value=hour]")
    for _ in range(2):
        s = await press(client, s, "button[value='wage:-5']")
    assert s.one("input[name=wage]")["value"] == "20"
    assert "每小时 19.6 元" in s.one("[data-min-note=wage]").get_text()


async def test_longer_hours_that_put_the_pay_under_the_floor_are_said_on_the_pay_screen(
    client: Client,
) -> None:
    await begin(client)
    s = await get(client, f"{FLOW}/time")
    s = await press(client, s, "button.btn-next", fill={"start": "10:00", "end": "14:30"})
    s = await get(client, f"{FLOW}/pay")
    s = await press(client, s, "button.btn-next", fill={"wage": "90"})
    s = await get(client, f"{FLOW}/time")
    s = await press(client, s, "button.btn-next", fill={"start": "10:00", "end": "19:00"})
    assert s.path == f"{FLOW}/pay"
    assert "90 元按 8 小时算，每小时 11.2 元" in s.one(".form-error").get_text()
    s = await press(client, s, "button.btn-next", fill={"wage": "160"})
    assert s.path == f"{FLOW}/interview"  # on where the hours screen would have gone


# -- night shifts and the hall's hours --------------------------------------------------


async def test_a_night_shift_is_posted_explicitly_and_shown_as_next_day(client: Client) -> None:
    client.state.clock.set(MORNING.replace(hour=21))
    await say(client, "招两个搬砖的小工")
    s = await get(client, f"{FLOW}/time")
    assert (s.one("input[name=start]")["value"], s.one("input[name=end]")["value"]) == (
        "22:00",
        "23:45",
    )
    assert s.one("button[name=overnight][value='0']")["aria-pressed"] == "true"
    s = await press(client, s, "button[name=overnight][value='1']")
    assert s.one("button[name=overnight][value='1']")["aria-pressed"] == "true"
    assert s.one("#end-label").get_text() == "几点收工（次日）"
    assert s.one("input[name=end]")["value"] == "06:00"
    assert s.one("[data-stepper]:has(input[name=end])")["data-min"] == "00:00"
    s = await press(client, s, "button.btn-next")
    assert s.path == f"{FLOW}/interview"
    # The hall closed at 18:00: it says so, and the interview is on site.
    assert "大厅 18:00 已经关门" in s.one("#hall-closed").get_text()
    assert [str(i["value"]) for i in s.page.select("input[name=place]")] == ["onsite"]
    s = await press(client, s, "button.btn-next", fill={"address": "大十字广场东侧工地"})
    s = await press(client, s, "button.btn-next")
    assert s.path == f"{FLOW}/review"
    assert s.one(".review-row[data-row=time] dd").get_text() == "今天 22:00–次日 06:00"
    s = await press(client, s, "button.btn-next", fill={"employer_name": "王师傅"})
    [job] = await jobs(client)
    assert (job["start_at"][:16], job["end_at"][:16]) == ("2026-11-27T22:00", "2026-11-28T06:00")
    assert job["interview_place"] == "干活现场"
    assert "22:00–次日 06:00" in s.one(".job-card").get_text()


async def test_an_end_before_the_start_is_named_as_chosen(client: Client) -> None:
    client.state.clock.set(MORNING.replace(hour=21))
    await begin(client)
    s = await get(client, f"{FLOW}/time")
    s = await press(client, s, "button.btn-next", fill={"start": "22:00", "end": "06:00"})
    assert s.path == f"{FLOW}/time"
    error = s.one(".form-error").get_text()
    assert error.startswith("收工要晚于开工：您选的是开工 22:00，收工 06:00。")
    assert "次日收工" in error
    # What was chosen stays as chosen, never moved to a time nobody chose.
    assert s.one("input[name=end]")["value"] == "06:00"
    s = await press(client, s, "button[name=overnight][value='1']")
    s = await press(client, s, "button.btn-next", fill={"end": "15:00"})
    assert "从开工 22:00 到次日 15:00 超过 16 小时" in s.one(".form-error").get_text()


async def test_after_closing_the_kiosk_says_the_hall_is_closed(client: Client) -> None:
    s = await get(client, FLOW)
    assert not s.page.select("#hall-closed")
    client.state.clock.set(MORNING.replace(hour=19))
    s = await get(client, FLOW)
    assert "洽谈桌明天早上 07:00 开" in s.one("#hall-closed").get_text()
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await get(client, f"{FLOW}/interview")
    assert s.one("input[name=place][value=onsite]").has_attr("checked")
    # A stale form cannot choose a desk that is closed.
    r = await client.post(f"{FLOW}/interview", data={"interview": "19:45", "place": "desk"})
    s = await get(client, r.headers["location"])
    assert s.path == f"{FLOW}/interview"
    assert "写上地址" in s.one(".form-error").get_text()


async def test_no_desk_interview_before_the_hall_opens(client: Client) -> None:
    await client.state.store.market_settings.update(
        "kaili", {"opens": "09:45"}, who="tests", now_ms=0
    )
    await begin(client)
    form = {"interview": "09:30", "place": "desk", "desk": "1"}
    r = await client.post(f"{FLOW}/interview", data=form)
    s = await get(client, r.headers["location"])
    assert "大厅 09:45 才开门" in s.one(".form-error").get_text()
