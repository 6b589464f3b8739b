"""Getting in to the operators' area and keeping it safe: login, logout, accounts,
the audit trail, and kiosk enrolment (the operator's side and the kiosk's side).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound, Route

from kiosk.auth.device_guard import DEVICE_COOKIE, enrolled_device
from kiosk.auth.operators import (
    Forbidden,
    LoginRequired,
    Operator,
    audit,
    current_operator,
    end_session,
    require_operator,
    start_session,
)
from kiosk.http.csrf import token_for
from kiosk.http.state import get_state
from kiosk.web.i18n import t
from kiosk.web.qr import qr_svg
from kiosk.web.render import market_or_404, render
from kiosk.web.templating import request_lang, templates
from matcher.desk import audit as audit_trail
from matcher.desk import devices
from matcher.desk.accounts import (
    OP_ROLES,
    AccountError,
    OpRole,
    check_markets,
    create_account,
    get_account,
    list_accounts,
    save,
    set_password,
    verify,
)
from matcher.markets import MARKETS
from matcher.store.keys import LOGIN_WINDOW_S, login_failures

DEVICE_COOKIE_AGE_S = 5 * 365 * 86400
# Failed logins allowed per window: per name (guessing one password) and per address
# (trying many names).
FAILS_PER_NAME = 5
FAILS_PER_ADDRESS = 20
FAILS_ENROL = 10


# -- navigation ---------------------------------------------------------------------------

GLOBAL_NAV = (
    ("ops", "ops.nav.today"),
    ("ops_history_all", "ops.nav.history"),
    ("ops_audit", "ops.nav.audit"),
    ("ops_accounts", "ops.nav.accounts"),
    ("ops_tokens", "ops.nav.tokens"),
)
MARKET_NAV = (
    ("ops_market", "ops.nav.today"),
    ("ops_history", "ops.nav.history"),
    ("ops_moderation", "ops.nav.moderation"),
    ("ops_aftercare", "ops.nav.aftercare"),
    ("ops_blocks", "ops.nav.blocks"),
    ("ops_settings", "ops.nav.settings"),
    ("ops_kiosks", "ops.nav.kiosks"),
)


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    url: str
    current: bool


def _item(request: Request, name: str, label: str, **params: str) -> NavItem | None:
    try:
        path = request.url_for(name, **params).path
    except NoMatchFound:
        # A page another part of the operators' area has not registered (yet).
        return None
    return NavItem(label, path, path == request.url.path)


@pass_context
def ops_nav(context: dict[str, Any], market: str | None) -> dict[str, list[NavItem]]:
    request: Request = context["request"]
    op: Operator | None = context.get("op")
    out: dict[str, list[NavItem]] = {"global": [], "market": []}
    if op is None:
        return out
    for name, label in GLOBAL_NAV:
        if name in ("ops_accounts", "ops_tokens") and not op.is_admin:
            continue
        if item := _item(request, name, label):
            out["global"].append(item)
    if market is not None:
        acting = op.can_act(market)
        for name, label in MARKET_NAV:
            if name in ("ops_settings", "ops_kiosks", "ops_blocks") and not acting:
                continue
            if item := _item(request, name, label, market=market):
                out["market"].append(item)
    return out


templates.env.globals["ops_nav"] = ops_nav


# -- errors -------------------------------------------------------------------------------


def _wants_page(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.headers.get("HX-Request") != "true"
        and "text/event-stream" not in accept
        and request.method in ("GET", "HEAD")
        and not request.url.path.endswith((".csv", ".xlsx"))
    )


async def login_required(request: Request, exc: Exception) -> Response:
    if _wants_page(request):
        login = request.url_for("ops_login").path
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = request.url_for("ops_login").include_query_params(next=back)
        return RedirectResponse(f"{login}?{url.query}", status_code=303)
    return render(request, "error.html", {"message_key": "ops.error.login"}, status_code=401)


async def forbidden(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", {"message_key": "ops.error.forbidden"}, status_code=403)


exception_handlers: dict[Any, Any] = {LoginRequired: login_required, Forbidden: forbidden}


# -- login --------------------------------------------------------------------------------


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/ops/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ops/"


async def _failures(request: Request, *names: str) -> list[int]:
    redis = get_state(request).store.redis
    # A pipeline, not MGET: the counters are in different slots on a cluster.
    async with redis.pipeline(transaction=False) as p:
        for n in names:
            p.get(login_failures(n))
        counts = await p.execute()
    return [int(c or 0) for c in counts]


async def _count_failure(request: Request, *names: str) -> None:
    redis = get_state(request).store.redis
    async with redis.pipeline(transaction=False) as p:
        for n in names:
            p.incr(login_failures(n))
            p.expire(login_failures(n), LOGIN_WINDOW_S, nx=True)
        await p.execute()


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(
            request,
            "ops/login.html",
            {"next": _safe_next(request.query_params.get("next")), "username": ""},
        )
    form = await request.form()
    username = str(form.get("username", ""))[:60].strip().lower()
    password = str(form.get("password", ""))[:300]
    next_url = _safe_next(str(form.get("next", "")))
    address = _client_address(request)
    by_name, by_address = await _failures(request, f"u:{username}", f"ip:{address}")
    ctx: dict[str, Any] = {"next": next_url, "username": username}
    if by_name >= FAILS_PER_NAME or by_address >= FAILS_PER_ADDRESS:
        ctx["error_key"] = "ops.login.throttled"
        return render(request, "ops/login.html", ctx, status_code=429)
    account = await verify(get_state(request).store.redis, username, password)
    if account is None:
        await _count_failure(request, f"u:{username}", f"ip:{address}")
        ctx["error_key"] = "ops.login.wrong"
        return render(request, "ops/login.html", ctx, status_code=401)
    response = RedirectResponse(next_url, status_code=303)
    await start_session(request, response, account)
    # A fresh CSRF token with the new privilege: one seen before login is worthless.
    request.session.pop("csrf", None)
    token_for(request.session)
    op = Operator.of(account)
    await audit(request, op, "login", market=None, target=op.username)
    return response


async def logout(request: Request) -> Response:
    op = await current_operator(request)
    response = RedirectResponse(request.url_for("ops_login").path, status_code=303)
    if op is not None:
        await audit(request, op, "logout", market=None, target=op.username)
    await end_session(request, response)
    return response


# -- accounts (admin) ---------------------------------------------------------------------


async def accounts(request: Request) -> Response:
    op = await require_operator(request, admin=True)
    state = get_state(request)
    redis = state.store.redis
    ctx: dict[str, Any] = {"op": op, "roles": OP_ROLES, "markets": list(MARKETS.values())}
    status = 200
    if request.method == "POST":
        form = await request.form()
        action = str(form.get("action", ""))
        try:
            ctx["done_key"] = await _account_action(request, op, action, form)
        except AccountError as e:
            ctx["error_key"] = e.key
            ctx["error_field"] = e.field
            ctx["form"] = {k: str(v) for k, v in form.items() if k != "password"}
            status = 422
    ctx["accounts"] = await list_accounts(redis)
    return render(request, "ops/accounts.html", ctx, status_code=status)


async def _account_action(request: Request, op: Operator, action: str, form: Any) -> str:
    state = get_state(request)
    redis = state.store.redis
    username = str(form.get("username", ""))
    if action == "create":
        role = str(form.get("role", ""))
        if role not in OP_ROLES:
            raise AccountError("role", "account.error.role")
        created = await create_account(
            redis,
            username=username,
            password=str(form.get("password", "")),
            role=_role(role),
            markets=[str(m) for m in form.getlist("markets")],
            display_name=str(form.get("display_name", "")),
            created_at=state.clock.now().isoformat(timespec="seconds"),
        )
        await audit(
            request,
            op,
            "account.create",
            market=None,
            target=created.username,
            after=created.public(),
        )
        return "ops.accounts.created"
    found = await get_account(redis, username)
    if found is None:
        raise AccountError("username", "account.error.missing")
    account = found
    before = account.public()
    if action in ("disable", "enable"):
        if account.username == op.username:
            raise AccountError("username", "account.error.self")
        account = replace(account, disabled=action == "disable")
        await save(redis, account)
    elif action == "password":
        account = await set_password(redis, account, str(form.get("password", "")))
    elif action == "markets":
        role = str(form.get("role", account.role))
        if role not in OP_ROLES:
            raise AccountError("role", "account.error.role")
        if account.username == op.username and role != "admin":
            raise AccountError("role", "account.error.self")
        chosen = check_markets(_role(role), [str(m) for m in form.getlist("markets")])
        account = replace(account, role=_role(role), markets=chosen)
        await save(redis, account)
    else:
        raise AccountError("action", "account.error.action")
    # A password is never written to the trail, only that it changed.
    await audit(
        request,
        op,
        f"account.{action}",
        market=None,
        target=account.username,
        before=before,
        after=account.public(),
    )
    return f"ops.accounts.{action}.done"


def _role(value: str) -> OpRole:
    for role in OP_ROLES:
        if role == value:
            return role
    raise AccountError("role", "account.error.role")


# -- audit trail --------------------------------------------------------------------------


async def audit_page(request: Request) -> Response:
    op = await require_operator(request)
    redis = get_state(request).store.redis
    wanted = request.query_params.get("market") or None
    if wanted is not None and (wanted not in MARKETS or not op.can_see(wanted)):
        raise Forbidden()
    if wanted is not None:
        scope: set[str] | None = {wanted}
    elif op.is_admin:
        scope = None
    else:
        scope = {m.id for m in op.markets_seen()}
    entries = await audit_trail.recent(redis, markets=scope)
    return render(
        request,
        "ops/audit.html",
        {"op": op, "entries": entries, "wanted": wanted, "markets": op.markets_seen()},
    )


# -- kiosk enrolment ----------------------------------------------------------------------


async def kiosks(request: Request) -> Response:
    market = market_or_404(request)
    op = await require_operator(request, market.id, act=True)
    state = get_state(request)
    redis = state.store.redis
    ctx: dict[str, Any] = {"op": op, "ops_market": market, "market": market}
    status = 200
    if request.method == "POST":
        form = await request.form()
        action = str(form.get("action", ""))
        if action == "code":
            name = " ".join(str(form.get("name", "")).split())[:30]
            if not name:
                ctx["error_key"] = "ops.kiosks.error.name"
                status = 422
            else:
                code = await devices.create_code(
                    redis,
                    market=market.id,
                    name=name,
                    by=op.username,
                    at=state.clock.now().isoformat(timespec="seconds"),
                )
                link = str(request.url_for("enrol").include_query_params(code=code))
                ctx.update(code=devices.format_code(code), link=link, qr=qr_svg(link), name=name)
                await audit(request, op, "kiosk.code", market=market.id, target=name)
        elif action == "revoke":
            gone = await devices.revoke(redis, str(form.get("device", "")))
            if gone is not None and gone.market == market.id:
                await audit(
                    request,
                    op,
                    "kiosk.revoke",
                    market=market.id,
                    target=gone.id,
                    before={"name": gone.name, "enrolled_at": gone.enrolled_at},
                )
                ctx["done_key"] = "ops.kiosks.revoked"
    ctx["devices"] = await devices.list_devices(redis, market.id)
    return render(request, "ops/kiosks.html", ctx, status_code=status)


async def enrol(request: Request) -> Response:
    """The kiosk's side: type the code an operator generated, see which market's kiosk
    it makes this device, and confirm. A code read off the wrong screen must not quietly
    turn a hall's kiosk into another market's (its check-ins would go there)."""
    state = get_state(request)
    redis = state.store.redis
    ctx: dict[str, Any] = {"code": devices.normalise_code(request.query_params.get("code", ""))}
    if request.method == "GET":
        return render(request, "hall/enrol.html", ctx)
    form = await request.form()
    address = f"enrol:{_client_address(request)}"
    (fails,) = await _failures(request, address)
    if fails >= FAILS_ENROL:
        ctx["error_key"] = "enrol.throttled"
        return render(request, "hall/enrol.html", ctx, status_code=429)
    code = str(form.get("code", ""))
    pending = await devices.peek(redis, code)
    if pending is None:
        await _count_failure(request, address)
        ctx["error_key"] = "enrol.wrong"
        ctx["code"] = devices.normalise_code(code)[:8]
        return render(request, "hall/enrol.html", ctx, status_code=422)
    if form.get("confirm") != "1" or form.get("market") != pending.market:
        # The second step: what this device is about to become, and what it is now.
        ctx.update(
            code=devices.normalise_code(code),
            pending=pending,
            market_name=await _market_name(request, pending.market),
        )
        current = await enrolled_device(request)
        if current is not None and current.market != pending.market:
            ctx["current_name"] = await _market_name(request, current.market)
        return render(request, "hall/enrol.html", ctx)
    found = await devices.redeem(redis, code, at=state.clock.now().isoformat(timespec="seconds"))
    if found is None:
        # Used or expired between the two steps.
        await _count_failure(request, address)
        ctx["error_key"] = "enrol.wrong"
        return render(request, "hall/enrol.html", ctx, status_code=422)
    token, device = found
    market = MARKETS.get(device.market)
    target = (
        request.url_for("home", market=market.id).path if market else request.url_for("picker").path
    )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE_S,
        httponly=True,
        samesite="lax",
        path="/",
    )
    return response


async def _market_name(request: Request, market_id: str) -> str:
    """A market as its operators name it, in the page's language ("every market" for a
    device enrolled for all)."""
    lang = request_lang(request)
    if market_id not in MARKETS:
        return t("enrol.all_markets", lang)
    named = await get_state(request).store.market_settings.effective(market_id)
    return named.name_zh if lang == "zh" else named.name_en


routes = [
    Route("/ops/login", login, methods=["GET", "POST"], name="ops_login"),
    Route("/ops/logout", logout, methods=["POST"], name="ops_logout"),
    Route("/ops/accounts", accounts, methods=["GET", "POST"], name="ops_accounts"),
    Route("/ops/audit", audit_page, name="ops_audit"),
    Route("/ops/m/{market}/kiosks", kiosks, methods=["GET", "POST"], name="ops_kiosks"),
    Route("/enrol", enrol, methods=["GET", "POST"], name="enrol"),
]
