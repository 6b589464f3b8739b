"""A hall people can trust all day (issue 14), through the API: pay judged per hour of
the job, the hall's opening hours for desk interviews, no interview in the past, and
night shifts said explicitly (the end on the next day)."""

from __future__ import annotations

import pytest
from conftest import MORNING, Client
from support.builders import at, job_body

from kiosk.web.validation import pay_error
from matcher.text.screening import check_pay, lowest_day_pay, paid_hours, shown_rate

pytestmark = pytest.mark.usefixtures("redis")

JOBS = "/api/v1/markets/{m}/jobs"
NEXT_DAY = "2026-11-28"


def test_a_day_rate_is_judged_per_hour_of_the_job() -> None:
    # 150 yuan for four and a half hours of tea picking: 33 yuan an hour.
    tea = check_pay(150, "day", 4.5, wage_class=1)
    assert tea.lawful and round(tea.hourly or 0, 1) == 33.3
    # 120 for half a day's unloading (4 hours): 30 an hour.
    assert check_pay(120, "day", 4, wage_class=1).lawful
    # A long day counts as 8 hours: 150 is 18.75 an hour, lawful in class 2, not 1.
    assert check_pay(150, "day", 10, wage_class=2).lawful
    assert not check_pay(150, "day", 10, wage_class=1).lawful
    # An hourly rate is itself; a piece rate has no honest hourly figure.
    assert not check_pay(18, "hour", 8, wage_class=1).lawful
    assert check_pay(1, "piece", 8, wage_class=1).lawful
    assert paid_hours(MORNING, MORNING.replace(hour=19)) == 8
    assert lowest_day_pay(1, 4.5) == pytest.approx(88.2)
    # Rounded down, so a rate just under the floor never reads as the floor.
    assert shown_rate(19.599) == "19.5"


def test_the_refusal_states_the_hourly_figure_in_both_languages() -> None:
    error = pay_error(120, "day", 7, wage_class=1)
    assert error is not None and error.key == "err.wage_floor"
    assert error.params["rate"] == "17.1"
    assert error.params["detail_zh"] == "120 元按 7 小时算，每小时 17.1 元"
    assert error.params["detail_en"] == "120 yuan over 7 hours is 17.1 yuan an hour"
    assert pay_error(150, "day", 4.5, wage_class=1) is None


@pytest.mark.parametrize(
    ("market", "township", "wage", "start", "end"),
    [
        ("liping", "522631", 150, "10:00", "14:30"),  # tea picking, under 5 hours
        ("kaili", "522601001", 150, "10:00", "14:30"),
        ("kaili", "522601001", 120, "13:00", "17:00"),  # half a day's unloading
    ],
)
async def test_short_days_at_a_day_rate_are_lawful(
    client: Client,
    auth: dict[str, str],
    market: str,
    township: str,
    wage: int,
    start: str,
    end: str,
) -> None:
    body = job_body(
        wage_yuan=wage,
        township=township,
        start_at=at(start),
        end_at=at(end),
        interview_at=at("09:30"),
    )
    r = await client.post(JOBS.format(m=market), json=body, headers=auth)
    assert (r.status_code, r.json()["status"]) == (201, "open"), r.text


async def test_a_full_day_under_the_floor_is_refused_with_its_hourly_figure(
    client: Client, auth: dict[str, str]
) -> None:
    body = job_body(wage_yuan=120, end_at=at("19:00"))  # 9 hours, counted as 8
    r = await client.post(JOBS.format(m="kaili"), json=body, headers=auth)
    assert r.status_code == 422
    msg = r.json()["error"]["fields"]["wage_yuan"]
    assert "120 元按 8 小时算，每小时 15 元" in msg
    assert "120 yuan over 8 hours is 15 yuan an hour" in msg
    assert "每小时至少 19.6 元" in msg


# -- night shifts -----------------------------------------------------------------------


def _night(**kw: object) -> dict[str, object]:
    body = job_body(
        start_at=at("22:00"),
        interview_at=at("21:00"),
        interview_place="干活现场",
        interview_address="大十字广场东侧工地",
    )
    return {**body, **kw}


async def test_a_night_shift_ends_the_next_day(client: Client, auth: dict[str, str]) -> None:
    body = _night(end_at=f"{NEXT_DAY}T06:00:00+08:00")
    r = await client.post(JOBS.format(m="kaili"), json=body, headers=auth)
    assert r.status_code == 201, r.text
    job = r.json()
    assert (job["start_at"][:16], job["end_at"][:16]) == ("2026-11-27T22:00", f"{NEXT_DAY}T06:00")


async def test_an_end_before_the_start_says_how_to_post_a_night_shift(
    client: Client, auth: dict[str, str]
) -> None:
    r = await client.post(JOBS.format(m="kaili"), json=_night(end_at=at("06:00")), headers=auth)
    assert r.status_code == 422
    msg = r.json()["error"]["fields"]["end_at"]
    assert msg.startswith("收工要晚于开工：开工 22:00，收工 06:00。通宵班")
    assert "next day" in msg
    # The times named are the ones written, in the offset they were written in.
    body = _night(
        start_at="2026-11-27T14:00:00+00:00",
        end_at="2026-11-27T13:00:00+00:00",
        interview_at="2026-11-27T13:30:00+00:00",
    )
    r = await client.post(JOBS.format(m="kaili"), json=body, headers=auth)
    assert "开工 14:00，收工 13:00" in r.json()["error"]["fields"]["end_at"]


async def test_a_shift_is_at_most_sixteen_hours(client: Client, auth: dict[str, str]) -> None:
    for end in (f"{NEXT_DAY}T15:00:00+08:00", "2026-11-29T06:00:00+08:00"):
        r = await client.post(JOBS.format(m="kaili"), json=_night(end_at=end), headers=auth)
        assert r.status_code == 422
        assert "16 小时" in r.json()["error"]["fields"]["end_at"]


# -- the hall's hours and the interview -------------------------------------------------


async def test_no_desk_interview_outside_the_halls_hours(
    client: Client, auth: dict[str, str]
) -> None:
    store = client.state.store
    await store.market_settings.update("kaili", {"closes": "17:00"}, who="tests", now_ms=0)
    body = job_body(start_at=at("19:00"), end_at=at("23:00"), interview_at=at("18:00"))
    r = await client.post(JOBS.format(m="kaili"), json=body, headers=auth)
    assert r.status_code == 422
    assert "大厅 17:00 关门" in r.json()["error"]["fields"]["interview_at"]
    # On site it is any time (with an address).
    onsite = {**body, "interview_place": "干活现场", "interview_address": "大十字广场东侧工地"}
    r = await client.post(JOBS.format(m="kaili"), json=onsite, headers=auth)
    assert r.status_code == 201, r.text
    # With no place given, after closing the interview is on site: where, then?
    body = {**body, "employer_phone": "13800000001"}
    del body["interview_place"]
    r = await client.post(JOBS.format(m="kaili"), json=body, headers=auth)
    assert r.status_code == 422 and list(r.json()["error"]["fields"]) == ["interview_address"]


async def test_no_desk_interview_before_the_hall_opens(
    client: Client, auth: dict[str, str]
) -> None:
    await client.state.store.market_settings.update(
        "kaili", {"opens": "09:45"}, who="tests", now_ms=0
    )
    r = await client.post(JOBS.format(m="kaili"), json=job_body(), headers=auth)  # 09:30
    assert r.status_code == 422
    assert "大厅 09:45 才开门" in r.json()["error"]["fields"]["interview_at"]


async def test_no_interview_in_the_past(client: Client, auth: dict[str, str]) -> None:
    r = await client.post(
        JOBS.format(m="kaili"), json=job_body(interview_at=at("08:30")), headers=auth
    )
    assert r.status_code == 422
    assert r.json()["error"]["fields"]["interview_at"].startswith("面试时间 08:30 已经过了")
    # A minute late on the wire is now, never stored as a time already gone.
    r = await client.post(
        JOBS.format(m="kaili"), json=job_body(interview_at=at("08:59")), headers=auth
    )
    assert r.status_code == 201
    assert r.json()["interview_at"].startswith("2026-11-27T09:00")


# -- an operator's correction ----------------------------------------------------------


async def test_an_operator_corrects_every_free_text_of_a_held_post(
    client: Client, auth: dict[str, str]
) -> None:
    from bs4 import BeautifulSoup
    from support.ops import login

    r = await client.post(
        JOBS.format(m="kaili"), json=job_body(employer_name="王老板 加V"), headers=auth
    )
    job = r.json()
    assert (job["status"], job["flags"]) == ("review", "offplatform")
    await login(client)
    form = {
        "job": job["id"],
        "action": "edit",
        "title": job["title"],
        "description": "",
        "wage_yuan": "200",
        "wage_unit": "day",
        "employer_name": "王老板(只要男的)",
    }
    r = await client.post("/ops/m/kaili/moderation", data=form)
    assert r.status_code == 422
    item = BeautifulSoup(r.text, "html.parser").select_one(f"li[data-job='{job['id']}']")
    assert item is not None
    errors = {x["data-field"]: x.get_text() for x in item.select(".form-error li")}
    assert errors["employer_name"].startswith("老板称呼: 招工不能限定性别")
    assert item.select_one("input[name=employer_name]")["value"] == "王老板(只要男的)"  # type: ignore[index]
    # Pay is judged per hour of the job's own hours (10:00–17:00: 137.2 at least).
    r = await client.post(
        "/ops/m/kaili/moderation", data={**form, "employer_name": "王老板", "wage_yuan": "130"}
    )
    assert r.status_code == 422 and "130 元按 7 小时算" in r.text
    r = await client.post(
        "/ops/m/kaili/moderation", data={**form, "employer_name": "王老板", "wage_yuan": "140"}
    )
    assert r.status_code == 200
    view = (await client.get(f"{JOBS.format(m='kaili')}/{job['id']}")).json()
    assert (view["status"], view["employer_name"], view["wage_yuan"]) == ("open", "王老板", 140)
