"""After the work at the kiosk: pay, no-show answers, rating and blocking, one question
per screen, before a returning worker's check-in or from a ticket's own link."""

from __future__ import annotations

import pytest
from conftest import Client
from support.builders import checkin_body, job_body
from support.flow import Screen, follow, get, press

from matcher.desk.after_work import questions_for, reliability, review_queue
from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")

PHONE = "13900000001"  # checkin_body(1)


async def booked(client: Client, auth: dict[str, str], outcome: str | None) -> tuple[str, str]:
    """Worker 1 booked on a one-place job, then the employer's outcome (None: the
    employer never says): (worker, ref)."""
    wid = (
        await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=auth)
    ).json()["worker_id"]
    job = (
        await client.post("/api/v1/markets/kaili/jobs", json=job_body(headcount=1), headers=auth)
    ).json()
    m = Matcher(client.state.store, ["kaili"], name="kiosk-after")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    offer = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()[0]
    ref = (
        await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=auth)
    ).json()["ticket"]["ref"]
    if outcome is None:
        return wid, ref
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": wid, "outcome": outcome},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    return wid, ref


def next_morning(client: Client) -> None:
    clock = client.state.clock
    clock.advance(days=1)
    clock.set(clock.now().replace(hour=8, minute=0))


async def phone(client: Client) -> Screen:
    s = await get(client, "/m/kaili/worker")
    return await press(client, s, "button.btn-next", fill={"phone": PHONE})


def one_question(s: Screen) -> None:
    assert s.status == 200, s.text()
    assert len(s.page.select("h1")) == 1
    # Nothing to go back to (each answer is already kept), no progress dots.
    assert s.page.select_one("a.btn-back") is None and s.page.select_one(".progress") is None


def tiles(s: Screen) -> list[str]:
    return [t.get_text(" ", strip=True) for t in s.page.select(".tile-btn")]


async def test_unpaid_work_of_an_earlier_day_is_asked_before_check_in(
    client: Client, auth: dict[str, str]
) -> None:
    wid, ref = await booked(client, auth, "hired")
    next_morning(client)
    s = await phone(client)
    assert s.path == "/m/kaili/after/pay", s.url
    one_question(s)
    assert s.question == "11月27日 的工钱拿到了吗？"
    assert s.one(".after-job").get_text(strip=True) == "招两个搬砖的小工 · 王师傅 · 说好 200 元/天"
    assert tiles(s) == ["拿到了", "没拿到", "拿到一部分"]
    # Part of it: how much, on steppers (no text field to type into).
    s = await press(client, s, "button[name=paid][value=partial]")
    assert s.path == "/m/kaili/after/paid" and s.question == "拿到了多少钱？"
    one_question(s)
    assert s.page.select("input[type=text], input[type=number]") == []
    for _ in range(2):
        s = await press(client, s, "button.step-up.step-big")  # +50
    s = await press(client, s, "button.step-up.step-small")  # +10
    assert s.one("[data-stepper-input]")["value"] == "110"
    s = await press(client, s, "button.btn-next")
    # The arrears record, through the store's own path.
    [record] = await client.state.store.arrears("kaili")
    assert (record["ticket"], record["agreed_yuan"], record["paid_yuan"]) == (ref, 200, 110)
    # Then the employer: thumbs, a reason, and never again.
    assert s.path == "/m/kaili/after/rate" and s.question == "王师傅 这个老板怎么样？"
    assert tiles(s) == ["好", "不好"]
    s = await press(client, s, "button[name=thumbs][value=down]")
    assert s.question == "哪里不好？"
    assert tiles(s) == ["少给钱", "活和说的不一样", "态度不好", "不安全", "其他"]
    s = await press(client, s, "button[name=why][value=pay]")
    assert s.question == "以后不再和 王师傅 配对吗？"
    one_question(s)
    s = await press(client, s, "#block-yes")
    # And on to the check-in, as any returning worker.
    assert s.path == "/m/kaili/worker/same", s.url
    profile = await client.state.store.get_profile("kaili", wid)
    ticket = await client.state.store.get_ticket("kaili", ref)
    assert profile is not None and ticket is not None
    assert profile["blocked_employers"] == ticket["employer_id"]
    assert ticket["ratings"]["worker"]["reason"] == "pay"
    # Asked once: the next visit goes straight to the check-in.
    assert (await phone(client)).path == "/m/kaili/worker/same"


async def test_paid_in_full_and_a_thumbs_up(client: Client, auth: dict[str, str]) -> None:
    _wid, ref = await booked(client, auth, "hired")
    next_morning(client)
    s = await press(client, await phone(client), "button[name=paid][value=yes]")
    s = await press(client, s, "button[name=thumbs][value=up]")
    assert s.path == "/m/kaili/worker/same"
    assert await client.state.store.arrears("kaili") == []
    ticket = await client.state.store.get_ticket("kaili", ref)
    assert (
        ticket is not None
        and ticket["pay"] == "yes"
        and ticket["ratings"]["worker"]["thumbs"] == "up"
    )


async def test_pay_is_not_asked_before_the_work_ends(client: Client, auth: dict[str, str]) -> None:
    _wid, ref = await booked(client, auth, "hired")
    # Hired for today's work: typing the number again shows the booking (issue 14).
    assert (await phone(client)).path == f"/m/kaili/tickets/{ref}"
    client.state.clock.set(client.state.clock.now().replace(hour=17, minute=30))
    s = await phone(client)
    assert s.path == "/m/kaili/after/pay" and s.question == "今天的工钱拿到了吗？"


async def test_a_no_show_explained_with_a_reason(client: Client, auth: dict[str, str]) -> None:
    wid, ref = await booked(client, auth, "no_show")
    s = await phone(client)
    assert s.path == "/m/kaili/after/noshow"
    one_question(s)
    assert s.question == "老板说您今天没来 — 对吗？"
    s = await press(client, s, "#went-no")
    assert s.question == "是什么事没去成？"
    assert tiles(s) == ["生病", "家里有事", "找不到地方", "其他"]
    s = await press(client, s, "button[name=reason][value=lost]")
    assert s.path == "/m/kaili/worker/same"
    store = client.state.store
    queue = await review_queue(store, "kaili")
    assert [(t["ref"], t["worker_reason"]) for t in queue.explanations] == [(ref, "lost")]
    client.state.clock.advance(days=10)
    assert await reliability(store, "kaili", wid) == 0


async def test_i_went_the_boss_was_not_there(client: Client, auth: dict[str, str]) -> None:
    _wid, ref = await booked(client, auth, "no_show")
    next_morning(client)
    s = await phone(client)
    assert s.question == "老板说您 11月27日 没来 — 对吗？"
    s = await press(client, s, "#went-yes")
    assert s.question == "您去了，是怎么回事？"
    assert tiles(s) == ["老板不在", "没有这个活", "活和说的不一样", "其他"]
    s = await press(client, s, "button[name=reason][value=boss_absent]")
    assert s.path == "/m/kaili/worker/same"
    [ticket] = (await review_queue(client.state.store, "kaili")).disputes
    assert ticket["ref"] == ref and ticket["worker_reason"] == "boss_absent"
    employer = await client.state.store.employer("kaili", ticket["employer_id"])
    assert employer is not None and employer["not_there"] == 1


async def test_later_leaves_the_question_open(client: Client, auth: dict[str, str]) -> None:
    wid, _ref = await booked(client, auth, "no_show")
    s = await press(client, await phone(client), "button.btn-later")
    assert s.path == "/m/kaili/worker/same"
    assert [q.ask for q in await questions_for(client.state.store, "kaili", wid)] == ["noshow"]
    assert (await phone(client)).path == "/m/kaili/after/noshow"


async def test_the_tickets_own_link(client: Client, auth: dict[str, str]) -> None:
    _wid, ref = await booked(client, auth, "hired")
    ticket = await client.state.store.get_ticket("kaili", ref)
    assert ticket is not None
    # Whoever holds the slip (its QR carries the key) reaches the same questions.
    page = await get(client, f"/m/kaili/tickets/{ref}?k={ticket['offer_id']}")
    link = page.one("#ticket-after")
    assert link.get_text(strip=True) == "工钱没拿到？没去成？"
    # The printed slip says so under its QR code (print stylesheet only).
    assert "扫这个码" in page.one(".ticket .slip-after").get_text()
    s = await follow(client, page, "#ticket-after")
    # The work is not over yet: nothing to ask.
    assert s.path == "/m/kaili/after/done" and s.question == "这张凭条现在没有要问您的"
    client.state.clock.set(client.state.clock.now().replace(hour=18))
    s = await follow(client, page, "#ticket-after")
    assert s.path == "/m/kaili/after/pay"
    s = await press(client, s, "button[name=paid][value=no]")
    s = await press(client, s, "button.btn-later")
    assert s.path == "/m/kaili/after/done" and s.question == "已记下，谢谢"
    [record] = await client.state.store.arrears("kaili")
    assert record["ticket"] == ref and record["paid_yuan"] == 0
    # Without the key, nothing.
    assert (await client.get(f"/m/kaili/tickets/{ref}/after")).status_code == 404
    assert (await client.get(f"/m/kaili/tickets/{ref}/after?k=nope")).status_code == 404


async def test_screens_without_a_flow_go_to_the_start(client: Client) -> None:
    s = await get(client, "/m/kaili/after/pay")
    assert s.path == "/m/kaili/worker"
    assert (await client.get("/m/kaili/after/nowhere")).status_code == 404


async def test_english(client: Client, auth: dict[str, str]) -> None:
    await booked(client, auth, "no_show")
    await client.get("/lang/en")
    s = await phone(client)
    assert s.question == "The employer says you did not come today. Is that right?"
    assert s.one("#went-no").get_text(strip=True) == "I had something on"


# -- an interview the employer never marked -----------------------------------------------


async def test_an_unmarked_interview_is_asked_about_once_it_is_long_past(
    client: Client, auth: dict[str, str]
) -> None:
    wid, ref = await booked(client, auth, None)
    store = client.state.store
    # This morning the boss may still mark it at the desk: nothing to ask.
    assert await questions_for(store, "kaili", wid) == []
    next_morning(client)
    s = await phone(client)
    assert s.path == "/m/kaili/after/unmarked"
    one_question(s)
    assert s.question == "11月27日 的面试怎么样了？"
    s = await press(client, s, "#how-trouble")
    assert s.question == "您去了，是怎么回事？"
    s = await press(client, s, "button[name=reason][value=boss_absent]")
    assert s.path == "/m/kaili/worker/same"
    [ticket] = (await review_queue(store, "kaili")).disputes
    assert ticket["ref"] == ref and ticket["status"] == "booked"
    employer = await store.employer("kaili", ticket["employer_id"])
    assert employer is not None and employer["not_there"] == 1
    assert await questions_for(store, "kaili", wid) == []


async def test_i_went_and_had_the_interview(client: Client, auth: dict[str, str]) -> None:
    wid, ref = await booked(client, auth, None)
    next_morning(client)
    s = await press(client, await phone(client), "#how-attended")
    assert s.path == "/m/kaili/worker/same"
    store = client.state.store
    ticket = await store.get_ticket("kaili", ref)
    assert ticket is not None and ticket["status"] == "booked"
    queue = await review_queue(store, "kaili")
    assert not queue.disputes and not queue.explanations
    assert await questions_for(store, "kaili", wid) == []


async def test_i_did_not_go_before_the_boss_said_so(client: Client, auth: dict[str, str]) -> None:
    wid, ref = await booked(client, auth, None)
    next_morning(client)
    s = await press(client, await phone(client), "#how-busy")
    assert s.question == "是什么事没去成？"
    s = await press(client, s, "button[name=reason][value=sick]")
    assert s.path == "/m/kaili/worker/same"
    store = client.state.store
    [ticket] = (await review_queue(store, "kaili")).explanations
    assert ticket["ref"] == ref
    # The employer's "no-show" arrives afterwards: already explained, nothing to ask and
    # nothing counted against the worker while staff look at it.
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{ticket['job_id']}/outcomes",
        json={"worker_id": wid, "outcome": "no_show"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    assert await questions_for(store, "kaili", wid) == []
    assert await reliability(store, "kaili", wid) == 0
