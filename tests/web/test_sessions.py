"""The pages' session cookie, and the paths that never carry one."""

from __future__ import annotations

from typing import Any

from conftest import Client
from starlette.types import Receive, Scope, Send
from support.builders import job_body

from kiosk.http.sessions import PageSession


async def test_pages_keep_a_session_and_the_api_never_touches_it(
    bare_client: Client, auth: dict[str, str]
) -> None:
    page = await bare_client.get("/ops/login")
    assert page.status_code == 200
    assert "kz_session=" in page.headers.get("set-cookie", "")
    assert bare_client.cookies.get("kz_session")
    # The client sends its session cookie along; the API neither reads nor rewrites it.
    for r in (
        await bare_client.post("/api/v1/markets/kaili/jobs", json=job_body(), headers=auth),
        await bare_client.get("/api/v1/markets/kaili/jobs"),
        await bare_client.get("/-/health"),
    ):
        assert r.status_code in (200, 201)
        assert "set-cookie" not in r.headers
        assert "cookie" not in r.headers.get("vary", "").lower()


async def test_only_pages_load_a_session() -> None:
    seen: dict[str, bool] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen[scope["path"]] = "session" in scope

    middleware = PageSession(app, secret_key="k", session_cookie="kz_session")
    for path in ("/m/kaili/worker", "/ops/today", "/api/v1/markets/kaili/jobs", "/-/health"):
        scope = {"type": "http", "path": path, "headers": [], "method": "GET"}
        await middleware(scope, _nothing, _nothing)
    assert seen == {
        "/m/kaili/worker": True,
        "/ops/today": True,
        "/api/v1/markets/kaili/jobs": False,
        "/-/health": False,
    }


async def _nothing(*args: Any) -> Any:
    return None
