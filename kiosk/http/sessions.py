"""The signed-cookie session of the pages (kiosk screens, operators' pages).

The JSON API and the machine endpoints (``/-/health``, ``/-/metrics``) authenticate each
request by its bearer token and never read a session: they skip the cookie parsing and
the response wrapping, which were a few percent of every job post.
"""

from __future__ import annotations

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from kiosk.http.csrf import EXEMPT_PREFIXES

SESSIONLESS = EXEMPT_PREFIXES


class PageSession(SessionMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(SESSIONLESS):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
