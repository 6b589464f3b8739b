"""Rate limits on writes: per API token, else per client address.

A fixed one-minute window counted in Redis (one script: INCR, and PEXPIRE on the first),
so every web process of a market shares the count. Reads are never limited: the hall
board and kiosks poll.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.api.endpoints import error_response
from kiosk.http.csrf import SAFE_METHODS
from matcher.clock import to_ms
from matcher.store.keys import rate_limit

WINDOW_MS = 60_000


class WriteRateLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        state = getattr(scope["app"].state, "kz", None)
        if state is None or not state.settings.write_limit_per_min:
            await self.app(scope, receive, send)
            return
        limit = state.settings.write_limit_per_min
        who = _who(scope)
        # The service clock (injected in tests), so a test never straddles a window.
        now_ms = to_ms(state.clock.now())
        window = now_ms // WINDOW_MS
        key = rate_limit(who, window)
        count = await state.store.scripts.count_write(key, ttl_ms=WINDOW_MS * 2)
        if count <= limit:
            await self.app(scope, receive, send)
            return
        retry = max(1, (WINDOW_MS - now_ms % WINDOW_MS) // 1000)
        refusal = error_response(429, "rate_limited", {"Retry-After": str(retry)})
        await refusal(scope, receive, send)


def _who(scope: Scope) -> str:
    """A token, else an enrolled kiosk (several kiosks of a hall share one address
    behind its router), else the address."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.lower().startswith(b"bearer "):
            return "t:" + hashlib.sha256(value[7:].strip()).hexdigest()[:16]
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.split(b";"):
                key, _, token = part.strip().partition(b"=")
                if key == b"kz_device" and token:
                    return "k:" + hashlib.sha256(token).hexdigest()[:16]
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")
