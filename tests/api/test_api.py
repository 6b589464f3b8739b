"""The JSON API v1 contract (docs/API.md), through the ASGI app on a real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Client
from redis.asyncio import Redis
from support.builders import at, checkin_body, job_body

from kiosk.auth.tokens import ALL_MARKETS, create_token, list_tokens, revoke_token
from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.keys import MarketKeys

pytestmark = pytest.mark.usefixtures("redis")

ROOT = Path(__file__).resolve().parents[2]

CONTRACT_STATS = {
    "date",
    "jobs_posted",
    "headcount_posted",
    "checkins",
    "offers",
    "bookings",
    "hired",
    "no_shows",
    "fill_rate",
    "median_minutes_to_fill",
}


async def run_matcher(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="api-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass


async def test_markets(client: Client) -> None:
    r = await client.get("/api/v1/markets")
    assert r.status_code == 200
    ids = {m["id"]: m for m in r.json()}
    assert set(ids) >= {"kaili", "liping", "rongjiang", "jianhe"}
    assert ids["kaili"] == {"id": "kaili", "name": "凯里零工市场", "county_adcode": "522601"}


async def test_whole_loop_through_the_api(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=auth)
    assert r.status_code == 201, r.text
    worker = r.json()
    assert worker["status"] == "available" and worker["skills"] == ["general_laborer"]
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)
    assert r.status_code == 201, r.text
    job = r.json()
    assert (
        job["status"] == "open" and job["remaining"] == 2 and job["skills"] == ["general_laborer"]
    )
    await run_matcher(client)
    r = await client.get(f"/api/v1/markets/kaili/workers/{worker['worker_id']}/offers")
    offers = r.json()
    assert len(offers) == 1
    assert set(offers[0]) >= {"id", "job_id", "score", "explanation", "expires_at", "status"}
    assert offers[0]["job_id"] == job["id"] and 0 <= offers[0]["score"] <= 100
    r = await client.post(f"/api/v1/markets/kaili/offers/{offers[0]['id']}/accept", headers=auth)
    assert r.status_code == 200, r.text
    ticket = r.json()["ticket"]
    assert set(ticket) >= {"ref", "job_id", "interview_at", "interview_place"}
    assert ticket["interview_at"] == at("09:00")
    r = await client.get(f"/api/v1/markets/kaili/jobs/{job['id']}")
    view = r.json()
    assert view["remaining"] == 1
    assert view["bookings"][0]["ticket"] == ticket["ref"]
    assert view["bookings"][0]["status"] == "booked"
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": worker["worker_id"], "outcome": "hired"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    r = await client.get("/api/v1/markets/kaili/stats", params={"date": "2026-11-27"})
    stats = r.json()
    assert set(stats) >= CONTRACT_STATS
    assert (stats["jobs_posted"], stats["headcount_posted"], stats["checkins"]) == (1, 2, 1)
    assert (stats["offers"], stats["bookings"], stats["hired"]) == (1, 1, 1)
    assert stats["fill_rate"] == 0.5
    r = await client.post(f"/api/v1/markets/kaili/offers/{offers[0]['id']}/accept", headers=auth)
    assert r.status_code == 200 and r.json()["ticket"]["ref"] == ticket["ref"]


async def test_accept_conflicts(client: Client, auth: dict[str, str]) -> None:
    ids = []
    for n in (1, 2):
        r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(n), headers=auth)
        ids.append(r.json()["worker_id"])
    await client.post("/api/v1/markets/kaili/jobs", json=job_body(headcount=1), headers=auth)
    await run_matcher(client)
    offers = [
        (await client.get(f"/api/v1/markets/kaili/workers/{w}/offers")).json()[0] for w in ids
    ]
    r = await client.post(f"/api/v1/markets/kaili/offers/{offers[0]['id']}/accept", headers=auth)
    assert r.status_code == 200
    r = await client.post(f"/api/v1/markets/kaili/offers/{offers[1]['id']}/accept", headers=auth)
    assert r.status_code == 409
    assert r.json()["error"]["code"] in ("offer_withdrawn", "job_full")
    r = await client.post("/api/v1/markets/kaili/offers/nope/accept", headers=auth)
    assert r.status_code == 404


async def test_decline(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=auth)
    wid = r.json()["worker_id"]
    await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)
    await run_matcher(client)
    [offer] = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()
    r = await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/decline", headers=auth)
    assert r.status_code == 200
    [offer] = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()
    assert offer["status"] == "declined"


async def test_a_revoked_token_stops_the_next_write_of_a_process_that_remembered_it(
    client: Client, redis: Redis
) -> None:
    # ``redis`` stands for another process (the admin's page on another instance, the
    # CLI): this app is not told of the revocation, only the markets' rules move on.
    token = await create_token(redis, market="kaili", role="integration", created_at="")
    bearer = {"Authorization": f"Bearer {token}"}
    jobs = "/api/v1/markets/kaili/jobs"
    assert (await client.post(jobs, json=job_body(), headers=bearer)).status_code == 201
    # Remembered with the rules it was looked up under: later writes read nothing for it.
    ruled, _ = await client.state.store.market_settings.remembered("kaili")
    assert len(ruled.credentials) == 1
    assert (await client.post(jobs, json=job_body(title="再招"), headers=bearer)).status_code == 201
    [info] = await list_tokens(redis)
    assert await revoke_token(redis, info.id) is not None
    r = await client.post(jobs, json=job_body(title="又招"), headers=bearer)
    assert r.status_code == 401
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=bearer)
    assert r.status_code == 401
    assert len((await client.get(jobs)).json()) == 2


async def test_revoking_a_token_for_every_market_moves_every_market_on(redis: Redis) -> None:
    before = {m: await redis.get(MarketKeys(m).rules_rev) for m in MARKETS}
    await create_token(redis, market=ALL_MARKETS, role="integration", created_at="")
    await create_token(redis, market="jianhe", role="kiosk", created_at="")
    by_market = {t.market: t.id for t in await list_tokens(redis)}
    await revoke_token(redis, by_market[ALL_MARKETS])
    after = {m: await redis.get(MarketKeys(m).rules_rev) for m in MARKETS}
    assert all(int(after[m]) == int(before[m] or 0) + 1 for m in MARKETS)
    await revoke_token(redis, by_market["jianhe"])
    assert await redis.get(MarketKeys("jianhe").rules_rev) == str(int(after["jianhe"]) + 1)
    assert await redis.get(MarketKeys("kaili").rules_rev) == after["kaili"]


async def test_idempotency_key(client: Client, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "post-1"}
    a = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=headers)
    b = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json() == b.json()
    assert "Idempotent-Replayed" not in a.headers
    assert b.headers["Idempotent-Replayed"] == "true"
    jobs = (await client.get("/api/v1/markets/kaili/jobs")).json()
    assert len(jobs) == 1
    c = await client.post("/api/v1/markets/kaili/jobs", json=job_body(headcount=3), headers=headers)
    assert c.status_code == 409
    assert c.json()["error"]["code"] == "idempotency_conflict"
    stats = (await client.get("/api/v1/markets/kaili/stats")).json()
    assert stats["jobs_posted"] == 1


async def test_a_replay_outlives_the_rules_that_accepted_it(
    client: Client, clock: FixedClock, auth: dict[str, str]
) -> None:
    # The post is checked against the market's rules before its key is looked up (the
    # script answers a repeated key); a retry after the rules (here: the hour) changed
    # still gets the first answer, not a refusal.
    headers = {**auth, "Idempotency-Key": "post-late"}
    a = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=headers)
    assert a.status_code == 201
    clock.advance(hours=9)  # the job started hours ago
    fresh = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)
    assert fresh.status_code == 422
    b = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=headers)
    assert b.status_code == 201
    assert b.headers["Idempotent-Replayed"] == "true"
    assert b.json() == a.json()
    other = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(headcount=3), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"


async def test_idempotent_checkin(client: Client, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "ck-1"}
    a = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=headers)
    b = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=headers)
    assert a.json() == b.json()
    c = await client.post(
        "/api/v1/markets/kaili/checkins", json=checkin_body(1, name="张"), headers=headers
    )
    assert c.status_code == 409


async def test_auth(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body())
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(), headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401
    from kiosk.auth.tokens import create_token

    token = await create_token(
        client.state.store.redis, market="liping", role="kiosk", created_at=""
    )
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(), headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    r = await client.post(
        "/api/v1/markets/liping/jobs",
        json=job_body(township="522631001"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    # A kiosk token may not record outcomes.
    r = await client.post(
        f"/api/v1/markets/liping/jobs/{r.json()['id']}/cancel",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403


BAD_JOBS: list[tuple[dict[str, Any], str]] = [
    ({"employer_phone": "12345"}, "employer_phone"),
    ({"headcount": 0}, "headcount"),
    ({"headcount": 51}, "headcount"),
    ({"headcount": "many"}, "headcount"),
    ({"wage_yuan": 0}, "wage_yuan"),
    ({"wage_yuan": -5}, "wage_yuan"),
    ({"wage_yuan": 99999}, "wage_yuan"),
    ({"wage_unit": "week"}, "wage_unit"),
    ({"start_at": at("08:00")}, "start_at"),
    ({"start_at": "2026-11-28T10:00:00+08:00"}, "start_at"),
    ({"start_at": "tomorrow morning"}, "start_at"),
    ({"start_at": "2026-11-27T10:00:00"}, "start_at"),
    ({"end_at": at("09:45")}, "end_at"),
    ({"interview_at": at("11:00")}, "interview_at"),
    ({"skills": ["astronaut"]}, "skills"),
    ({"skills": None, "title": "今天天气不错"}, "skills"),
    ({"township": "火星"}, "township"),
    ({"title": "砌" * 61}, "title"),
    ({"title": ""}, "title"),
    ({"colour": "red"}, "colour"),
    ({"employer_name": "王" * 21}, "employer_name"),
]


@pytest.mark.parametrize(("change", "field"), BAD_JOBS)
async def test_bad_job_input_names_the_field(
    client: Client, auth: dict[str, str], change: dict[str, Any], field: str
) -> None:
    body = job_body(**change)
    r = await client.post("/api/v1/markets/kaili/jobs", json=body, headers=auth)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input"
    assert field in err["fields"], err
    # Plain Chinese first, English after.
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err["fields"][field])
    assert (await client.get("/api/v1/markets/kaili/jobs")).json() == []
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["jobs_posted"] == 0


async def test_missing_fields_are_named(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/jobs", json={}, headers=auth)
    assert r.status_code == 422
    fields = r.json()["error"]["fields"]
    assert {"title", "headcount", "wage_yuan", "township", "start_at", "employer_phone"} <= set(
        fields
    )


async def test_bad_json_body(client: Client, auth: dict[str, str]) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/jobs",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    r = await client.post("/api/v1/markets/kaili/jobs", json=[1, 2], headers=auth)
    assert r.status_code == 422
    r = await client.post("/api/v1/markets/kaili/jobs", content=b"x" * 70_000, headers=auth)
    assert r.status_code == 413


BAD_CHECKINS: list[tuple[dict[str, Any], str]] = [
    ({"phone": "010-1234"}, "phone"),
    ({"skills": [], "skills_text": ""}, "skills"),
    ({"skills": None, "skills_text": "今天天气不错"}, "skills_text"),
    ({"reach": "moon"}, "reach"),
    ({"min_wage_yuan": -1}, "min_wage_yuan"),
    ({"available_until": at("08:00")}, "available_until"),
    ({"township": "火星"}, "township"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CHECKINS)
async def test_bad_checkin_input(
    client: Client, auth: dict[str, str], change: dict[str, Any], field: str
) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/checkins", json=checkin_body(1, **change), headers=auth
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["checkins"] == 0


async def test_skills_from_text_and_place_names(client: Client, auth: dict[str, str]) -> None:
    body = job_body(skills=None, title="找两个会砌墙的师傅", township="洗马河")
    r = await client.post("/api/v1/markets/kaili/jobs", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["skills"][0] == "bricklayer"
    assert r.json()["township"] == "522601004"
    r = await client.post(
        "/api/v1/markets/kaili/checkins",
        json=checkin_body(1, skills=None, skills_text="会砌墙"),
        headers=auth,
    )
    assert r.status_code == 201 and r.json()["skills"] == ["bricklayer"]


async def test_phone_normalisation(client: Client, auth: dict[str, str]) -> None:
    a = await client.post(
        "/api/v1/markets/kaili/checkins",
        json=checkin_body(1, phone="+86 139 0000 0001"),
        headers=auth,
    )
    b = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=auth)
    assert a.json()["worker_id"] == b.json()["worker_id"]


async def test_cancel(client: Client, auth: dict[str, str]) -> None:
    job = (await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)).json()
    r = await client.post(f"/api/v1/markets/kaili/jobs/{job['id']}/cancel", headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await client.get("/api/v1/markets/kaili/jobs?status=open")).json() == []
    r = await client.post("/api/v1/markets/kaili/jobs/nope/cancel", headers=auth)
    assert r.status_code == 404


async def test_outcome_validation(client: Client, auth: dict[str, str]) -> None:
    job = (await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth)).json()
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": "w1", "outcome": "promoted"},
        headers=auth,
    )
    assert r.status_code == 422 and "outcome" in r.json()["error"]["fields"]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/outcomes",
        json={"worker_id": "w1", "outcome": "hired"},
        headers=auth,
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_booking"


async def test_unknown_market_and_job(client: Client, auth: dict[str, str]) -> None:
    assert (await client.get("/api/v1/markets/mars/stats")).status_code == 404
    assert (await client.get("/api/v1/markets/kaili/jobs/nope")).status_code == 404
    r = await client.post("/api/v1/markets/mars/jobs", json=job_body(), headers=auth)
    assert r.status_code == 404


async def test_stats_date_validation(client: Client) -> None:
    r = await client.get("/api/v1/markets/kaili/stats", params={"date": "27/11/2026"})
    assert r.status_code == 422 and "date" in r.json()["error"]["fields"]


async def test_skills_endpoints(client: Client) -> None:
    skills = (await client.get("/api/v1/skills")).json()
    assert len(skills) >= 80
    assert {"id", "name_zh", "name_en", "category"} <= set(skills[0])
    hits = (await client.get("/api/v1/skills/parse", params={"text": "会砌墙"})).json()
    assert hits[0]["skill_id"] == "bricklayer" and hits[0]["band"] == "accept"
    hits = (await client.get("/api/v1/skills/parse", params={"text": "今天天气不错"})).json()
    assert all(h["band"] != "accept" for h in hits)


# -- text that names no skill: suggestions, never a dead end (docs/API.md, extension) --

NOT_UNDERSTOOD = "我啥都能干一点"  # `kuaizhao skills parse` gives no accept hit
SUGGESTION_KEYS = {"skill_id", "name_zh", "name_en", "score"}


def assert_suggestions(body: dict[str, Any]) -> list[dict[str, Any]]:
    suggestions: list[dict[str, Any]] = body["suggestions"]
    assert len(suggestions) == 6
    assert all(set(s) == SUGGESTION_KEYS for s in suggestions)
    assert len({s["skill_id"] for s in suggestions}) == 6
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    return suggestions


async def test_a_checkin_whose_words_name_no_skill_gets_suggestions(
    client: Client, auth: dict[str, str]
) -> None:
    body = checkin_body(1, skills=None, skills_text=NOT_UNDERSTOOD)
    r = await client.post("/api/v1/markets/kaili/checkins", json=body, headers=auth)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_input" and set(error["fields"]) == {"skills_text"}
    assert "没认出" in error["fields"]["skills_text"]
    suggestions = assert_suggestions(r.json())
    assert suggestions[0] == {
        "skill_id": "general_laborer",
        "name_zh": "小工",
        "name_en": "general construction laborer",
        "score": 0.0,
    }
    # Nothing is stored: the worker is not checked in, nothing was counted.
    store = client.state.store
    wid = store.worker_id(body["phone"])
    assert await store.get_checkin("kaili", wid) is None
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["checkins"] == 0
    assert (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json() == []
    # A suggestion is a skill id to send again with.
    again = {**body, "skills": [suggestions[1]["skill_id"]]}
    r = await client.post("/api/v1/markets/kaili/checkins", json=again, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["skills"] == ["porter"]


async def test_suggestions_come_with_the_other_refusals_of_the_same_body(
    client: Client, auth: dict[str, str]
) -> None:
    body = checkin_body(1, phone="12345", skills=None, skills_text="帮橱")
    r = await client.post("/api/v1/markets/kaili/checkins", json=body, headers=auth)
    assert r.status_code == 422
    assert set(r.json()["error"]["fields"]) == {"phone", "skills_text"}
    assert assert_suggestions(r.json())[0]["skill_id"] == "kitchen_helper"


async def test_a_job_whose_words_name_no_skill_gets_suggestions(
    client: Client, auth: dict[str, str]
) -> None:
    body = job_body(skills=None, title="做那个的", description="今天就要")
    r = await client.post("/api/v1/markets/kaili/jobs", json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]["fields"]) == {"skills"}
    assert_suggestions(r.json())
    assert (await client.get("/api/v1/markets/kaili/jobs")).json() == []
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["jobs_posted"] == 0


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/markets/kaili/checkins", checkin_body(1, phone="12345")),
        ("/api/v1/markets/kaili/checkins", checkin_body(1, skills=["astronaut"])),
        ("/api/v1/markets/kaili/checkins", checkin_body(1, skills=None, skills_text="")),
        ("/api/v1/markets/kaili/jobs", job_body(headcount=0)),
        ("/api/v1/markets/kaili/jobs", job_body(skills=None, title="招两个搬砖的", headcount=0)),
    ],
)
async def test_other_refusals_carry_no_suggestions(
    client: Client, auth: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    r = await client.post(path, json=body, headers=auth)
    assert r.status_code == 422, r.text
    assert set(r.json()) == {"error"}


async def test_parse_endpoint_names_hits_and_suggests_when_nothing_is_accepted(
    client: Client,
) -> None:
    keys = {"skill_id", "score", "band", "name_zh", "name_en"}
    hits = (await client.get("/api/v1/skills/parse", params={"text": "会砌墙"})).json()
    assert hits[0] == {
        "skill_id": "bricklayer",
        "score": hits[0]["score"],
        "band": "accept",
        "name_zh": "泥瓦工",
        "name_en": "bricklayer / mason",
    }
    assert all(set(h) == keys and h["band"] != "suggest" for h in hits)
    # Only unsure guesses: they come first, the suggestions not already listed follow.
    hits = (await client.get("/api/v1/skills/parse", params={"text": "xg"})).json()
    bands = [h["band"] for h in hits]
    assert bands[0] == "confirm" and bands[-1] == "suggest"
    assert bands == sorted(bands, key=["confirm", "suggest"].index)
    assert len({h["skill_id"] for h in hits}) == len(hits)
    assert all(set(h) == keys for h in hits)
    assert all(h["score"] < 50 for h in hits if h["band"] == "suggest")
    # Nothing understood at all: suggestions only, so there is always something to offer.
    hits = (await client.get("/api/v1/skills/parse", params={"text": NOT_UNDERSTOOD})).json()
    assert [h["band"] for h in hits] == ["suggest"] * 6
    assert hits[0]["skill_id"] == "general_laborer" and hits[0]["name_zh"] == "小工"


@pytest.mark.parametrize("text", ["会砌墙", "xg", NOT_UNDERSTOOD])
async def test_the_cli_prints_the_apis_parse_list(client: Client, text: str) -> None:
    api = (await client.get("/api/v1/skills/parse", params={"text": text})).json()
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "kiosk.cli", "skills", "parse", text, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == api


async def test_openapi_document(client: Client) -> None:
    doc = (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path in (
        "/markets",
        "/markets/{market}/jobs",
        "/markets/{market}/jobs/{job_id}",
        "/markets/{market}/jobs/{job_id}/cancel",
        "/markets/{market}/jobs/{job_id}/outcomes",
        "/markets/{market}/checkins",
        "/markets/{market}/workers/{worker_id}/offers",
        "/markets/{market}/offers/{offer_id}/accept",
        "/markets/{market}/offers/{offer_id}/decline",
        "/markets/{market}/stats",
        "/skills",
        "/skills/parse",
    ):
        assert path in paths, path
    job_in = doc["components"]["schemas"]["JobIn"]
    assert job_in["additionalProperties"] is False
    # The extension: suggestions on a refusal for words that named no skill, and the
    # parse endpoint's names and "suggest" band.
    schemas = doc["components"]["schemas"]
    assert schemas["Error"]["properties"]["suggestions"]["items"] == {
        "$ref": "#/components/schemas/Suggestion"
    }
    assert set(schemas["Suggestion"]["required"]) == {"skill_id", "name_zh", "name_en", "score"}
    for path in ("/markets/{market}/checkins", "/markets/{market}/jobs"):
        refused = paths[path]["post"]["responses"]["422"]
        assert "suggestions" in refused["description"]
    parse = paths["/skills/parse"]["get"]["responses"]["200"]["content"]["application/json"]
    entry = parse["schema"]["items"]
    assert entry["properties"]["band"]["enum"] == ["accept", "confirm", "suggest"]
    assert {"name_zh", "name_en"} <= set(entry["properties"])


async def test_health(client: Client) -> None:
    r = await client.get("/-/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


async def test_writes_are_rate_limited(
    client: Client, clock: FixedClock, auth: dict[str, str]
) -> None:
    from dataclasses import replace

    client.state.settings = replace(client.state.settings, write_limit_per_min=3)
    codes = [
        (
            await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(n), headers=auth)
        ).status_code
        for n in range(1, 6)
    ]
    assert codes[:3] == [201, 201, 201] and codes[3:] == [429, 429]
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(9), headers=auth)
    assert int(r.headers["retry-after"]) >= 1
    assert "稍等" in r.json()["error"]["message"]
    # One counter for the token in this window, gone with the window after next.
    redis = client.state.store.redis
    [counter] = [k async for k in redis.scan_iter(match="kz:rl:t:*")]
    assert await redis.get(counter) == "6"
    assert 0 < await redis.pttl(counter) <= 120_000
    # The window is the service clock's minute: the next one starts afresh.
    clock.advance(minutes=1)
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(10), headers=auth)
    assert r.status_code == 201
    # Reads are never limited: boards and kiosks poll.
    assert (await client.get("/api/v1/markets/kaili/stats")).status_code == 200
