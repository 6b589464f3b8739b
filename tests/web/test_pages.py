"""The HTML pages through the ASGI app: structure (parsed HTML) and behaviour."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import Client
from support.flow import employer_posts, get, press, worker_checks_in
from support.ops import login, new_visitor

from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


async def drain(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="pages-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass


async def test_picker_lists_the_four_markets(client: Client) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    page = soup(r.text)
    ids = [a["data-market"] for a in page.select("a.door[data-market]")]
    assert ids == ["kaili", "liping", "rongjiang", "jianhe"]
    assert page.select_one("html")["lang"] == "zh-CN"  # type: ignore[index]
    # Everything is served locally: no script or stylesheet from another host.
    for tag in page.select("script[src], link[href]"):
        src = str(tag.get("src") or tag.get("href"))
        assert src.startswith("/"), src
    assert page.select_one("script[src*='htmx-2.0.11.min.js']") is not None


async def test_home_has_two_doors(client: Client) -> None:
    page = soup((await client.get("/m/kaili/")).text)
    doors = page.select("nav.doors a.door")
    assert [d.select_one(".door-title").get_text() for d in doors] == ["我要找活", "我要招工"]  # type: ignore[union-attr]
    assert doors[0]["href"] == "/m/kaili/worker" and doors[1]["href"] == "/m/kaili/employer"
    assert (await client.get("/m/mars/")).status_code == 404


async def test_security_headers(client: Client) -> None:
    r = await client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script anywhere


async def test_english_switch(client: Client) -> None:
    r = await client.get("/lang/en", params={"next": "/m/kaili/"})
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/"
    page = soup((await client.get("/m/kaili/")).text)
    assert "I want work" in page.get_text()
    assert page.select_one("html")["lang"] == "en"  # type: ignore[index]
    r = await client.get("/lang/en", params={"next": "https://evil.example/"})
    assert r.headers["location"] == "/"


async def test_the_whole_loop_through_the_screens(client: Client) -> None:
    # A worker checks in at the kiosk.
    s = await worker_checks_in(client, "139 0000 0001", township="522601001")
    assert s.path == "/m/kaili/worker/offers"
    worker_cookies = dict(client.cookies)
    status = s.one(".status-card")
    assert status["data-status"] == "available"
    assert "139****0001" in status.get_text()
    # An employer on another device posts a matching job.
    await new_visitor(client)
    s = await employer_posts(client, "13800000000", headcount=2)
    job_url = s.path
    assert re.fullmatch(r"/m/kaili/jobs/\w+", job_url), s.url
    job_id = job_url.rsplit("/", 1)[1]
    employer_cookies = dict(client.cookies)
    await drain(client)
    # The worker sees the offer (htmx region) and accepts.
    client.cookies.clear()
    client.cookies.update(worker_cookies)
    region = soup((await client.get("/m/kaili/worker/offers", headers={"HX-Request": "true"})).text)
    offer = region.select_one("article.offer")
    assert offer is not None, region
    assert "200 元" in offer.get_text()
    accept = offer.select_one("button[hx-post*=accept]")
    assert accept is not None
    r = await client.post(str(accept["hx-post"]), headers={"HX-Request": "true"})
    assert r.status_code == 204
    ticket_url = r.headers["HX-Redirect"]
    ticket = soup((await client.get(ticket_url)).text)
    ref = ticket.select_one("#ticket-ref")
    assert ref is not None and re.fullmatch(r"KL1127-\d{3}", ref.get_text())
    assert ticket.select_one(".qr svg") is not None
    # The booked worker sees the employer's full number (issue 14), on their ticket only.
    assert ticket.select_one(".ticket-employer .phone-full").get_text() == "13800000000"  # type: ignore[union-attr]
    # The employer sees the booking and, from the interview time on, records the outcome.
    client.cookies.clear()
    client.cookies.update(employer_cookies)
    client.state.clock.set(client.state.clock.now().replace(hour=9, minute=30))
    job = soup((await client.get(job_url)).text)
    booking = job.select_one("li.booking")
    assert booking is not None and booking["data-status"] == "booked"
    hired = booking.select_one("button[hx-vals*=hired]")
    assert hired is not None
    r = await client.post(
        str(hired["hx-post"]),
        data={"worker_id": str(booking["data-worker"]), "outcome": "hired"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert soup(r.text).select_one("li.booking")["data-status"] == "hired"  # type: ignore[index]
    assert booking.select_one(".rate-actions") is None  # nothing to rate before the outcome
    # Two-way reputation: the employer rates the worker once the outcome is in.
    rated = soup(r.text).select_one("li.booking .rate-actions")
    assert rated is not None and rated["data-rated"] == ""
    down = rated.select_one("button.rate-down")
    assert down is not None
    r = await client.post(
        str(down["hx-post"]),
        data={"worker_id": str(booking["data-worker"]), "thumbs": "down"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    rated = soup(r.text).select_one("li.booking .rate-actions")
    assert rated is not None and rated["data-rated"] == "down"
    assert rated.get_text(strip=True) == "您的评价：不好"
    kept = await client.state.store.get_ticket("kaili", ref.get_text())
    assert kept is not None and kept["ratings"]["employer"]["thumbs"] == "down"
    # The operator's count went up (an operator signed in at another desk).
    await new_visitor(client)
    await login(client, markets=("kaili",))
    ops = soup((await client.get("/ops/")).text)
    cell = ops.select_one("tr[data-market=kaili] td[data-col=hired]")
    assert cell is not None and cell.get_text() == "1"
    assert ops.select_one("tr[data-market=kaili] td[data-col=bookings]").get_text() == "1"  # type: ignore[union-attr]
    # Someone else cannot record outcomes on this job.
    await new_visitor(client)
    r = await client.post(f"/m/kaili/jobs/{job_id}/outcome", data={"outcome": "no_show"})
    assert r.status_code == 404
    r = await client.post(f"/m/kaili/jobs/{job_id}/rate", data={"thumbs": "up"})
    assert r.status_code == 404


async def test_ticket_is_private(client: Client) -> None:
    r = await client.get("/m/kaili/tickets/KL1127-001")
    assert r.status_code == 404


async def test_leave_clears_the_session(client: Client) -> None:
    s = await worker_checks_in(client, "13900000001")
    assert s.path == "/m/kaili/worker/offers"
    assert (await client.get("/m/kaili/worker/offers")).status_code == 200
    r = await client.post("/m/kaili/leave")
    assert r.status_code == 303
    # The cookie itself is cleared, not only emptied on the server's side.
    assert "kz_session=null" in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    r = await client.get("/m/kaili/worker/offers")
    assert r.status_code == 303 and r.headers["location"].endswith("/m/kaili/worker")
    # And a half-done flow is gone too.
    r = await client.get("/m/kaili/worker/place")
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/worker"


async def test_pages_with_a_person_on_them_are_not_cached(client: Client) -> None:
    s = await worker_checks_in(client, "13900000001")
    assert s.response.headers["cache-control"] == "no-store"


async def test_board_masks_phones(client: Client) -> None:
    await test_the_whole_loop_through_the_screens(client)
    html = (await client.get("/m/kaili/board")).text
    assert not re.search(r"1[3-9]\d{9}", html)
    page = soup(html)
    [row] = page.select("table.jobs tr[data-job]")  # two places, one taken
    assert "还差 1 人" in row.get_text()
    assert "配对规则" in page.get_text()


KEY_LIKE = re.compile(
    r"\b(?:ask|flow|worker|employer|review|reach|unit|unit_choice|place|extras|offer|ticket"
    r"|idle|job|err|outcome|nav)\.[a-z_.]+\b"
)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_screen_is_translated(client: Client, lang: str) -> None:
    """Every screen of both flows, in both languages, shows words, never catalog keys."""
    await client.get(f"/lang/{lang}", params={"next": "/"})
    s = await worker_checks_in(client, "13900000001", township="522601001")
    pages = [s]
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    pages.append(s)
    s = await press(client, s, "button.btn-next", fill={"phone": "13900000001"})
    pages.append(s)  # the returning worker's "same as last time?"
    for step in ("skills", "skill?cat=services", "say", "place", "reach", "wage"):
        pages.append(await get(client, f"/m/kaili/worker/{step}"))
    await client.post("/m/kaili/leave")
    s = await employer_posts(client, "13800000000")
    pages.append(s)
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": "13800000000"})
    pages.append(s)  # today's jobs
    for step in ("skills", "say", "headcount", "headcount?more=1", "pay", "place", "time"):
        pages.append(await get(client, f"/m/kaili/employer/{step}"))
    for step in ("interview", "extras", "review"):
        pages.append(await get(client, f"/m/kaili/employer/{step}"))
    for page in pages:
        assert page.status == 200, page.url
        leaked = KEY_LIKE.findall(page.text())
        assert not leaked, (page.url, leaked)
        assert page.one("html")["lang"] == ("zh-CN" if lang == "zh" else "en")
