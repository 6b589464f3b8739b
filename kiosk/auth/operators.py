"""Who is at the operators' desk: sessions, roles, and the audit of what they do.

An operator session is a random id in an HttpOnly cookie; the server keeps only a
SHA-256 of it, with the username, for twelve hours. The account is read again on
every request, so disabling an account or changing its markets takes effect at once,
and logging out ends the session on the server, not only in the browser.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kiosk.http.state import get_state
from kiosk.web.render import market_or_404
from matcher.desk import audit as audit_trail
from matcher.desk.accounts import Account, OpRole, get_account
from matcher.markets import MARKETS, Market
from matcher.store.keys import OP_SESSION_TTL_S, op_session

COOKIE = "kz_ops"


class LoginRequired(Exception):
    """No operator session: pages send the browser to the login form."""


class Forbidden(Exception):
    """Logged in, but this market or action is not theirs."""


@dataclass(frozen=True, slots=True)
class Operator:
    username: str
    role: OpRole
    markets: frozenset[str]
    display_name: str = ""

    @classmethod
    def of(cls, account: Account) -> Operator:
        return cls(account.username, account.role, frozenset(account.markets), account.display_name)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see(self, market: str) -> bool:
        return self.role in ("bureau", "admin") or market in self.markets

    def can_act(self, market: str) -> bool:
        return self.role == "admin" or (self.role == "operator" and market in self.markets)

    def can_see_phones(self) -> bool:
        # Exports and screens show masked numbers; the full number is kept only as a
        # keyed hash, so not even an admin reads it back. Kept as a rule for the views.
        return False

    def markets_seen(self) -> list[Market]:
        return [m for m in MARKETS.values() if self.can_see(m.id)]


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def start_session(request: Request, response: Response, account: Account) -> None:
    state = get_state(request)
    session_id = secrets.token_urlsafe(32)
    record = {"username": account.username, "since": state.clock.now().isoformat()}
    await state.store.redis.set(
        op_session(_digest(session_id)), json.dumps(record), ex=OP_SESSION_TTL_S
    )
    response.set_cookie(
        COOKIE, session_id, max_age=OP_SESSION_TTL_S, httponly=True, samesite="lax", path="/"
    )


async def end_session(request: Request, response: Response) -> None:
    session_id = request.cookies.get(COOKIE)
    if session_id:
        await get_state(request).store.redis.delete(op_session(_digest(session_id)))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


async def current_operator(request: Request) -> Operator | None:
    cached = request.scope.get("kz.operator", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    found: Operator | None = None
    session_id = request.cookies.get(COOKIE)
    if session_id and len(session_id) <= 100:
        redis = get_state(request).store.redis
        raw = await redis.get(op_session(_digest(session_id)))
        if raw is not None:
            account = await get_account(redis, json.loads(raw)["username"])
            if account is not None and not account.disabled:
                found = Operator.of(account)
    request.scope["kz.operator"] = found
    return found


async def require_operator(
    request: Request, market: str | None = None, *, act: bool = False, admin: bool = False
) -> Operator:
    op = await current_operator(request)
    if op is None:
        raise LoginRequired()
    if admin and not op.is_admin:
        raise Forbidden()
    if market is not None:
        if market not in MARKETS:
            from starlette.exceptions import HTTPException

            raise HTTPException(404)
        if not (op.can_act(market) if act else op.can_see(market)):
            raise Forbidden()
    elif act and op.role == "bureau":
        raise Forbidden()
    return op


async def audit(
    request: Request,
    op: Operator,
    action: str,
    *,
    market: str | None,
    target: str,
    before: object = None,
    after: object = None,
) -> None:
    state = get_state(request)
    await audit_trail.record(
        state.store.redis,
        at=state.clock.now(),
        who=op.username,
        role=op.role,
        action=action,
        market=market,
        target=target,
        before=before,
        after=after,
    )


ShowPage = Callable[[Request, Operator, Market, dict[str, Any]], Awaitable[Response]]
ChangePage = Callable[[Request, Operator, Market], Awaitable[Response]]


def market_desk(show: ShowPage, change: ChangePage) -> Callable[[Request], Awaitable[Response]]:
    """An operators' page of one market: whoever may see the market reads it; a POST
    changes something and needs an operator who may act there (never the bureau)."""

    async def endpoint(request: Request) -> Response:
        market = market_or_404(request)
        if request.method == "POST":
            op = await require_operator(request, market.id, act=True)
            return await change(request, op, market)
        op = await require_operator(request, market.id)
        return await show(request, op, market, {})

    return endpoint
