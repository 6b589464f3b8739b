"""The demo's operator account speaks the page's language (issue 14): it used to be
stored with the display name "Demo admin", which showed in English in the zh pages.
Now it has none, so the pages name it by its login and its role, translated."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from conftest import Client
from support.ops import seed_session

from kiosk.cli.accounts import demo_access
from matcher.desk import devices
from matcher.desk.accounts import create_account, get_account


async def _login(client: Client, lines: list[str]) -> BeautifulSoup:
    found = re.search(r"demo-admin / (\S+)", "\n".join(lines))
    assert found is not None, lines
    await seed_session(client)
    r = await client.post("/ops/login", data={"username": "demo-admin", "password": found[1]})
    assert r.status_code == 303, r.text
    return BeautifulSoup((await client.get("/ops/")).text, "html.parser")


async def test_the_demo_admin_is_named_in_the_pages_language(client: Client) -> None:
    lines = await demo_access(client.state, "http://localhost:8000")
    account = await get_account(client.state.store.redis, "demo-admin")
    assert account is not None and account.display_name == "" and account.role == "admin"
    page = await _login(client, lines)
    who = page.select_one(".ops-who span")
    assert who is not None and who.get_text() == "demo-admin · 系统管理员"
    assert "Demo" not in page.get_text()
    # The enrolment links' codes name their devices as a hall would, in Chinese.
    code = re.search(r"/enrol\?code=(\d{8})", "\n".join(lines))
    assert code is not None
    pending = await devices.peek(client.state.store.redis, code[1])
    assert pending is not None and pending.name == "演示机"


async def test_an_earlier_demos_english_name_is_dropped(client: Client) -> None:
    redis = client.state.store.redis
    await create_account(
        redis,
        username="demo-admin",
        password="an old demo password",
        role="admin",
        display_name="Demo admin",
        created_at="2026-11-26T09:00:00+08:00",
    )
    page = await _login(client, await demo_access(client.state, "http://localhost:8000"))
    who = page.select_one(".ops-who span")
    assert who is not None and who.get_text() == "demo-admin · 系统管理员"
