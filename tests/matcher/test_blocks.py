"""Operators' blocks against a real server: who they stop, and that they end by themselves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import API_TOKEN, Client, drain
from support.builders import checkin_body, job_body
from support.flow import get, press

from kiosk.web.validation import Context, parse_checkin, parse_job
from matcher.clock import FixedClock
from matcher.desk.blocks import Blocked
from matcher.markets import MARKETS
from matcher.matching.scoring import Parts
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

TODAY = date(2026, 11, 27)
EMPLOYER = "13800000000"  # builders.job_body's employer


def ctx(clock: FixedClock) -> Context:
    return Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())


async def post(store: Store, clock: FixedClock, rid: str = "r1", **kw: object) -> dict:
    body = job_body(**kw)
    spec = parse_job(body, ctx(clock))
    return (await store.post_job("kaili", spec, request_id=rid, fingerprint=body)).value


async def check_in(store: Store, clock: FixedClock, n: int = 1) -> str:
    body = checkin_body(n)
    spec = parse_checkin(body, ctx(clock))
    result = await store.check_in("kaili", spec, request_id=f"c{n}", fingerprint=body)
    return str(result.value["worker_id"])


async def test_a_blocked_employer_cannot_post_until_the_day_after_the_last(
    store: Store, clock: FixedClock
) -> None:
    before, block = await store.blocks.block(
        "kaili", kind="employer", phone=EMPLOYER, reason="假招工", last_day=TODAY, by="op1"
    )
    assert before is None
    # Only the keyed hash and the masked number are kept, never the number.
    assert block["id"] == store.blocks.subject_id("employer", EMPLOYER)
    assert block["phone_masked"] == "138****0000"
    assert EMPLOYER not in str(await store.redis.hgetall(store.keys("kaili").blocks))
    with pytest.raises(Blocked) as err:
        await post(store, clock)
    assert err.value.code == "employer_suspended"
    assert err.value.params == {"until": "2026-11-27"}
    # Still blocked at the last minute of the last day...
    clock.advance(hours=14, minutes=59)
    assert await store.blocks.active("kaili", "employer", block["id"]) is not None
    # ...and free the next morning, with nobody lifting it.
    clock.advance(hours=9, minutes=1)
    assert await store.blocks.live("kaili") == []
    now = clock.now()
    job = await post(
        store,
        clock,
        "r3",
        start_at=(now + timedelta(hours=1)).isoformat(),
        end_at=(now + timedelta(hours=8)).isoformat(),
        interview_at=(now + timedelta(minutes=30)).isoformat(),
    )
    assert job["status"] == "open"


async def test_a_block_is_per_market_and_per_kind(store: Store, clock: FixedClock) -> None:
    await store.blocks.block(
        "liping", kind="employer", phone=EMPLOYER, reason="x", last_day=TODAY, by="op"
    )
    # The same number as a worker in Kaili is not the employer blocked in Liping.
    await store.blocks.block(
        "kaili", kind="worker", phone=EMPLOYER, reason="x", last_day=TODAY, by="op"
    )
    assert (await post(store, clock))["status"] == "open"


async def test_a_blocked_worker_cannot_check_in(store: Store, clock: FixedClock) -> None:
    await store.blocks.block(
        "kaili",
        kind="worker",
        phone=checkin_body(1)["phone"],
        reason="多次爽约",
        last_day=TODAY + timedelta(days=2),
        by="op1",
    )
    with pytest.raises(Blocked) as err:
        await check_in(store, clock, 1)
    assert err.value.code == "worker_suspended"
    assert err.value.params["until"] == "2026-11-29"
    assert await store.count_checkins("kaili") == 0
    await check_in(store, clock, 2)


async def test_a_worker_blocked_after_checking_in_gets_no_offers(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    blocked = await check_in(store, clock, 1)
    other = await check_in(store, clock, 2)
    await store.blocks.block(
        "kaili",
        kind="worker",
        phone=checkin_body(1)["phone"],
        reason="骚扰雇主",
        last_day=TODAY,
        by="op1",
    )
    assert await store.blocks.blocked_workers("kaili") == {blocked}
    await post(store, clock, headcount=5)
    await drain(matcher)
    assert await store.offers_for_worker("kaili", blocked) == []
    assert len(await store.offers_for_worker("kaili", other)) == 1
    # Every path that writes offers refuses them, not only the job's own matching.
    job = (await store.list_jobs("kaili"))[0]
    record = await store.get_job_record("kaili", job["id"])
    assert record is not None
    parts = Parts(90, 0, 0, 0, 0, 0, None, 0, 0)
    assert await matcher.engine.write_offers("kaili", record, [(blocked, parts)]) == 0


async def test_lifting_a_block_and_replacing_one(store: Store, clock: FixedClock) -> None:
    _, first = await store.blocks.block(
        "kaili", kind="employer", phone=EMPLOYER, reason="一", last_day=TODAY, by="a"
    )
    replaced, second = await store.blocks.block(
        "kaili",
        kind="employer",
        phone=EMPLOYER,
        reason="二",
        last_day=TODAY + timedelta(days=7),
        by="b",
    )
    assert replaced == first
    assert [b["reason"] for b in await store.blocks.live("kaili")] == ["二"]
    before = await store.blocks.lift("kaili", second["subject"], by="c")
    assert before == second
    after = await store.blocks.get("kaili", second["subject"])
    assert after is not None and after["status"] == "lifted" and after["lifted_by"] == "c"
    assert await store.blocks.live("kaili") == []
    assert (await post(store, clock))["status"] == "open"
    with pytest.raises(ScriptError) as err:
        await store.blocks.lift("kaili", second["subject"], by="c")
    assert err.value.code == "block_ended"
    with pytest.raises(ScriptError) as err:
        await store.blocks.lift("kaili", "e:nobody", by="c")
    assert err.value.code == "no_block"


# -- what the API and the kiosk say to a blocked number --------------------------------

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


async def test_the_api_names_the_block_and_its_last_day(client: Client) -> None:
    blocks = client.state.store.blocks
    await blocks.block("kaili", kind="employer", phone=EMPLOYER, reason="x", last_day=TODAY, by="o")
    worker = checkin_body(1)["phone"]
    await blocks.block("kaili", kind="worker", phone=worker, reason="x", last_day=TODAY, by="o")
    r = await client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=AUTH)
    assert r.status_code == 403
    error = r.json()["error"]
    assert {k: error[k] for k in ("code", "message")} == {
        "code": "employer_suspended",
        "message": "市场已暂停这个号码发布招工，到 2026-11-27 为止；有疑问请到服务台 "
        "(the market has suspended this number from posting jobs until 2026-11-27; "
        "please see the desk)",
    }
    r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(1), headers=AUTH)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "worker_suspended"
    assert "2026-11-27" in r.json()["error"]["message"]


async def test_the_kiosk_says_it_on_the_phone_screen(client: Client) -> None:
    blocks = client.state.store.blocks
    await blocks.block("kaili", kind="employer", phone=EMPLOYER, reason="x", last_day=TODAY, by="o")
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": EMPLOYER})
    assert s.question == "老板，您的手机号是多少？"
    assert "市场已暂停这个号码发布招工，到 2026-11-27 为止" in s.one(".form-error").get_text()
    worker = checkin_body(1)["phone"]
    await blocks.block("kaili", kind="worker", phone=worker, reason="x", last_day=TODAY, by="o")
    client.cookies.set("kz_lang", "en", domain="kz.test")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": worker})
    assert "suspended this number from checking in until 2026-11-27" in (
        s.one(".form-error").get_text()
    )
