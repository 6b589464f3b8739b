"""Market settings: built-in defaults, operators' overrides in Redis, and the code that
reads them (wage floor, offer expiry)."""

from __future__ import annotations

import pytest
from conftest import Client, drain
from support.builders import at, checkin_body, job_body

from kiosk.web.validation import Context, InvalidInput, parse_checkin, parse_job
from matcher.clock import FixedClock, to_ms
from matcher.desk.market_settings import apply, as_dict
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store
from matcher.store.scripts import ScriptError
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy


async def test_defaults_until_an_operator_changes_something(store: Store) -> None:
    live = await store.market_settings.effective("kaili")
    assert live == MARKETS["kaili"]
    assert await store.market_settings.offer_ttl_ms("kaili") == 15 * 60_000


async def test_overrides_are_kept_and_a_default_value_drops_its_override(
    store: Store, clock: FixedClock
) -> None:
    before, after = await store.market_settings.update(
        "kaili",
        {"desks": 10, "opens": "06:30", "name_zh": "凯里市零工市场", "wage_class": 1},
        who="op1",
        now_ms=to_ms(clock.now()),
    )
    assert before == MARKETS["kaili"]
    assert (after.desks, after.opens, after.name_zh) == (10, "06:30", "凯里市零工市场")
    # wage_class 1 is Kaili's default: nothing stored for it.
    assert await store.market_settings.overrides("kaili") == {
        "desks": "10",
        "opens": "06:30",
        "name_zh": "凯里市零工市场",
    }
    # Another market is untouched.
    assert await store.market_settings.effective("liping") == MARKETS["liping"]
    before, after = await store.market_settings.update(
        "kaili", {"desks": 8}, who="op1", now_ms=to_ms(clock.now())
    )
    assert before.desks == 10 and after.desks == 8
    assert "desks" not in await store.market_settings.overrides("kaili")
    with pytest.raises(ValueError):
        await store.market_settings.update("kaili", {"secret": "x"}, who="op", now_ms=0)


def test_a_bad_stored_value_leaves_the_default() -> None:
    kaili = MARKETS["kaili"]
    changed = apply(kaili, {"desks": "many", "closes": "17:00", "unknown": "1"})
    assert changed.desks == kaili.desks and changed.closes == "17:00"
    assert set(as_dict(changed)) == {
        "name_zh",
        "name_en",
        "county_adcode",
        "desks",
        "opens",
        "closes",
        "wage_class",
        "offer_ttl_minutes",
    }


async def test_a_new_offer_expiry_is_used(
    store: Store, clock: FixedClock, matcher: Matcher
) -> None:
    await store.market_settings.update(
        "kaili", {"offer_ttl_minutes": 40}, who="op1", now_ms=to_ms(clock.now())
    )
    kaili = Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())
    body = checkin_body(1)
    ck = await store.check_in(
        "kaili", parse_checkin(body, kaili), request_id="c1", fingerprint=body
    )
    job = job_body()
    await store.post_job("kaili", parse_job(job, kaili), request_id="j1", fingerprint=job)
    await drain(matcher)
    offers = await store.offers_for_worker("kaili", ck.value["worker_id"])
    assert len(offers) == 1
    offer = await store.get_offer("kaili", offers[0]["id"])
    assert offer is not None
    assert offer["expires_ms"] - offer["created_ms"] == 40 * 60_000


async def test_a_raised_wage_floor_refuses_a_post(store: Store, clock: FixedClock) -> None:
    # A full day (pay is judged per hour of the job, counted up to 8).
    body = job_body(wage_yuan=150, end_at=at("18:00"))
    live = await store.market_settings.effective("liping")
    ctx = Context(clock, live, default_taxonomy(), default_gazetteer())
    parse_job({**body, "township": "522631"}, ctx)  # class 2: 146.4 a day
    await store.market_settings.update(
        "liping", {"wage_class": 1}, who="op1", now_ms=to_ms(clock.now())
    )
    live = await store.market_settings.effective("liping")
    ctx = Context(clock, live, default_taxonomy(), default_gazetteer())
    with pytest.raises(InvalidInput) as err:
        parse_job({**body, "township": "522631"}, ctx)
    assert err.value.errors["wage_yuan"].key == "err.wage_floor"
    assert err.value.errors["wage_yuan"].params["day"] == 156.8


async def test_the_api_lists_markets_as_their_operators_named_them(client: Client) -> None:
    store = client.state.store
    await store.market_settings.update(
        "jianhe", {"name_zh": "剑河县零工市场"}, who="op", now_ms=to_ms(store.clock.now())
    )
    names = {m["id"]: m["name"] for m in (await client.get("/api/v1/markets")).json()}
    assert names["jianhe"] == "剑河县零工市场" and names["kaili"] == "凯里零工市场"


# -- the API's posts: checked under remembered rules, never stale -------------------------

JOBS = "/api/v1/markets/kaili/jobs"


async def test_every_change_moves_the_revision_and_current_reads_it(store: Store) -> None:
    book = store.market_settings
    assert (await book.current("kaili")).rev == "0"
    await book.update("kaili", {"desks": 3}, who="op", now_ms=0)
    await book.update("kaili", {"desks": 8}, who="op", now_ms=1)
    ruled = await book.current("kaili")
    assert (ruled.rev, ruled.market.desks) == ("2", 8)
    assert await book.remembered("kaili") == (ruled, False)
    assert (await book.remembered("liping"))[1] is True  # never read here: read now


async def test_the_post_script_sends_back_a_post_checked_under_old_rules(
    store: Store, clock: FixedClock
) -> None:
    body = job_body()
    spec = parse_job(
        body, Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())
    )
    await store.market_settings.update("kaili", {"desks": 3}, who="op", now_ms=0)
    with pytest.raises(ScriptError) as err:
        await store.post_job("kaili", spec, request_id="r1", fingerprint=body, rules_rev="0")
    assert err.value.code == "rules_changed"
    assert await store.list_jobs("kaili") == []
    result = await store.post_job("kaili", spec, request_id="r1", fingerprint=body, rules_rev="1")
    assert result.value["status"] == "open"


async def test_an_api_post_meets_the_rules_of_the_moment_whoever_changed_them(
    client: Client, store: Store, auth: dict[str, str]
) -> None:
    # ``store`` stands for another web process on the same server: this app's
    # remembered rules do not hear of its changes, only the post script does.
    other = store.market_settings
    assert (await client.post(JOBS, json=job_body(), headers=auth)).status_code == 201
    cheap = job_body(wage_yuan=150, title="招小工 150 一天", end_at=at("18:00"))
    refused = await client.post(JOBS, json=cheap, headers=auth)
    assert refused.status_code == 422  # Kaili is wage class 1: 156.8 a day
    assert "wage_yuan" in refused.json()["error"]["fields"]
    # The floor is lowered elsewhere: refused under the remembered rules, the post is
    # checked again under the new ones before anyone says no.
    await other.update("kaili", {"wage_class": 3}, who="op", now_ms=0)
    assert (await client.post(JOBS, json=cheap, headers=auth)).status_code == 201
    # Raised again elsewhere: accepted under the remembered rules, the script sends it
    # back and the new floor refuses it. The very next post meets the new rule.
    await other.update("kaili", {"wage_class": 1}, who="op", now_ms=0)
    again = await client.post(
        JOBS, json=job_body(wage_yuan=150, title="再招", end_at=at("18:00")), headers=auth
    )
    assert again.status_code == 422
    assert "wage_yuan" in again.json()["error"]["fields"]
    assert (await client.get("/api/v1/markets/kaili/stats")).json()["jobs_posted"] == 2


async def test_an_api_check_in_takes_the_county_of_the_moment(
    client: Client, store: Store, auth: dict[str, str]
) -> None:
    # A check-in naming no township is placed in the market's county, as set now.
    checkins = "/api/v1/markets/kaili/checkins"
    body = {k: v for k, v in checkin_body(1).items() if k != "township"}
    assert (await client.post(checkins, json=body, headers=auth)).status_code == 201
    await store.market_settings.update("kaili", {"county_adcode": "522631"}, who="op", now_ms=0)
    again = {k: v for k, v in checkin_body(2).items() if k != "township"}
    r = await client.post(checkins, json=again, headers=auth)
    assert r.status_code == 201
    record = await store.get_checkin_record("kaili", r.json()["worker_id"])
    assert record is not None and record["county_adcode"] == "522631"


async def test_the_check_in_script_sends_back_a_check_in_read_under_old_rules(
    store: Store, clock: FixedClock
) -> None:
    body = checkin_body(1)
    ctx = Context(clock, MARKETS["kaili"], default_taxonomy(), default_gazetteer())
    spec = parse_checkin(body, ctx)
    await store.market_settings.update("kaili", {"desks": 3}, who="op", now_ms=0)
    with pytest.raises(ScriptError) as err:
        await store.check_in("kaili", spec, request_id="c1", fingerprint=body, rules_rev="0")
    assert err.value.code == "rules_changed"
    assert await store.get_checkin_record("kaili", store.worker_id(spec.phone)) is None
    done = await store.check_in("kaili", spec, request_id="c1", fingerprint=body, rules_rev="1")
    assert done.value["status"] == "available"
