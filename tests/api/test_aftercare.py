"""After the interview: pay confirmation, wage arrears, disputes, ratings and blocks."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import Client
from support.builders import checkin_body, job_body

from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")


async def _hired(
    client: Client, auth: dict[str, str], n: int = 1, **job: object
) -> tuple[str, str, str]:
    """A worker booked and hired on a job: (worker id, job id, ticket ref)."""
    wid = (
        await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(n), headers=auth)
    ).json()["worker_id"]
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(headcount=1, **job), headers=auth
    )
    job_id = r.json()["id"]
    m = Matcher(client.state.store, ["kaili"], name="after")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    offer = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()[0]
    ref = (
        await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=auth)
    ).json()["ticket"]["ref"]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job_id}/outcomes",
        json={"worker_id": wid, "outcome": "hired"},
        headers=auth,
    )
    assert r.status_code == 200
    return wid, job_id, ref


async def test_unpaid_wages_become_an_arrears_record(client: Client, auth: dict[str, str]) -> None:
    _wid, _job, ref = await _hired(client, auth)
    r = await client.post(
        f"/api/v1/markets/kaili/tickets/{ref}/pay",
        json={"paid": "partial", "paid_yuan": 80},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["pay"] == "partial"
    [record] = (await client.get("/api/v1/markets/kaili/arrears", headers=auth)).json()
    # What the national complaint channel asks for: who, where, when, what, agreed, paid.
    assert record["employer_name"] == "王师傅" and record["employer_phone_masked"] == "138****0000"
    assert record["place"] == "522601001" and record["day"] == "2026-11-27"
    assert record["work"] == "招两个搬砖的小工"
    assert (record["agreed_yuan"], record["paid_yuan"]) == (200, 80)
    export = (await client.get("/api/v1/markets/kaili/arrears.csv", headers=auth)).text
    rows = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    assert rows[0]["agreed_yuan"] == "200" and rows[0]["paid_yuan"] == "80"
    assert "13800000000" not in export
    # Reporting again is the same answer, not a second record.
    r = await client.post(
        f"/api/v1/markets/kaili/tickets/{ref}/pay", json={"paid": "no"}, headers=auth
    )
    assert r.status_code == 200
    assert len((await client.get("/api/v1/markets/kaili/arrears", headers=auth)).json()) == 1


async def test_repeated_arrears_block_the_employer(client: Client, auth: dict[str, str]) -> None:
    for n in (1, 2):
        _wid, _job, ref = await _hired(client, auth, n, title=f"搬砖 第{n}天")
        await client.post(
            f"/api/v1/markets/kaili/tickets/{ref}/pay", json={"paid": "no"}, headers=auth
        )
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(title="又来招工"), headers=auth
    )
    assert r.status_code == 403
    assert "欠薪" in r.json()["error"]["message"]
    other = job_body(title="别的老板", employer_phone="13700000000")
    assert (
        await client.post("/api/v1/markets/kaili/jobs", json=other, headers=auth)
    ).status_code == 201


async def test_pay_only_after_a_hire(client: Client, auth: dict[str, str]) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/tickets/KL1127-999/pay", json={"paid": "no"}, headers=auth
    )
    assert r.status_code == 404
    r = await client.post(
        "/api/v1/markets/kaili/tickets/X/pay", json={"paid": "maybe"}, headers=auth
    )
    assert r.status_code == 422 and "paid" in r.json()["error"]["fields"]


async def test_a_dispute_goes_to_the_operators(client: Client, auth: dict[str, str]) -> None:
    _wid, _job, ref = await _hired(client, auth)
    r = await client.post(
        f"/api/v1/markets/kaili/tickets/{ref}/answer",
        json={"answer": "dispute", "reason": "boss_absent"},
        headers=auth,
    )
    assert r.status_code == 200
    [ticket] = (await client.get("/api/v1/markets/kaili/disputes", headers=auth)).json()
    assert ticket["ref"] == ref and ticket["worker_reason"] == "boss_absent"
    employer = await client.state.store.employer("kaili", ticket["employer_id"])
    assert employer is not None and employer["incidents"] == 1


async def test_a_worker_who_blocks_an_employer_is_never_offered_their_jobs(
    client: Client, auth: dict[str, str]
) -> None:
    wid, _job, ref = await _hired(client, auth)
    r = await client.post(
        f"/api/v1/markets/kaili/tickets/{ref}/rating",
        json={"by": "worker", "thumbs": "down", "reason": "骂人", "block": True},
        headers=auth,
    )
    assert r.status_code == 200
    # Next day the same worker checks in and the same employer posts again.
    client.state.clock.advance(days=1)
    client.state.clock.set(client.state.clock.now().replace(hour=8, minute=0))
    await client.post(
        "/api/v1/markets/kaili/checkins",
        json=checkin_body(1, available_until="2026-11-28T18:00:00+08:00"),
        headers=auth,
    )
    body = job_body(
        start_at="2026-11-28T10:00:00+08:00",
        end_at="2026-11-28T17:00:00+08:00",
        interview_at="2026-11-28T09:30:00+08:00",
    )
    assert (
        await client.post("/api/v1/markets/kaili/jobs", json=body, headers=auth)
    ).status_code == 201
    m = Matcher(client.state.store, ["kaili"], name="after2")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    assert (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json() == []


async def test_cancel_after_bookings_is_recorded(client: Client, auth: dict[str, str]) -> None:
    """Show-up protection: people were told to come, then the employer cancelled."""
    wid = (
        await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(5), headers=auth)
    ).json()["worker_id"]
    job = (await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)).json()
    m = Matcher(client.state.store, ["kaili"], name="after3")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    offer = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()[0]
    await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=auth)
    await client.post(f"/api/v1/markets/kaili/jobs/{job['id']}/cancel", headers=auth)
    record = await client.state.store.get_job_record("kaili", job["id"])
    assert record is not None
    employer = await client.state.store.employer("kaili", record["employer_id"])
    assert employer is not None and employer["late_cancels"] == 1 and employer["incidents"] == 1


async def test_a_no_show_explained_over_the_api(client: Client, auth: dict[str, str]) -> None:
    wid, job_id, ref = await _hired(client, auth)
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job_id}/outcomes",
        json={"worker_id": wid, "outcome": "no_show"},
        headers=auth,
    )
    assert r.status_code == 200
    url = f"/api/v1/markets/kaili/tickets/{ref}/answer"
    r = await client.post(url, json={"answer": "explain", "reason": "sick"}, headers=auth)
    assert r.status_code == 200 and r.json()["ticket"]["review"] == "pending"
    [ticket] = (await client.get("/api/v1/markets/kaili/disputes", headers=auth)).json()
    assert (ticket["worker_answer"], ticket["worker_reason"]) == ("explain", "sick")
    # One answer per ticket: another is refused, plainly.
    r = await client.post(url, json={"answer": "dispute", "reason": "no_job"}, headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "answered"
    r = await client.post(url, json={"answer": "explain", "reason": "bored"}, headers=auth)
    assert r.status_code == 422 and "reason" in r.text
