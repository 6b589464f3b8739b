"""API tokens for systems (a county's own software, an integration), managed by admins
from /ops/tokens: made with a role and a market, shown once, revoked at any time. Only
a SHA-256 of each token is stored, so the page lists tokens by a digest prefix."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import audit, require_operator
from kiosk.auth.tokens import ALL_MARKETS, ROLES, create_token, list_tokens, revoke_token
from kiosk.http.state import get_state
from kiosk.web.render import render
from matcher.markets import MARKETS


async def tokens(request: Request) -> Response:
    op = await require_operator(request, admin=True)
    state = get_state(request)
    redis = state.store.redis
    ctx: dict[str, Any] = {"op": op, "roles": ROLES, "markets": list(MARKETS.values())}
    status = 200
    if request.method == "POST":
        form = await request.form()
        action = str(form.get("action", ""))
        if action == "create":
            role = next((r for r in ROLES if r == form.get("role")), None)
            market = str(form.get("market", ""))
            if role is None:
                ctx["error_key"], status = "ops.tokens.error.role", 422
            elif market != ALL_MARKETS and market not in MARKETS:
                ctx["error_key"], status = "ops.tokens.error.market", 422
            else:
                ctx["new_token"] = await create_token(
                    redis,
                    market=market,
                    role=role,
                    created_at=state.clock.now().isoformat(timespec="seconds"),
                    created_by=op.username,
                )
                await audit(
                    request,
                    op,
                    "token.create",
                    market=None if market == ALL_MARKETS else market,
                    target=f"{role}@{market}",
                    after={"role": role, "market": market},
                )
        elif action == "revoke":
            gone = await revoke_token(redis, str(form.get("token", ""))[:12])
            if gone is None:
                ctx["error_key"], status = "ops.tokens.error.gone", 409
            else:
                ctx["done_key"] = "ops.tokens.revoked"
                await audit(
                    request,
                    op,
                    "token.revoke",
                    market=None if gone.market == ALL_MARKETS else gone.market,
                    target=gone.id,
                    before={"role": gone.role, "market": gone.market},
                )
        else:
            ctx["error_key"], status = "err.invalid", 422
    ctx["tokens"] = await list_tokens(redis)
    return render(request, "ops/tokens.html", ctx, status_code=status)


routes = [Route("/ops/tokens", tokens, methods=["GET", "POST"], name="ops_tokens")]
