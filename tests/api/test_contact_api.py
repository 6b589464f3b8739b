"""Issue 14's rules through the JSON API (docs/API.md, "Extension: reaching each other"):
an on-site interview needs its address, the poster learns the job's code, outcomes
only from the interview on, an employer rates only a decided ticket, no two bookings
at once, a withdrawn offer says why, and no full number ever leaves the API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import MORNING, Client
from support.builders import at, checkin_body, job_body

from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")

API = "/api/v1/markets/kaili"
EMPLOYER = "13812345678"
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


async def run_matcher(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="contact-api")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass


async def post_job(client: Client, auth: dict[str, str], **kw: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/jobs", json=job_body(employer_phone=EMPLOYER, **kw), headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def check_in(client: Client, auth: dict[str, str], n: int = 1, **kw: Any) -> str:
    r = await client.post(f"{API}/checkins", json=checkin_body(n, **kw), headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["worker_id"])


async def offers(client: Client, wid: str) -> list[dict[str, Any]]:
    return list((await client.get(f"{API}/workers/{wid}/offers")).json())


async def book(client: Client, auth: dict[str, str], **job: Any) -> tuple[str, dict[str, Any], str]:
    wid = await check_in(client, auth)
    posted = await post_job(client, auth, headcount=1, **job)
    await run_matcher(client)
    [offer] = [o for o in await offers(client, wid) if o["status"] == "pending"]
    r = await client.post(f"{API}/offers/{offer['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text
    return wid, posted, str(r.json()["ticket"]["ref"])


async def test_an_on_site_interview_needs_an_address(client: Client, auth: dict[str, str]) -> None:
    for address in ("", "   ", "3号", "!!"):
        r = await client.post(
            f"{API}/jobs",
            json=job_body(interview_place="干活现场", interview_address=address),
            headers=auth,
        )
        assert r.status_code == 422, (address, r.text)
        assert set(r.json()["error"]["fields"]) == {"interview_address"}
        assert "地址" in r.json()["error"]["fields"]["interview_address"]
    job = await post_job(
        client, auth, interview_place="干活现场", interview_address=" 凯里开发区 万达广场北门 "
    )
    assert (job["interview_place"], job["interview_address"]) == (
        "干活现场",
        "凯里开发区 万达广场北门",
    )
    # At a market desk no address is asked for (one sent is not kept).
    desk = await post_job(client, auth, interview_place="2号洽谈桌", interview_address="随便")
    assert desk["interview_address"] == ""
    got = (await client.get(f"{API}/jobs/{job['id']}")).json()
    assert got["interview_address"] == "凯里开发区 万达广场北门"


async def test_the_poster_alone_learns_the_job_code(client: Client, auth: dict[str, str]) -> None:
    job = await post_job(client, auth)
    assert re.fullmatch(r"\d{6}", job["code"])
    got = (await client.get(f"{API}/jobs/{job['id']}")).json()
    listed = (await client.get(f"{API}/jobs")).json()
    assert "code" not in got and all("code" not in j for j in listed)


async def test_outcomes_only_from_the_interview_on(client: Client, auth: dict[str, str]) -> None:
    wid, job, _ref = await book(client, auth, interview_at=at("09:40"))
    body = {"worker_id": wid, "outcome": "no_show"}
    r = await client.post(f"{API}/jobs/{job['id']}/outcomes", json=body, headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_early", r.text
    assert "面试时间还没到" in r.json()["error"]["message"]
    client.state.clock.set(MORNING.replace(minute=40))
    r = await client.post(f"{API}/jobs/{job['id']}/outcomes", json=body, headers=auth)
    assert r.status_code == 200 and r.json()["ticket"]["status"] == "no_show", r.text


async def test_an_employer_rates_only_a_decided_ticket(
    client: Client, auth: dict[str, str]
) -> None:
    wid, job, ref = await book(client, auth)
    rating = {"by": "employer", "thumbs": "up"}
    r = await client.post(f"{API}/tickets/{ref}/rating", json=rating, headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "rate_after_outcome", r.text
    outcome = {"worker_id": wid, "outcome": "hired"}
    r = await client.post(f"{API}/jobs/{job['id']}/outcomes", json=outcome, headers=auth)
    assert r.status_code == 200
    r = await client.post(f"{API}/tickets/{ref}/rating", json=rating, headers=auth)
    assert r.status_code == 200 and r.json()["ticket"]["ratings"]["employer"]["thumbs"] == "up"


async def test_no_second_booking_at_the_same_time(client: Client, auth: dict[str, str]) -> None:
    wid, morning, _ref = await book(client, auth, start_at=at("10:00"), end_at=at("12:00"))
    outcome = {"worker_id": wid, "outcome": "hired"}
    r = await client.post(f"{API}/jobs/{morning['id']}/outcomes", json=outcome, headers=auth)
    assert r.status_code == 200
    # Hired, and back for more work ("again"): available, for work that does not clash.
    r = await client.post(f"{API}/checkins", json=checkin_body(1, again=True), headers=auth)
    assert r.status_code == 201 and r.json()["status"] == "available", r.text
    clash = await post_job(
        client,
        auth,
        headcount=1,
        interview_at=at("11:00"),
        start_at=at("11:30"),
        end_at=at("15:00"),
    )
    await run_matcher(client)
    assert [o for o in await offers(client, wid) if o["job_id"] == clash["id"]] == []
    # The accept script refuses it too: an offer made before the first booking, say.
    store = client.state.store
    k = store.keys("kaili")
    forced = {
        "id": "oclash",
        "job_id": clash["id"],
        "worker_id": wid,
        "status": "pending",
        "day": "2026-11-27",
        "created_ms": 1,
        "expires_ms": 9_999_999_999_999,
    }
    await store.redis.hset(k.offers, "oclash", json.dumps(forced))
    r = await client.post(f"{API}/offers/oclash/accept", headers=auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "worker_overlap", r.text
    afternoon = await post_job(
        client,
        auth,
        headcount=1,
        interview_at=at("12:30"),
        start_at=at("13:00"),
        end_at=at("17:00"),
    )
    await run_matcher(client)
    [offer] = [o for o in await offers(client, wid) if o["job_id"] == afternoon["id"]]
    r = await client.post(f"{API}/offers/{offer['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text


async def test_a_withdrawn_offer_says_why(client: Client, auth: dict[str, str]) -> None:
    wid = await check_in(client, auth)
    job = await post_job(client, auth, headcount=1)
    await run_matcher(client)
    [offer] = await offers(client, wid)
    assert offer["status"] == "pending" and "reason" not in offer
    r = await client.post(f"{API}/jobs/{job['id']}/cancel", headers=auth)
    assert r.status_code == 200
    [offer] = await offers(client, wid)
    assert (offer["status"], offer["reason"]) == ("withdrawn", "cancelled")


async def test_no_full_number_leaves_the_api(client: Client, auth: dict[str, str]) -> None:
    wid, job, ref = await book(
        client, auth, interview_place="干活现场", interview_address="工地北门"
    )
    [offer] = await offers(client, wid)
    accepted = await client.post(f"{API}/offers/{offer['id']}/accept", headers=auth)
    seen = [
        (await client.get(f"{API}/jobs/{job['id']}")).text,
        (await client.get(f"{API}/jobs")).text,
        (await client.get(f"{API}/workers/{wid}/offers")).text,
        accepted.text,
    ]
    for text in seen:
        assert not FULL_PHONE.search(text), FULL_PHONE.findall(text)
        assert "_enc" not in text
    ticket = accepted.json()["ticket"]
    assert ticket["ref"] == ref and ticket["interview_address"] == "工地北门"
