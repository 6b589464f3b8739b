"""What a test client needs to act like a real kiosk or a logged-in operator: the CSRF
token a page would carry, an enrolled device credential, an operator session."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from matcher.desk import devices
from matcher.desk.accounts import OpRole, create_account
from matcher.store.client import close_client, open_client

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
PASSWORD = "correct horse battery"


def session_data(client: httpx.AsyncClient) -> dict[str, Any]:
    """The signed session cookie's payload (base64 JSON before the signature)."""
    raw = client.cookies.get("kz_session")
    if not raw:
        return {}
    payload = raw.split(".")[0]
    try:
        data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def csrf_hook(client: httpx.AsyncClient) -> Any:
    """Send the session's token the way htmx does (a header), as a page would."""

    async def hook(request: httpx.Request) -> None:
        if request.method in SAFE or request.url.path.startswith(("/api/", "/-/")):
            return
        if "x-csrf-token" in request.headers:
            return
        token = session_data(client).get("csrf")
        if token:
            request.headers["X-CSRF-Token"] = token

    return hook


async def seed_session(client: httpx.AsyncClient) -> None:
    # Any page gives the browser its session and CSRF token.
    response = await client.get("/enrol")
    assert response.status_code == 200, response.text


async def enrol(client: httpx.AsyncClient, market: str = devices.ALL_MARKETS) -> devices.Device:
    redis = client.state.store.redis  # type: ignore[attr-defined]
    code = await devices.create_code(redis, market=market, name="test kiosk", by="tests", at="")
    await seed_session(client)
    # The two steps of the page: the code shows which market's kiosk it makes this
    # device; its confirm button posts the code again with the market and confirm=1.
    response = await client.post("/enrol", data={"code": code})
    assert response.status_code == 200, response.text
    response = await client.post("/enrol", data={"code": code, "market": market, "confirm": "1"})
    assert response.status_code == 303, response.text
    token = client.cookies.get("kz_device")
    assert token
    device = await devices.lookup(redis, token)
    assert device is not None
    return device


async def login(
    client: httpx.AsyncClient,
    *,
    role: OpRole = "operator",
    markets: tuple[str, ...] = ("kaili",),
    username: str | None = None,
) -> str:
    redis = client.state.store.redis  # type: ignore[attr-defined]
    name = username or f"{role}-{'-'.join(markets) or 'all'}"
    await create_account(
        redis,
        username=name,
        password=PASSWORD,
        role=role,
        markets=markets,
        display_name=name,
        created_at="2026-11-27T09:00:00+08:00",
    )
    await seed_session(client)
    response = await client.post("/ops/login", data={"username": name, "password": PASSWORD})
    assert response.status_code == 303, response.text
    return name


async def new_visitor(client: httpx.AsyncClient) -> None:
    """The next person at the same kiosk: their session is new (they start at the
    start screen), the device stays enrolled (its credential is the kiosk's)."""
    device = client.cookies.get("kz_device")
    client.cookies.clear()
    if device:
        client.cookies.set("kz_device", device, domain="kz.test")
    await seed_session(client)


# A full mainland mobile number: never on an operator's page (they see masked ones).
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def live_account(
    redis_url: str, role: str = "operator", markets: tuple[str, ...] = ("kaili",)
) -> str:
    name = f"{role}-live"

    async def create() -> None:
        redis = open_client(redis_url, pool_size=2)
        try:
            await create_account(
                redis,
                username=name,
                password=PASSWORD,
                role=role,  # type: ignore[arg-type]
                markets=markets,
                created_at="2026-11-27T09:00:00+08:00",
            )
        finally:
            await close_client(redis)

    # In a thread of its own: Playwright's sync API keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    return name
