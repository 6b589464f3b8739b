"""The HTML pages through the ASGI app: structure (parsed HTML) and behaviour."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import Client

from matcher.queue import Matcher

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def form_fields(page: BeautifulSoup, **values: str | list[str]) -> dict[str, str | list[str]]:
    """The form as a browser would send it: hidden fields plus what the person chose."""
    form = page.select_one("form.kform")
    assert form is not None
    data: dict[str, str | list[str]] = {}
    for inp in form.select("input[type=hidden]"):
        data[str(inp["name"])] = str(inp.get("value", ""))
    for sel in form.select("select"):
        chosen = sel.select_one("option[selected]") or sel.select_one("option")
        if chosen is not None:
            data[str(sel["name"])] = str(chosen["value"])
    for inp in form.select("input[type=radio][checked], input[type=time], input[type=number]"):
        if inp.get("value"):
            data[str(inp["name"])] = str(inp["value"])
    data.update(values)
    return data


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


async def test_worker_form_shows_skill_tiles_and_request_id(client: Client) -> None:
    page = soup((await client.get("/m/kaili/worker")).text)
    rid = page.select_one("input[name=request_id]")
    assert rid is not None and len(str(rid["value"])) >= 16
    tiles = page.select("fieldset.tiles input[name=skills]")
    assert len(tiles) == 80
    assert {str(t["value"]) for t in tiles} >= {"general_laborer", "bricklayer"}
    assert len(page.select("input[name=reach]")) == 3


async def test_the_whole_loop_through_the_forms(client: Client) -> None:
    # Worker checks in.
    page = soup((await client.get("/m/kaili/worker")).text)
    data = form_fields(page, phone="139 0000 0001", name="李", skills=["general_laborer"])
    r = await client.post("/m/kaili/worker", data=data)
    assert r.status_code == 303 and r.headers["location"].endswith("/m/kaili/worker/offers")
    worker_cookies = dict(client.cookies)
    offers_page = soup((await client.get("/m/kaili/worker/offers")).text)
    status = offers_page.select_one(".status-card")
    assert status is not None and status["data-status"] == "available"
    assert "139****0001" in status.get_text()
    # An employer on another device posts a matching job.
    client.cookies.clear()
    page = soup((await client.get("/m/kaili/employer")).text)
    data = form_fields(
        page,
        title="招两个搬砖的小工",
        skills=["general_laborer"],
        headcount="2",
        wage_yuan="220",
        employer_name="王师傅",
        employer_phone="13800000000",
    )
    r = await client.post("/m/kaili/employer", data=data)
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    job_id = job_url.rsplit("/", 1)[1]
    employer_cookies = dict(client.cookies)
    await drain(client)
    # The worker sees the offer (htmx region) and accepts.
    client.cookies.clear()
    client.cookies.update(worker_cookies)
    region = soup((await client.get("/m/kaili/worker/offers", headers={"HX-Request": "true"})).text)
    offer = region.select_one("article.offer")
    assert offer is not None, region
    assert "220 元" in offer.get_text()
    accept = offer.select_one("button[hx-post*=accept]")
    assert accept is not None
    r = await client.post(str(accept["hx-post"]), headers={"HX-Request": "true"})
    assert r.status_code == 204
    ticket_url = r.headers["HX-Redirect"]
    ticket = soup((await client.get(ticket_url)).text)
    ref = ticket.select_one("#ticket-ref")
    assert ref is not None and re.fullmatch(r"KL1127-\d{3}", ref.get_text())
    assert ticket.select_one(".qr svg") is not None
    assert "138****0000" in ticket.get_text() and "13800000000" not in ticket.get_text()
    # The employer sees the booking and records the outcome.
    client.cookies.clear()
    client.cookies.update(employer_cookies)
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
    # The operator's count went up.
    ops = soup((await client.get("/ops/")).text)
    cell = ops.select_one("tr[data-market=kaili] td[data-col=hired]")
    assert cell is not None and cell.get_text() == "1"
    assert ops.select_one("tr[data-market=kaili] td[data-col=bookings]").get_text() == "1"  # type: ignore[union-attr]
    # Someone else cannot record outcomes on this job.
    client.cookies.clear()
    r = await client.post(f"/m/kaili/jobs/{job_id}/outcome", data={"outcome": "no_show"})
    assert r.status_code == 404


async def test_double_submit_posts_one_job(client: Client) -> None:
    page = soup((await client.get("/m/kaili/employer")).text)
    data = form_fields(
        page,
        title="砌墙师傅",
        skills=["bricklayer"],
        headcount="1",
        employer_name="王",
        employer_phone="13800000000",
    )
    first = await client.post("/m/kaili/employer", data=data)
    second = await client.post("/m/kaili/employer", data=data)
    assert first.headers["location"] == second.headers["location"]
    jobs = (await client.get("/api/v1/markets/kaili/jobs")).json()
    assert len(jobs) == 1


async def test_bad_input_is_shown_and_kept(client: Client) -> None:
    page = soup((await client.get("/m/kaili/worker")).text)
    data = form_fields(page, phone="12345", name="李", skills=["general_laborer"])
    r = await client.post("/m/kaili/worker", data=data)
    assert r.status_code == 422
    again = soup(r.text)
    err = again.select_one(".field-error[data-field=phone]")
    assert err is not None and "手机号" in err.get_text()
    assert again.select_one("input[name=name]")["value"] == "李"  # type: ignore[index]
    assert again.select_one("input[name=skills][value=general_laborer]").has_attr("checked")  # type: ignore[union-attr]
    # The same request id is kept, so a corrected resubmission is still one check-in.
    assert again.select_one("input[name=request_id]")["value"] == data["request_id"]  # type: ignore[index]
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["checkins"] == 0


async def test_employer_form_errors_name_fields(client: Client) -> None:
    page = soup((await client.get("/m/kaili/employer")).text)
    data = form_fields(
        page, title="", headcount="1", wage_yuan="0", employer_name="王", employer_phone="1"
    )
    r = await client.post("/m/kaili/employer", data=data)
    assert r.status_code == 422
    fields = {e["data-field"] for e in soup(r.text).select(".field-error")}
    assert {"title", "wage_yuan", "employer_phone"} <= fields


async def test_ticket_is_private(client: Client) -> None:
    r = await client.get("/m/kaili/tickets/KL1127-001")
    assert r.status_code == 404


async def test_leave_clears_the_session(client: Client) -> None:
    page = soup((await client.get("/m/kaili/worker")).text)
    data = form_fields(page, phone="13900000001", skills=["general_laborer"])
    await client.post("/m/kaili/worker", data=data)
    assert (await client.get("/m/kaili/worker/offers")).status_code == 200
    r = await client.post("/m/kaili/leave")
    assert r.status_code == 303
    r = await client.get("/m/kaili/worker/offers")
    assert r.status_code == 303 and r.headers["location"].endswith("/m/kaili/worker")


async def test_board_masks_phones(client: Client) -> None:
    await test_the_whole_loop_through_the_forms(client)
    html = (await client.get("/m/kaili/board")).text
    assert not re.search(r"1[3-9]\d{9}", html)
    page = soup(html)
    [row] = page.select("table.jobs tr[data-job]")  # two places, one taken
    assert "还差 1 人" in row.get_text()
    assert "配对规则" in page.get_text()
