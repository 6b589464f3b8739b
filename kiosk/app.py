"""The Starlette application: routes, middleware, and the lifespan that owns resources.

Nothing connects at import time. The lifespan starts the embedded server when no
``REDIS_URL`` is set, opens the connection pool, checks the server, starts the
matcher task, and closes all of it in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.api import aftercare as aftercare_api
from kiosk.api import endpoints as api
from kiosk.auth.device_guard import KioskGuard
from kiosk.http import metrics, sse
from kiosk.http.body_limit import BodyLimit
from kiosk.http.csrf import CsrfProtect
from kiosk.http.ratelimit import WriteRateLimit
from kiosk.http.sessions import PageSession
from kiosk.http.state import AppState
from kiosk.http.static_assets import VersionedStaticFiles
from kiosk.web import routes as pages
from matcher.clock import Clock, clock_from_setting
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.settings import Settings
from matcher.store.client import close_client, open_client
from matcher.store.embedded import EmbeddedServer
from matcher.store.facade import Store
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

Hook = Callable[[AppState], Awaitable[None]]


class SecurityHeaders:
    """Strict headers on every response; the CSP allows no inline script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if scope.get("scheme") == "https":
                    # Behind TLS (uvicorn's proxy headers set the scheme): every cookie
                    # is Secure, whichever part of the app set it.
                    headers[:] = [_secure_cookie(k, v) for k, v in headers]
                headers += [
                    (
                        b"content-security-policy",
                        b"default-src 'self'; script-src 'self'; style-src 'self'; "
                        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                        b"base-uri 'self'; form-action 'self'",
                    ),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if name.lower() == b"set-cookie" and b"secure" not in value.lower():
        return name, value + b"; Secure"
    return name, value


async def health(request: Request) -> Response:
    state: AppState | None = getattr(request.app.state, "kz", None)
    if state is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    try:
        await state.store.redis.ping()
    except Exception:
        # The reason goes to the log, not to whoever asks: an exception's text can name
        # hosts, paths and addresses that are nobody's business outside.
        log.exception("health: the store does not answer")
        return JSONResponse({"status": "down", "store": "unreachable"}, status_code=503)
    ages = await metrics.heartbeat_ages(state)
    fresh = [age for age in ages.values() if age * 1000 < metrics.HEARTBEAT_FRESH_MS]
    queues = await metrics.queue_status(state.store, MARKETS)
    body: dict[str, Any] = {
        "status": "ok",
        "store": "ok",
        "waitaof": state.store.waitaof,
        "matchers": len(fresh),
        # Monitoring alerts on these: a web-only instance stays "ok" (it still serves)
        # while no matcher beats, but "matcher" then says "stale" or "none".
        "matcher": "ok" if fresh else ("stale" if ages else "none"),
        "matcher_heartbeat_age_s": round(min(ages.values()), 1) if ages else None,
        "queue_lag": sum(q["lag"] or 0 for q in queues.values()),
        "queues": queues,
    }
    if state.matcher is not None and not fresh:
        # The in-process matcher has not beaten yet: not ready.
        return JSONResponse({**body, "status": "starting"}, status_code=503)
    return JSONResponse(body)


def settle_heap() -> None:
    """Move everything loaded at start-up out of the collector's sight.

    The taxonomy, the gazetteer, pypinyin's dictionaries and the templates are ~300k
    objects that live as long as the process. A full collection walks all of them
    (~70 ms on one core), and under load one lands every few hundred requests: it was
    the whole of the job posts' p99. Frozen, a full collection walks only what requests
    allocated since.
    """
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    run_matcher: bool | None = None,
    on_ready: Hook | None = None,
    matcher_tick_s: float = 2.0,
) -> Starlette:
    settings = (settings or Settings.from_env()).with_secret()
    if run_matcher is None:
        # uvicorn --factory calls create_app() bare: KUAIZHAO_RUN_MATCHER decides.
        run_matcher = settings.run_matcher
    clock = clock or clock_from_setting(settings.fake_now)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        embedded: EmbeddedServer | None = None
        url = settings.redis_url
        if url is None:
            embedded = EmbeddedServer(settings.data_dir / "redis")
            url = await asyncio.to_thread(embedded.start)
        redis = open_client(url, pool_size=settings.redis_pool_size)
        matcher_task: asyncio.Task[None] | None = None
        matcher: Matcher | None = None
        sse.start(app)
        try:
            store = Store(redis, settings, clock)
            info = await store.probe()
            state = AppState(
                settings=settings,
                clock=clock,
                store=store,
                taxonomy=default_taxonomy(),
                gazetteer=default_gazetteer(),
                store_info=info,
            )
            if run_matcher:
                matcher = state.matcher = Matcher(store, MARKETS)
                await matcher.ensure_groups()
                await matcher.tick()
                matcher_task = asyncio.create_task(matcher.run(tick_s=matcher_tick_s))
            app.state.kz = state
            if on_ready is not None:
                await on_ready(state)
            if settings.freeze_heap:
                settle_heap()
            yield
        finally:
            # Live pages' event streams end first: they read from the store.
            sse.stop(app)
            if matcher_task is not None and matcher is not None:
                # Stop reading new work; entries in hand finish or stay pending for
                # another matcher to claim.
                matcher.stop()
                await asyncio.gather(matcher_task, return_exceptions=True)
            await close_client(redis)
            # What was frozen is collectable again (tests start many apps in one process).
            gc.unfreeze()
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    routes = [
        Route("/-/health", health, name="health"),
        Route("/-/metrics", metrics.metrics, name="metrics"),
        Mount("/api/v1", routes=[*api.routes, *aftercare_api.routes]),
        Mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static"),
        *pages.routes,
    ]
    middleware = [
        Middleware(metrics.RequestMetrics),
        Middleware(SecurityHeaders),
        Middleware(BodyLimit),
        Middleware(WriteRateLimit),
        Middleware(
            PageSession,
            secret_key=settings.secret,
            session_cookie="kz_session",
            same_site="lax",
            max_age=12 * 3600,
        ),
        # Inside the session middleware: both read the session it loads.
        Middleware(CsrfProtect),
        Middleware(KioskGuard),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            api.ApiError: api.api_error_handler,
            **pages.exception_handlers,
        },
    )
