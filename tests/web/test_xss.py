"""Hostile text in every field a person can type is shown as text, never run as markup."""

from __future__ import annotations

import pytest
from conftest import Client, OpsLogin
from support.builders import checkin_body, job_body

from matcher.matching.worker import Matcher

pytestmark = pytest.mark.usefixtures("redis")

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}{% raw %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_are_escaped_everywhere(
    client: Client, auth: dict[str, str], ops_login: OpsLogin, payload: str
) -> None:
    r = await client.post(
        "/api/v1/markets/kaili/checkins",
        json=checkin_body(1, name=payload[:20], skills_text=f"小工 {payload}"[:100]),
        headers=auth,
    )
    assert r.status_code == 201, r.text
    wid = r.json()["worker_id"]
    r = await client.post(
        "/api/v1/markets/kaili/jobs",
        json=job_body(
            title=f"小工 {payload}"[:60],
            description=payload,
            employer_name=payload[:20],
            interview_place=payload[:40],
            interview_address=f"工地 {payload}"[:60],
        ),
        headers=auth,
    )
    assert r.status_code == 201, r.text
    job = r.json()
    m = Matcher(client.state.store, ["kaili"], name="xss")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass
    offer = (await client.get(f"/api/v1/markets/kaili/workers/{wid}/offers")).json()[0]
    ticket = (
        await client.post(f"/api/v1/markets/kaili/offers/{offer['id']}/accept", headers=auth)
    ).json()["ticket"]
    # And held for review (contact bait), so the moderation queue shows it.
    r = await client.post(
        "/api/v1/markets/kaili/jobs",
        json=job_body(title=f"小工 {payload}"[:60], description=f"加微信 {payload}"),
        headers=auth,
    )
    assert r.status_code in (201, 202), r.text
    await ops_login(role="admin", markets=())
    # The payload as an operator's kiosk name, shown on the operators' pages too.
    r = await client.post("/ops/m/kaili/kiosks", data={"action": "code", "name": payload[:30]})
    assert r.status_code == 200
    pages = [
        "/",
        "/m/kaili/",
        "/m/kaili/board",
        "/ops/",
        "/ops/m/kaili/",
        "/ops/audit",
        "/ops/m/kaili/kiosks",
        "/ops/m/kaili/history",
        "/ops/history",
        "/ops/m/kaili/daily/2026-11-27",
        "/ops/m/kaili/moderation",
        "/ops/m/kaili/aftercare",
        "/ops/m/kaili/blocks",
        "/ops/m/kaili/settings",
        "/ops/tokens",
        "/ops/accounts",
        f"/m/kaili/jobs/{job['id']}",
        f"/m/kaili/tickets/{ticket['ref']}?k={offer['id']}",
    ]
    moderation = (await client.get("/ops/m/kaili/moderation")).text
    assert "加微信" in moderation  # the held post is on the page being checked
    for path in pages:
        r = await client.get(path)
        assert r.status_code == 200, path
        # Escaped text (&lt;img ...) is harmless; a raw tag is not.
        for dangerous in ("<script>alert", "<img src=x", "<svg onload"):
            assert dangerous not in r.text, f"{dangerous!r} unescaped on {path}"
