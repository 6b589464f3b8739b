"""The employer's posting, one question per screen, through the ASGI app."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Client
from support.flow import Screen, employer_posts, follow, get, press
from support.ops import new_visitor

from kiosk.web.flow.posting import default_times
from matcher.clock import TZ

pytestmark = pytest.mark.usefixtures("redis")

PHONE = "13800000000"


async def jobs(client: Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await client.get("/api/v1/markets/kaili/jobs")).json()
    return found


async def to_review(client: Client, *, headcount: str = "2") -> Screen:
    s = await get(client, "/m/kaili/employer")
    assert s.question == "老板，您的手机号是多少？"
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    assert s.question == "要招干什么活的人？"
    s = await follow(client, s, "a[data-category=agriculture]")
    s = await press(client, s, "button.btn-next", tick=["tea_picker"])
    assert s.question == "要几个人？"
    assert [b.get_text(strip=True) for b in s.page.select("button.tile-btn[name=headcount]")] == [
        f"{n} 人" for n in range(1, 6)
    ]
    # Five numbers and "more": within the seven choices a screen may offer.
    assert len(s.page.select(".tile-btn")) == 6
    assert s.one("button.tile-more[name=more]").get_text(" ", strip=True) == "更多 6 人或更多"
    s = await press(client, s, f"button[name=headcount][value='{headcount}']")
    assert s.question == "工钱怎么算，给多少？"
    s = await press(client, s, "button[name=unit][value=hour]")
    assert s.one("button[name=unit][value=hour]")["aria-pressed"] == "true"
    assert s.one("input[name=wage]")["value"] == "25"
    s = await press(client, s, "button.step-up[value='wage:5']")
    assert s.one("input[name=wage]")["value"] == "30"
    s = await press(client, s, "button.btn-next")
    assert s.question == "在哪里干活？"
    # The whole county on one screen (issue 14), no pages.
    s = await press(client, s, "button[name=township][value='522601100']")  # 三棵树镇
    # Today only, on quarter hours, from the app's clock (09:00): no native time picker.
    assert s.question == "几点开工，几点收工？"
    assert not s.page.select("input[type=time], select")
    assert s.one("input[name=start]")["value"] == "10:00"
    assert s.one("input[name=end]")["value"] == "18:00"
    s = await press(client, s, "button[value='start:15']")
    assert s.one("input[name=start]")["value"] == "10:15"
    s = await press(client, s, "button.btn-next")
    assert s.question == "几点面试，在哪面试？"
    assert s.one("input[name=interview]")["value"] == "09:45"
    assert s.one("input[name=desk]")["value"] == "1"
    s = await press(client, s, "button[value='desk:1']")
    assert s.one("input[name=desk]")["value"] == "2"
    s = await press(client, s, "button.btn-next")
    assert s.question == "管饭吗？接送吗？给工具吗？"
    return await press(client, s, "button.btn-next", tick=["1"], untick=[])


async def test_employer_posts_by_taps_and_reviews_in_plain_words(client: Client) -> None:
    s = await to_review(client)
    assert s.question == "请看一下，对了就发布"
    rows = {
        r["data-row"]: r.select_one("dd").get_text(" ", strip=True)
        for r in s.page.select(".review-row")
    }  # type: ignore[union-attr]
    assert rows == {
        "skills": "采茶工",
        "headcount": "2 人",
        "pay": "30 元 / 小时",
        "place": "三棵树镇",
        "time": "今天 10:15–18:00",
        "interview": "09:45 · 2号洽谈桌",
        "extras": "管饭 · 接送 · 给工具",
        "phone": "138****0000",
    }
    assert PHONE not in s.response.text
    assert all(a["href"].endswith("then=review") for a in s.page.select("a.btn-fix"))
    s = await press(client, s, "button.btn-next", fill={"employer_name": "王师傅"})
    [job] = await jobs(client)
    assert s.path == f"/m/kaili/jobs/{job['id']}"
    assert s.one(".job-card")["data-status"] == "open"
    assert (job["title"], job["skills"], job["headcount"]) == ("采茶工", ["tea_picker"], 2)
    assert (job["wage_yuan"], job["wage_unit"], job["township"]) == (30, "hour", "522601100")
    assert job["start_at"].startswith("2026-11-27T10:15") and job["end_at"][11:16] == "18:00"
    assert (job["interview_at"][11:16], job["interview_place"]) == ("09:45", "2号洽谈桌")
    assert (job["meals"], job["transport"], job["tools"]) == (True, True, True)
    assert (job["employer_name"], job["employer_phone_masked"]) == ("王师傅", "138****0000")


async def test_change_from_the_review_comes_back_to_it(client: Client) -> None:
    s = await to_review(client)
    s = await follow(client, s, ".review-row[data-row=headcount] a.btn-fix")
    s = await press(client, s, "button[name=headcount][value='5']")
    # Straight back to the review; every other answer is kept.
    assert s.path == "/m/kaili/employer/review"
    assert "5 人" in s.one(".review-row[data-row=headcount]").get_text()
    assert "三棵树镇" in s.one(".review-row[data-row=place]").get_text()
    # Work changed through the category tiles also comes back.
    s = await follow(client, s, ".review-row[data-row=skills] a.btn-fix")
    s = await follow(client, s, "a[data-category=agriculture]")
    s = await press(client, s, "button.btn-next", tick=["fruit_picker"])
    assert s.path == "/m/kaili/employer/review"
    assert "采茶工、采摘工" in s.one(".review-row[data-row=skills]").get_text()
    # Without a change link, the screens go on in order again.
    s = await get(client, "/m/kaili/employer/pay")
    s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/employer/place"


async def test_a_double_tap_on_post_makes_one_job(client: Client) -> None:
    s = await to_review(client)
    before = dict(client.cookies)
    rid = str(s.one("input[name=request_id]")["value"])
    form = {"request_id": rid, "employer_name": "王"}
    first = await client.post("/m/kaili/employer/post", data=form)
    after = dict(client.cookies)
    client.cookies.clear()
    client.cookies.update(before)
    second = await client.post("/m/kaili/employer/post", data=form)
    client.cookies.clear()
    client.cookies.update(after)
    third = await client.post("/m/kaili/employer/post", data=form)
    [job] = await jobs(client)
    assert {first.headers["location"], second.headers["location"], third.headers["location"]} == {
        f"http://kz.test/m/kaili/jobs/{job['id']}"
    }


async def test_six_people_or_more_by_stepper(client: Client) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await press(client, s, "button.tile-more")
    assert s.path == "/m/kaili/employer/headcount"
    assert s.question == "要几个人？"  # the same question, on a stepper that starts past the tiles
    assert not s.page.select(".tile-btn")
    assert s.one("input[name=headcount]")["value"] == "6"
    s = await press(client, s, "button[value='headcount:5']")
    assert s.one("input[name=headcount]")["value"] == "11"
    s = await press(client, s, "button[value='headcount:-1']")
    assert s.one("input[name=headcount]")["value"] == "10"
    s = await press(client, s, "button.btn-next", fill={"headcount": "12"})
    assert s.path == "/m/kaili/employer/pay"
    s = await follow(client, s, "a.btn-back")
    assert s.one("input[name=headcount]")["value"] == "12"  # stays on the stepper


async def test_times_out_of_order_are_sent_back_to_be_fixed(client: Client) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await get(client, "/m/kaili/employer/time")
    s = await press(client, s, "button.btn-next", fill={"start": "12:00", "end": "11:00"})
    assert s.path == "/m/kaili/employer/time"
    assert "收工要晚于开工" in s.one(".form-error").get_text()
    s = await press(client, s, "button.btn-next", fill={"start": "12:00", "end": "17:00"})
    assert s.one("input[name=interview]")["value"] == "11:30"  # follows the new start
    s = await press(client, s, "button.btn-next", fill={"interview": "12:30"})
    assert "面试要在开工之前" in s.one(".form-error").get_text()
    # Times before now are not offered (the stepper stops at the next quarter hour).
    s = await press(client, s, "button.btn-next", fill={"interview": "06:00"})
    assert s.path == "/m/kaili/employer/extras"
    s = await get(client, "/m/kaili/employer/interview")
    assert s.one("input[name=interview]")["value"] == "09:00"


async def test_the_phone_page_works_on_a_phone(client: Client) -> None:
    """The same screen serves a phone: a real numeric field, the keypad for the kiosk."""
    s = await get(client, "/m/kaili/employer")
    field = s.one("input[name=phone]")
    assert (field["type"], field["inputmode"]) == ("tel", "numeric")
    assert s.page.select(".keypad .key")
    assert s.one("meta[name=viewport]")["content"] == "width=device-width, initial-scale=1"


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (9, 0, ("10:00", "18:00", "09:30")),
        (9, 10, ("10:30", "18:30", "10:00")),
        (21, 0, ("22:00", "23:45", "21:30")),
        (23, 40, ("23:45", "23:45", "23:45")),
    ],
)
def test_default_times(hour: int, minute: int, expected: tuple[str, str, str]) -> None:
    from datetime import datetime

    assert default_times(datetime(2026, 11, 27, hour, minute, tzinfo=TZ)) == expected


def test_a_desk_interview_defaults_to_before_the_hall_closes() -> None:
    from datetime import datetime

    # 17:40 in a hall that closes at 18:00: the work may start at 19:00, the desk
    # interview is at closing time, not 18:30.
    at = datetime(2026, 11, 27, 17, 40, tzinfo=TZ)
    assert default_times(at, "07:00", "18:00") == ("19:00", "23:45", "18:00")
    # After closing there is no desk time left today: on site it is, any time.
    late = datetime(2026, 11, 27, 19, 0, tzinfo=TZ)
    assert default_times(late, "07:00", "18:00")[2] == "19:30"


async def test_a_second_job_gets_a_free_desk(client: Client) -> None:
    await employer_posts(client, PHONE)
    await new_visitor(client)
    s = await employer_posts(client, "13800000001")
    assert "2号洽谈桌" in s.one(".job-card").get_text()


async def test_pay_never_steps_below_the_minimum_wage(client: Client) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await get(client, "/m/kaili/employer/pay")
    stepper = s.one("[data-stepper]")
    assert stepper["data-min"] == "160"  # Kaili: 19.6 yuan an hour x 8, up to the step
    s = await press(client, s, "button[name=unit][value=hour]")
    assert s.one("[data-stepper]")["data-min"] == "20"
    for _ in range(3):
        s = await press(client, s, "button[value='wage:-5']")
    assert s.one("input[name=wage]")["value"] == "20"
    s = await press(client, s, "button.btn-next", fill={"wage": "3"})  # a forged form
    s = await get(client, "/m/kaili/employer/pay")
    assert s.one("input[name=wage]")["value"] == "20"


async def test_how_many_is_heard_in_what_was_said(client: Client) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    assert s.question == "说一说要招什么人"
    s = await press(client, s, "button.btn-next", fill={"text": "要三个采茶的"})
    s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/employer/headcount"
    assert s.one(".tile-btn[name=headcount][value='3']")["aria-pressed"] == "true"


async def test_words_that_name_no_trade_offer_the_closest(client: Client) -> None:
    """ "是不是这些？" on the employer's side: a tap chooses the trade as the picker would
    and goes on to how many; the words that were not understood are not the job's title."""
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    s = await press(client, s, "button.btn-next", fill={"text": "做那个的"})
    assert s.status == 422
    assert s.one("#suggest-title").get_text() == "是不是这些？"
    picks = [str(b["value"]) for b in s.page.select(".suggest button[name=pick]")]
    assert len(picks) == 6 and picks[0] == "general_laborer"
    assert s.one(".suggest a.tile-all")["href"] == "/m/kaili/employer/skills"
    s = await press(client, s, ".suggest button[name=pick][value=cleaner]")
    assert s.path == "/m/kaili/employer/headcount"
    while s.path != "/m/kaili/employer/review":
        s = await press(client, s, "button.btn-next")
    assert "保洁" in s.text() and "做那个的" not in s.text()
    s = await press(client, s, "button.btn-next")
    [job] = await jobs(client)
    assert job["skills"] == ["cleaner"] and job["title"] == "保洁"


async def test_a_suggestion_past_the_most_trades_is_refused(client: Client) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a[data-category=construction]")
    five = [str(b["value"]) for b in s.page.select("input[name=skills]")][1:6]
    s = await press(client, s, "button.btn-back", tick=five)
    s = await follow(client, s, "a.tile-say")
    s = await press(client, s, "button.btn-next", fill={"text": "做那个的"})
    picks = [str(b["value"]) for b in s.page.select(".suggest button[name=pick]")]
    assert not set(picks) & set(five)  # already chosen: not offered again
    s = await press(client, s, f".suggest button[name=pick][value={picks[0]}]")
    assert s.path == "/m/kaili/employer/say"
    assert s.one(".form-error").get_text() == "最多选 5 个"


async def _post_saying(client: Client, text: str) -> Screen:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    s = await follow(client, s, "a.tile-say")
    s = await press(client, s, "button.btn-next", fill={"text": text})
    if s.status == 422:
        return s  # refused by screening on the "say it" screen itself
    while s.path != "/m/kaili/employer/review":
        s = await press(client, s, "button.btn-next")
    return await press(client, s, "button.btn-next")


async def test_a_refused_wording_comes_back_to_be_said_again(client: Client) -> None:
    s = await _post_saying(client, "招两个搬砖的小工, 押金100元")
    # Refused before the next question, not only when posting.
    assert (s.path, s.status) == ("/m/kaili/employer/say", 422)
    assert "押金" in s.one(".form-error").get_text()
    assert s.one("input[name=text]")["value"] == "招两个搬砖的小工, 押金100元"
    assert await jobs(client) == []


async def test_a_post_held_for_review_says_so(client: Client) -> None:
    s = await _post_saying(client, "招两个搬砖的小工, 加微信详谈")
    job = s.one(".job-card")
    assert job["data-status"] == "review"
    assert "等市场审核" in job.get_text()
    assert "已收到，市场工作人员看过后就发布" in job.get_text()


async def test_back_at_the_kiosk_the_employer_finds_todays_jobs(client: Client) -> None:
    s = await employer_posts(client, PHONE, headcount=2)
    job_path = s.path
    code = s.one("#job-code").get_text(strip=True)
    await client.post("/m/kaili/leave")  # the kiosk was reset
    page = await get(client, job_path)
    assert "hx-post" not in page.response.text  # no outcome buttons now
    assert page.page.select_one("#job-code") is None  # nor the code
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    assert s.path == "/m/kaili/employer/mine"
    assert s.question == "您今天发过这些招工，要看哪个？"
    [tile] = s.page.select("button[name=job]")
    assert "小工" in tile.get_text() and "还差 2 人" in tile.get_text()
    assert s.one("a.tile-new")["href"] == "/m/kaili/employer/skills"
    # The number alone does not open the job (anyone may know it): its code does.
    s = await press(client, s, "button[name=job]")
    assert s.path == f"{job_path}/code" and s.question == "请输入这个活的招工码"
    s = await press(client, s, "button.btn-next", fill={"code": code})
    assert s.path == job_path
    assert s.one(".job-card")  # and the owner's buttons are back
    assert s.page.select_one("button[hx-post$='/cancel']") is not None
    # A job id not offered on that screen is not handed out.
    r = await client.post("/m/kaili/employer/mine", data={"job": "jnotmine"})
    assert r.headers["location"] == "/m/kaili/employer/mine"
    # Another number sees none of it.
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": "13800000009"})
    assert s.path == "/m/kaili/employer/skills"


async def test_a_desk_interview_after_the_hall_closes_is_refused(client: Client) -> None:
    """The market's closing time (a market setting) bounds the desk interviews."""
    await client.state.store.market_settings.update(
        "kaili", {"closes": "09:45"}, who="tests", now_ms=0
    )
    s = await to_review(client)
    s = await get(client, "/m/kaili/employer/interview")
    assert s.status == 200
    form = {"interview": "10:00", "place": "desk", "desk": "1"}
    r = await client.post("/m/kaili/employer/interview", data=form)
    assert r.status_code == 303 and r.headers["location"].endswith("/interview")
    s = await get(client, r.headers["location"])
    assert "09:45 关门" in s.text()
    onsite = {**form, "place": "onsite", "address": "万达广场北门"}
    r = await client.post("/m/kaili/employer/interview", data=onsite)
    assert r.status_code == 303 and not r.headers["location"].endswith("/interview")
