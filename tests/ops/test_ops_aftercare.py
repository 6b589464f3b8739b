"""The operators' after-work page (kiosk/ops/aftercare.py): disputes and no-show
explanations to accept or reject (with the effect on reliability), open wage arrears
and their CSV, employers with show-up incidents, the audit trail, and who may act."""

from __future__ import annotations

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, Client
from support.builders import checkin_body, job_body
from support.ops import login

from matcher.desk.after_work import reliability
from matcher.desk.audit import recent
from matcher.matching.worker import Matcher

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PAGE = "/ops/m/kaili/aftercare"
SKILLS = ("general_laborer", "porter", "cleaner")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

pytestmark = pytest.mark.usefixtures("redis")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


async def booked(client: Client, n: int, outcome: str) -> tuple[str, str]:
    """Worker n booked on their own one-place job, then the outcome: (worker, ref).
    Each worker has a skill of their own, so a job an earlier no-show reopened is not
    theirs."""
    skills = [SKILLS[n - 1]]
    wid = (
        await client.post(
            "/api/v1/markets/kaili/checkins", json=checkin_body(n, skills=skills), headers=AUTH
        )
    ).json()["worker_id"]
    job = (
        await client.post(
            "/api/v1/markets/kaili/jobs", json=job_body(headcount=1, skills=skills), headers=AUTH
        )
    ).json()
    m = Matcher(client.state.store, ["kaili"], name="ops-after")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    offers = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()
    [offer] = [o for o in offers if o["job_id"] == job["id"]]
    ref = (
        await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=AUTH)
    ).json()["ticket"]["ref"]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": wid, "outcome": outcome},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    return wid, ref


def row(page: BeautifulSoup, table: str, ref: str) -> Tag:
    found = page.select_one(f"table#{table} tr[data-ref='{ref}']")
    assert found is not None, page.get_text(" ", strip=True)[:600]
    return found


async def test_the_page_lists_all_four_queues(client: Client) -> None:
    store = client.state.store
    _a, disputed = await booked(client, 1, "no_show")
    await store.worker_answer("kaili", disputed, answer="dispute", reason="boss_absent")
    _b, explained = await booked(client, 2, "no_show")
    await store.worker_answer("kaili", explained, answer="explain", reason="family")
    _c, unpaid = await booked(client, 3, "hired")
    await store.report_pay("kaili", unpaid, paid="partial", paid_yuan=50)
    await login(client)
    r = await client.get(PAGE)
    assert r.status_code == 200
    page = soup(r.text)
    assert page.h1 is not None and page.h1.get_text(strip=True) == "工钱与申诉"
    assert "老板不在" in row(page, "disputes", disputed).get_text()
    assert "家里有事" in row(page, "explanations", explained).get_text()
    arrears = page.select("table#arrears tbody tr")
    assert len(arrears) == 1 and "王师傅" in arrears[0].get_text()
    assert [c.get_text(strip=True) for c in arrears[0].select("td.num")] == ["200", "50"]
    [employer] = page.select("table#incidents tbody tr")
    assert [c.get_text(strip=True) for c in employer.select("td.num")][:3] == ["0", "1", "1"]
    # Masked phones only.
    assert not FULL_PHONE.search(r.text)
    # The export is one link away, for a logged-in operator (no API token).
    link = page.select_one("a#arrears-csv")
    assert link is not None and link["href"] == "/ops/m/kaili/arrears.csv"
    export = await client.get(str(link["href"]))
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    [record] = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert (record["ticket"], record["agreed_yuan"], record["paid_yuan"]) == (unpaid, "200", "50")
    assert not FULL_PHONE.search(export.text)


async def test_rejecting_an_explanation_counts_the_no_show(client: Client) -> None:
    store = client.state.store
    wid, ref = await booked(client, 1, "no_show")
    await store.worker_answer("kaili", ref, answer="explain", reason="sick")
    await login(client)
    r = await client.post(PAGE, data={"ref": ref, "action": "reject", "note": "  三次了 "})
    assert r.status_code == 200
    page = soup(r.text)
    assert "这次没来会计入" in page.select_one(".form-ok").get_text()  # type: ignore[union-attr]
    assert page.select_one("table#explanations") is None
    assert await reliability(store, "kaili", wid) == 1
    [entry] = await recent(store.redis, markets={"kaili"})
    assert (entry.who, entry.action, entry.target) == ("operator-kaili", "aftercare.reject", ref)
    assert entry.before == {"review": "pending", "answer": "explain", "reason": "sick"}
    assert entry.after == {"review": "rejected", "note": "三次了"}
    # Deciding again (another operator was faster) says so.
    again = await client.post(PAGE, data={"ref": ref, "action": "accept"})
    assert again.status_code == 409
    assert "已经有人处理过了" in soup(again.text).get_text()


async def test_accepting_a_dispute(client: Client) -> None:
    store = client.state.store
    wid, ref = await booked(client, 1, "no_show")
    await store.worker_answer("kaili", ref, answer="dispute", reason="no_job")
    await login(client)
    r = await client.post(PAGE, data={"ref": ref, "action": "accept"})
    assert r.status_code == 200
    client.state.clock.advance(days=10)
    assert await reliability(store, "kaili", wid) == 0
    ticket = await store.get_ticket("kaili", ref)
    assert ticket is not None and ticket["review"] == "accepted"
    assert ticket["review_by"] == "operator-kaili"


async def test_bad_decisions_are_refused_plainly(client: Client) -> None:
    _wid, ref = await booked(client, 1, "no_show")
    await client.state.store.worker_answer("kaili", ref, answer="explain", reason="sick")
    await login(client)
    assert (await client.post(PAGE, data={"ref": ref, "action": "maybe"})).status_code == 422
    long = await client.post(PAGE, data={"ref": ref, "action": "accept", "note": "长" * 201})
    assert long.status_code == 422 and "200" in soup(long.text).get_text()
    assert (await client.post(PAGE, data={"ref": "nope", "action": "accept"})).status_code == 409


async def test_who_may_see_and_act(client: Client) -> None:
    _wid, ref = await booked(client, 1, "no_show")
    await client.state.store.worker_answer("kaili", ref, answer="explain", reason="sick")
    anonymous = await client.get(PAGE)
    assert anonymous.status_code in (302, 303) and "/ops/login" in anonymous.headers["location"]
    assert (await client.get("/ops/m/kaili/arrears.csv")).status_code == 401
    await login(client, markets=("liping",))
    assert (await client.get(PAGE)).status_code == 403
    assert (await client.post(PAGE, data={"ref": ref, "action": "accept"})).status_code == 403
    await client.post("/ops/logout")
    await login(client, role="bureau", markets=())
    r = await client.get(PAGE)
    assert r.status_code == 200
    assert row(soup(r.text), "explanations", ref).select("form") == []  # read only
    assert (await client.post(PAGE, data={"ref": ref, "action": "accept"})).status_code == 403
    ticket = await client.state.store.get_ticket("kaili", ref)
    assert ticket is not None and ticket["review"] == "pending"


async def test_arrears_are_followed_up_and_the_block_lifts(client: Client) -> None:
    """Two unpaid days block the employer from posting; once the staff recover one,
    the record leaves the open list and the employer may post again."""
    store = client.state.store
    refs = []
    for n in (1, 2):
        _w, ref = await booked(client, n, "hired")
        await store.report_pay("kaili", ref, paid="no")
        refs.append(ref)
    [first, second] = await store.arrears("kaili")
    employer_id = first["employer_id"]
    employer = await store.employer("kaili", employer_id)
    assert employer is not None and employer["blocked"] == "arrears"
    await login(client)
    # Closing needs a reason; a bad action is refused.
    r = await client.post(PAGE, data={"arrears": first["id"], "action": "closed"})
    assert r.status_code == 422 and "写明原因" in r.text
    r = await client.post(PAGE, data={"arrears": first["id"], "action": "pay_me"})
    assert r.status_code == 422
    r = await client.post(
        PAGE, data={"arrears": first["id"], "action": "recovered", "note": "老板补发了"}
    )
    assert r.status_code == 200 and "已记为追回" in r.text
    page = soup(r.text)
    assert [tr["data-arrears"] for tr in page.select("table#arrears tbody tr")] == [second["id"]]
    employer = await store.employer("kaili", employer_id)
    assert employer is not None and employer["arrears_open"] == 1
    assert not employer.get("blocked")
    # Settled once: a second press (another desk) says so.
    r = await client.post(PAGE, data={"arrears": first["id"], "action": "closed", "note": "x"})
    assert r.status_code == 409
    r = await client.post(PAGE, data={"arrears": second["id"], "action": "referred"})
    assert r.status_code == 200
    assert await store.arrears("kaili") == []
    closed = {a["id"]: a for a in await store.arrears("kaili", open_only=False)}
    assert closed[first["id"]]["status"] == "recovered"
    assert closed[first["id"]]["settled_note"] == "老板补发了"
    assert closed[second["id"]]["status"] == "referred"
    trail = [(e.action, e.target) for e in await recent(store.redis)]
    assert ("arrears.recovered", first["id"]) in trail
    assert ("arrears.referred", second["id"]) in trail
