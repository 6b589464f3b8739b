"""Only enrolled kiosks act as kiosks: a write to a market's kiosk pages comes from a
device enrolled for that market, or from an operator of that market (staff helping at
the desk). Anyone may look; nobody else may post a job or check in through the pages.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.auth.operators import current_operator
from kiosk.http.csrf import SAFE_METHODS
from kiosk.web.templating import templates
from matcher.desk import devices

DEVICE_COOKIE = "kz_device"
KIOSK_PATH = re.compile(r"^/m/([^/]+)/")


async def enrolled_device(request: Request) -> devices.Device | None:
    cached = request.scope.get("kz.device", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(DEVICE_COOKIE)
    state = getattr(request.app.state, "kz", None)
    found = None
    if token and state is not None:
        found = await devices.lookup(state.store.redis, token)
    request.scope["kz.device"] = found
    return found


async def may_act_as_kiosk(request: Request, market: str) -> bool:
    device = await enrolled_device(request)
    if device is not None and device.serves(market):
        return True
    op = await current_operator(request)
    return op is not None and op.can_act(market)


class KioskGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        found = KIOSK_PATH.match(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if await may_act_as_kiosk(request, found.group(1)):
            await self.app(scope, receive, send)
            return
        response = templates.TemplateResponse(
            request, "hall/not_enrolled.html", {"enrol_url": request.url_for("enrol").path}, 403
        )
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)
