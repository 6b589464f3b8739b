"""Screening at posting time: rules as data, each case labelled, and the API's answers."""

from __future__ import annotations

import csv

import pytest
from builders import checkin_body, job_body
from conftest import Client

from matcher.queue import Matcher
from matcher.screening import CASES, day_floor, evaluate, rules, screen

with CASES.open(encoding="utf-8", newline="") as _fh:
    LABELLED = [(row["text"], row["expected"]) for row in csv.DictReader(_fh)]


def test_there_are_enough_labelled_cases() -> None:
    assert len(LABELLED) >= 60
    assert sum(1 for _, e in LABELLED if e == "NONE") >= 20
    categories = {e for _, e in LABELLED} - {"NONE"}
    assert {
        "sex",
        "age",
        "ethnicity",
        "origin",
        "marital",
        "education",
        "fee",
        "hype",
    } <= categories


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_each_labelled_case(text: str, expected: str) -> None:
    got = {f.category for f in screen(text)}
    if expected == "NONE":
        assert got == set(), f"false alarm on lawful post {text!r}: {got}"
    else:
        assert expected in got, f"{text!r} should be caught as {expected}"


def test_precision_and_recall() -> None:
    report = evaluate()
    cases, precision, recall = report["cases"], report["precision"], report["recall"]
    print(f"\nscreening: {cases} cases, precision {precision}, recall {recall}")
    assert report["precision"] >= 0.95 and report["recall"] >= 0.95, report["wrong"]


def test_every_rule_explains_and_suggests() -> None:
    for rule in rules():
        assert rule.explanation_zh and rule.explanation_en and rule.suggestion_zh, rule.id


def test_full_width_text_is_caught() -> None:
    assert {f.category for f in screen("４５岁以下")} == {"age"}
    assert {f.category for f in screen("加ＶＸ")} == {"offplatform"}


def test_floor() -> None:
    assert day_floor(1) == 156.8 and day_floor(3) == 137.6


@pytest.mark.usefixtures("redis")
async def test_discriminatory_post_is_refused_with_a_rewording(
    client: Client, auth: dict[str, str]
) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(title="招两个男工搬砖 45岁以下"), headers=auth
    )
    assert r.status_code == 422
    msg = r.json()["error"]["fields"]["title"]
    assert "性别" in msg and "50 斤" in msg
    r = await client.post(
        "/api/v1/markets/kaili/jobs",
        json=job_body(description="上岗先交押金200元"),
        headers=auth,
    )
    assert r.status_code == 422 and "费用" in r.json()["error"]["fields"]["description"]
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["jobs_posted"] == 0


@pytest.mark.usefixtures("redis")
async def test_genuine_requirements_pass(client: Client, auth: dict[str, str]) -> None:
    body = job_body(title="搬运工 需能扛50斤", description="男女不限，持叉车证优先")
    r = await client.post("/api/v1/markets/kaili/jobs", json=body, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "open"


@pytest.mark.usefixtures("redis")
async def test_wage_floor(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(wage_yuan=120), headers=auth)
    assert r.status_code == 422
    assert "156.8" in r.json()["error"]["fields"]["wage_yuan"]
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(wage_yuan=15, wage_unit="hour"), headers=auth
    )
    assert r.status_code == 422 and "19.6" in r.json()["error"]["fields"]["wage_yuan"]
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(wage_yuan=25, wage_unit="hour"), headers=auth
    )
    assert r.status_code == 201


@pytest.mark.usefixtures("redis")
async def test_suspicious_post_waits_for_an_operator(client: Client, auth: dict[str, str]) -> None:
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=auth)
    wid = r.json()["worker_id"]
    r = await client.post(
        "/api/v1/markets/kaili/jobs",
        json=job_body(title="高薪日结 搬砖小工 加微信详聊"),
        headers=auth,
    )
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "review" and "hype" in job["flags"]
    m = Matcher(client.state.store, ["kaili"], name="screen-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    assert (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json() == []
    assert (await client.get("/api/v1/markets/kaili/jobs?status=open")).json() == []
    held = (await client.get("/api/v1/markets/kaili/jobs?status=review")).json()
    assert [j["id"] for j in held] == [job["id"]]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/review",
        json={"decision": "approve", "reason": "已电话核实"},
        headers=auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "open"
    while await m.consume_once("kaili"):
        pass
    offers = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()
    assert [o["job_id"] for o in offers] == [job["id"]]
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/review", json={"decision": "reject"}, headers=auth
    )
    assert r.status_code == 409


@pytest.mark.usefixtures("redis")
async def test_reject_and_permissions(client: Client, auth: dict[str, str]) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/jobs", json=job_body(title="月入过万 轻松赚 搬运"), headers=auth
    )
    job = r.json()
    from kiosk.auth import create_token

    kiosk = await create_token(
        client.state.store.redis, market="kaili", role="kiosk", created_at=""
    )
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/review",
        json={"decision": "reject"},
        headers={"Authorization": f"Bearer {kiosk}"},
    )
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/markets/kaili/jobs/{job['id']}/review",
        json={"decision": "reject", "reason": "虚假高薪"},
        headers=auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    stats = (await client.get("/api/v1/markets/kaili/stats")).json()
    assert stats["jobs_flagged"] == 1 and stats["jobs_rejected"] == 1


def test_demo_jobs_pass_screening_and_the_floor() -> None:
    """`kuaizhao serve --demo` must never trip its own rules."""
    from kiosk.validation import Context, parse_job
    from matcher.clock import FixedClock
    from matcher.demo import demo_jobs
    from matcher.markets import MARKETS
    from matcher.places import default_gazetteer
    from matcher.skills import default_taxonomy

    clock = FixedClock(__import__("conftest").MORNING)
    for item in demo_jobs(clock.now()):
        ctx = Context(clock, MARKETS[item.market], default_taxonomy(), default_gazetteer())
        spec = parse_job(item.body, ctx)
        assert spec.review == (), item.body
