"""Issue 14 at the kiosk, screen by screen (HTML parsed): the ticket with the employer's
full number and its signed public link, the booking shown again to a worker who types
their number, a gone offer's card saying why and the next offer's new card, the
employer's job code and the outcome buttons from the interview time on, and the
address of an on-site interview."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import MORNING, Client, drain
from support.builders import checkin_body, job_body
from support.flow import Screen, get, press, soup, worker_checks_in
from support.ops import new_visitor

from matcher.desk import audit
from matcher.matching.worker import Matcher
from matcher.store.keys import CODE_TRIES_MAX

pytestmark = pytest.mark.usefixtures("redis")

API = "/api/v1/markets/kaili"
EMPLOYER = "13812345678"
WORKER = "13900000001"
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


async def matcher_pass(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="contact-pages")
    await m.ensure_groups()
    await drain(m)


async def api_job(client: Client, auth: dict[str, str], **kw: Any) -> dict[str, Any]:
    body = job_body(employer_phone=EMPLOYER, headcount=1, **kw)
    r = await client.post(f"{API}/jobs", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def carried(s: Screen | None) -> dict[str, str]:
    """What a shown region sends back with its poll and buttons: what it shows."""
    if s is None:
        return {}
    return {
        str(i["name"]): str(i["value"])
        for i in s.page.select("input[type=hidden]")
        if i["name"] in ("shown", "fresh")
    }


async def region(client: Client, before: Screen | None = None) -> Screen:
    """The worker's live region, as its poll fetches it (after ``before``)."""
    r = await client.get(
        "/m/kaili/worker/offers", params=carried(before), headers={"HX-Request": "true"}
    )
    assert r.status_code == 200, r.status_code
    return Screen(r, soup(r.text))


async def accept(client: Client, s: Screen) -> Screen:
    button = s.one("article.offer button[hx-post*=accept]")
    r = await client.post(str(button["hx-post"]), headers={"HX-Request": "true"})
    assert r.status_code == 204, r.text
    return await get(client, r.headers["HX-Redirect"])


async def booked_at_kiosk(client: Client, auth: dict[str, str], **job: Any) -> tuple[Screen, str]:
    """A worker checks in at the kiosk, a job comes, the worker takes it: the ticket."""
    await worker_checks_in(client, WORKER)
    posted = await api_job(client, auth, **job)
    await matcher_pass(client)
    return await accept(client, await region(client)), str(posted["id"])


async def test_the_ticket_shows_the_employer_full_number_to_the_worker_only(
    client: Client, auth: dict[str, str]
) -> None:
    ticket, _job = await booked_at_kiosk(client, auth)
    ref = ticket.one("#ticket-ref").get_text()
    assert ticket.one(".ticket-employer .phone-full").get_text() == EMPLOYER
    assert ticket.one(".ticket-employer a.phone-full")["href"] == f"tel:{EMPLOYER}"
    assert ticket.one(".ticket-worker").get_text(strip=True) == "139****0001"
    [entry] = await audit.recent(client.state.store.redis, markets={"kaili"})
    assert (entry.action, entry.target, entry.role) == ("phone.reveal", ref, "worker")
    assert entry.after["whose"] == "employer" and entry.after["device"]
    # The QR code holds the signed public link, not the page's own.
    link = str(ticket.one(".qr")["data-link"])
    assert re.search(rf"/m/kaili/t/{ref}\?x=\d+&s=[\w-]+$", link), link
    # Anyone else: the slip's older key shows the ticket masked; nothing otherwise.
    offer_id = (await client.state.store.get_ticket("kaili", ref))["offer_id"]  # type: ignore[index]
    await new_visitor(client)
    masked = await get(client, f"/m/kaili/tickets/{ref}?k={offer_id}")
    assert masked.status == 200 and masked.page.select_one(".phone-full") is None
    assert not FULL_PHONE.search(masked.response.text)
    assert (await get(client, f"/m/kaili/tickets/{ref}")).status == 404
    assert len(await audit.recent(client.state.store.redis, markets={"kaili"})) == 1


async def test_the_qr_link_opens_a_masked_ticket_until_it_expires(
    client: Client, auth: dict[str, str]
) -> None:
    ticket, _job = await booked_at_kiosk(
        client, auth, interview_place="干活现场", interview_address="万达广场北门"
    )
    ref = ticket.one("#ticket-ref").get_text()
    link = urlsplit(str(ticket.one(".qr")["data-link"]))
    url = f"{link.path}?{link.query}"
    # A phone: no session, no kiosk enrolment.
    client.cookies.clear()
    public = await get(client, url)
    assert public.status == 200, public.text()
    assert public.one("#ticket-ref").get_text() == ref
    assert public.one(".ticket-where").get_text() == "干活现场"
    assert public.one(".ticket-address").get_text() == "万达广场北门"
    assert public.one(".ticket-employer").get_text(strip=True).endswith("138****5678")
    assert not FULL_PHONE.search(public.response.text)
    assert public.page.select_one("[data-idle-seconds]") is None  # a phone's own page
    assert "2026-12-04 以后失效" in public.one(".public-note").get_text()
    # Another ticket's ref, a changed expiry or signature: not found.
    x, s = re.findall(r"[xs]=([\w-]+)", link.query)
    for bad in (
        f"/m/kaili/t/KL1127-999?x={x}&s={s}",
        f"/m/kaili/t/{ref}?x={int(x) + 86400}&s={s}",
        f"/m/kaili/t/{ref}?x={x}&s=AAAA{s[4:]}",
        f"/m/kaili/t/{ref}",
    ):
        gone = await get(client, bad)
        assert gone.status == 404 and gone.page.select_one(".public-gone") is not None, bad
    # A week after the work day the link is spent.
    client.state.clock.set(MORNING + timedelta(days=8))
    assert (await get(client, url)).status == 404


async def test_a_booked_worker_typing_the_number_again_sees_the_booking(
    client: Client, auth: dict[str, str]
) -> None:
    ticket, _job = await booked_at_kiosk(client, auth)
    ref = ticket.one("#ticket-ref").get_text()
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": WORKER})
    assert s.path == f"/m/kaili/tickets/{ref}", s.url
    assert "不用再登记" in s.one(".notice").get_text()
    assert s.page.select_one("#same-yes") is None
    assert s.one(".ticket-employer .phone-full").get_text() == EMPLOYER
    # Another worker's number checks in as usual.
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": "13900000002"})
    assert s.path == "/m/kaili/worker/skills"


async def test_a_gone_offer_says_why_and_the_next_is_a_new_card(
    client: Client, auth: dict[str, str]
) -> None:
    await worker_checks_in(client, WORKER)
    first = await api_job(client, auth, title="招小工搬砖")
    await matcher_pass(client)
    s = await region(client)
    [card] = s.page.select("article.offer")
    first_offer = str(card["data-offer"])
    assert card.select_one(".new-tag") is None
    # The employer cancels: the card stays where it was and says why.
    assert (await client.post(f"{API}/jobs/{first['id']}/cancel", headers=auth)).status_code == 200
    s = await region(client, s)
    gone = s.one("article.offer-gone")
    assert (gone["data-offer"], gone["data-why"]) == (first_offer, "cancelled")
    assert gone.select_one(".why").get_text() == "老板取消了这个活。"  # type: ignore[union-attr]
    assert "招小工搬砖" in gone.get_text()
    assert s.page.select("article.offer") == []
    # The next offer: a new card, below the gone one, marked as new.
    await api_job(client, auth, title="招小工挖土")
    await matcher_pass(client)
    s = await region(client, s)
    cards = s.page.select("article.offer-gone, article.offer")
    assert [c["class"][0] for c in cards] == ["offer-gone", "offer"]
    new = cards[1]
    assert new["data-offer"] != first_offer and "offer-new" in new["class"]
    assert new.select_one(".new-tag").get_text() == "新的活"  # type: ignore[union-attr]
    assert "招小工挖土" in new.get_text()
    # In English too.
    client.cookies.set("kz_lang", "en", domain="kz.test")
    s = await region(client, s)
    assert s.one("article.offer-gone .why").get_text() == "The employer cancelled this job."
    assert s.one("article.offer .new-tag").get_text() == "New job"
    client.cookies.delete("kz_lang", domain="kz.test")
    # 知道了: the gone card leaves; the new one stays.
    ok = s.one("article.offer-gone button.btn-ok")
    r = await client.post(str(ok["hx-post"]), data=carried(s), headers={"HX-Request": "true"})
    assert r.status_code == 200
    after = soup(r.text)
    assert after.select("article.offer-gone") == [] and len(after.select("article.offer")) == 1


async def test_an_offer_the_worker_never_saw_goes_without_a_card(
    client: Client, auth: dict[str, str]
) -> None:
    await worker_checks_in(client, WORKER)
    job = await api_job(client, auth)
    await matcher_pass(client)
    assert (await client.post(f"{API}/jobs/{job['id']}/cancel", headers=auth)).status_code == 200
    s = await region(client)
    assert s.page.select("article.offer-gone, article.offer") == []


async def _employer_with_booking(client: Client, auth: dict[str, str]) -> tuple[Screen, str, str]:
    """An employer posts at the kiosk (interview at 09:30, the screens' default); a
    worker books through the API. The employer's job page, its path and code."""
    from support.flow import employer_posts

    s = await employer_posts(client, EMPLOYER, headcount=1)
    job_path = s.path
    code = s.one("#job-code").get_text(strip=True)
    assert re.fullmatch(r"\d{6}", code)
    r = await client.post(f"{API}/checkins", json=checkin_body(1), headers=auth)
    wid = r.json()["worker_id"]
    await matcher_pass(client)
    [offer] = (await client.get(f"{API}/workers/{wid}/offers")).json()
    assert (
        await client.post(f"{API}/offers/{offer['id']}/accept", headers=auth)
    ).status_code == 200
    return await get(client, job_path), job_path, code


async def test_the_employer_sees_the_worker_number_and_outcomes_from_the_interview_on(
    client: Client, auth: dict[str, str]
) -> None:
    page, job_path, _code = await _employer_with_booking(client, auth)
    booking = page.one("li.booking")
    assert booking.select_one(".phone-full").get_text() == WORKER  # type: ignore[union-attr]
    assert booking.select("button[hx-vals*=hired]") == []
    assert "09:30" in booking.select_one(".outcomes-later").get_text()  # type: ignore[union-attr]
    # The page's own poll: a full number only in a page that is sent, each audited.
    entries = await audit.recent(client.state.store.redis, markets={"kaili"})
    assert [(e.action, e.role) for e in entries] == [("phone.reveal", "employer")]
    # Sent anyway, before the interview: refused.
    r = await client.post(
        f"{job_path}/outcome",
        data={"worker_id": str(booking["data-worker"]), "outcome": "no_show"},
        headers={"HX-Request": "true"},
    )
    assert (
        r.status_code == 409
        and "面试时间还没到" in soup(r.text).select_one(".form-error").get_text()
    )  # type: ignore[union-attr]
    client.state.clock.set(MORNING.replace(minute=30))
    page = await get(client, job_path)
    hired = page.one("li.booking button[hx-vals*=hired]")
    r = await client.post(
        str(hired["hx-post"]),
        data={"worker_id": str(page.one("li.booking")["data-worker"]), "outcome": "hired"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and soup(r.text).select_one("li.booking")["data-status"] == "hired"  # type: ignore[index]


async def test_the_employer_comes_back_with_the_job_code(
    client: Client, auth: dict[str, str]
) -> None:
    _page, job_path, code = await _employer_with_booking(client, auth)
    await new_visitor(client)  # the kiosk was reset; the employer comes back later
    page = await get(client, job_path)
    assert page.page.select_one("#job-code") is None and page.page.select_one(".phone-full") is None
    assert not FULL_PHONE.search(page.response.text)
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": EMPLOYER})
    s = await press(client, s, "button[name=job]")
    assert s.path == f"{job_path}/code"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    s = await press(client, s, "button.btn-next", fill={"code": wrong})
    assert s.status == 422 and s.one(".form-error").get_text() == "招工码不对，请再看一下。"
    s = await press(client, s, "button.btn-next", fill={"code": f" {code[:3]} {code[3:]} "})
    assert s.path == job_path
    assert s.one("#job-code").get_text() == code
    assert s.one("li.booking .phone-full").get_text() == WORKER
    # Guessing at a shared kiosk stops after a few tries, right code or not.
    await new_visitor(client)
    for _ in range(CODE_TRIES_MAX):
        r = await client.post(f"{job_path}/code", data={"code": wrong})
    assert r.status_code == 429 and "15 分钟" in r.text
    r = await client.post(f"{job_path}/code", data={"code": code})
    assert r.status_code == 429


async def test_an_on_site_interview_asks_for_its_address(
    client: Client, auth: dict[str, str]
) -> None:
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": EMPLOYER})
    s = await get(client, "/m/kaili/employer/skill?cat=construction")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await press(client, s, "button[name=headcount][value='1']")
    for step in ("pay", "place", "time"):
        assert s.path == f"/m/kaili/employer/{step}", s.url
        s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/employer/interview"
    assert s.one("input#interview-address")["name"] == "address"
    s = await press(client, s, "button.btn-next", tick=["onsite"])
    assert s.path == "/m/kaili/employer/interview"
    assert "地址" in s.one(".form-error").get_text()
    s = await press(
        client, s, "button.btn-next", tick=["onsite"], fill={"address": "城西 加油站对面"}
    )
    assert s.path == "/m/kaili/employer/extras"
    s = await press(client, s, "button.btn-next")
    assert "干活现场 · 城西 加油站对面" in s.one(".review-row[data-row=interview]").get_text()
    s = await press(client, s, "button.btn-next")
    job = s.one(".job-card")
    assert "城西 加油站对面" in job.select_one(".job-address").get_text()  # type: ignore[union-attr]
    stored = await client.state.store.get_job("kaili", str(job["data-job"]))
    assert stored is not None and stored["interview_address"] == "城西 加油站对面"
