"""Operators' access: accounts, login and its throttle, sessions, CSRF on every form,
the audit trail, and kiosk enrolment (only enrolled kiosks act as kiosks)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import Client, OpsLogin
from redis.asyncio import Redis
from support.ops import PASSWORD, csrf_hook, enrol, login, seed_session, session_data

from matcher.desk import audit, devices
from matcher.desk.accounts import AccountError, create_account, get_account, verify

NOW = "2026-11-27T09:00:00+08:00"


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


# -- accounts -----------------------------------------------------------------------------


async def test_passwords_are_kept_only_as_argon2_hashes(redis: Redis) -> None:
    account = await create_account(
        redis, username="Wang.Li", password=PASSWORD, role="bureau", created_at=NOW
    )
    assert account.username == "wang.li"
    raw = await redis.hget("kz:accounts", "wang.li")
    assert raw is not None and PASSWORD not in raw and "$argon2id$" in raw
    assert await verify(redis, "wang.li", PASSWORD) is not None
    assert await verify(redis, "WANG.LI ", PASSWORD) is not None
    assert await verify(redis, "wang.li", PASSWORD + "x") is None
    assert await verify(redis, "nobody", PASSWORD) is None


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"username": "x"}, "username"),
        ({"username": "张三"}, "username"),
        ({"password": "short"}, "password"),
        ({"role": "operator", "markets": ()}, "markets"),
        ({"role": "operator", "markets": ("atlantis",)}, "markets"),
    ],
)
async def test_bad_account_fields_are_named(
    redis: Redis, kw: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {
        "username": "ok-name",
        "password": PASSWORD,
        "role": "admin",
        "created_at": NOW,
        **kw,
    }
    with pytest.raises(AccountError) as err:
        await create_account(redis, **args)  # type: ignore[arg-type]
    assert err.value.field == field


async def test_a_username_is_taken_once(redis: Redis) -> None:
    await create_account(redis, username="li", password=PASSWORD, role="admin", created_at=NOW)
    with pytest.raises(AccountError) as err:
        await create_account(redis, username="li", password=PASSWORD, role="bureau", created_at=NOW)
    assert err.value.key == "account.error.exists"
    assert (await get_account(redis, "li")).role == "admin"  # type: ignore[union-attr]


# -- login, sessions ------------------------------------------------------------------------


async def test_anonymous_gets_nothing(bare_client: Client) -> None:
    for path in ("/ops/accounts", "/ops/audit", "/ops/m/kaili/kiosks"):
        r = await bare_client.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/ops/login?next=")
    r = await bare_client.get("/ops/audit", headers={"HX-Request": "true"})
    assert r.status_code == 401


async def test_login_sets_a_strict_session_cookie_and_logout_ends_it(client: Client) -> None:
    await create_account(
        client.state.store.redis,
        username="hall",
        password=PASSWORD,
        role="operator",
        markets=("kaili",),
        created_at=NOW,
    )
    page = soup((await client.get("/ops/login?next=/ops/audit")).text)
    form = page.select_one("form.ops-login")
    assert form is not None and form.select_one("input[name=csrf]") is not None
    assert form.select_one("input[name=next]")["value"] == "/ops/audit"  # type: ignore[index]
    r = await client.post(
        "/ops/login", data={"username": "hall", "password": PASSWORD, "next": "/ops/audit"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/ops/audit"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("kz_ops="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert (await client.get("/ops/audit")).status_code == 200
    stolen = client.cookies.get("kz_ops")
    r = await client.post("/ops/logout")
    assert r.status_code == 303
    # The old cookie is dead on the server, not only forgotten by the browser.
    client.cookies.set("kz_ops", stolen or "", domain="kz.test")
    assert (await client.get("/ops/audit")).status_code == 303


async def test_login_never_redirects_off_site(client: Client) -> None:
    await create_account(
        client.state.store.redis, username="hall", password=PASSWORD, role="bureau", created_at=NOW
    )
    r = await client.post(
        "/ops/login", data={"username": "hall", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert r.headers["location"] == "/ops/"


async def test_wrong_passwords_are_throttled(client: Client) -> None:
    await create_account(
        client.state.store.redis, username="hall", password=PASSWORD, role="bureau", created_at=NOW
    )
    await seed_session(client)
    for _ in range(5):
        r = await client.post("/ops/login", data={"username": "hall", "password": "guess-guess"})
        assert r.status_code == 401
        assert "用户名或密码不对" in r.text
    # Even the right password waits out the window now.
    r = await client.post("/ops/login", data={"username": "hall", "password": PASSWORD})
    assert r.status_code == 429
    assert "15 分钟" in r.text


async def test_a_disabled_account_is_out_at_once(client: Client, ops_login: OpsLogin) -> None:
    name = await ops_login()
    assert (await client.get("/ops/audit")).status_code == 200
    redis = client.state.store.redis
    from dataclasses import replace

    from matcher.desk.accounts import save

    account = await get_account(redis, name)
    assert account is not None
    await save(redis, replace(account, disabled=True))
    assert (await client.get("/ops/audit")).status_code == 303


async def test_session_cookies_are_secure_behind_tls(bare_client: Client) -> None:
    # uvicorn's proxy headers turn X-Forwarded-Proto: https into the request's scheme.
    bare_client.event_hooks["request"] = [csrf_hook(bare_client)]
    bare_client.base_url = "https://kz.test"  # type: ignore[assignment]
    r = await bare_client.get("/enrol")
    [session] = r.headers.get_list("set-cookie")
    assert "Secure" in session and "httponly" in session.lower()
    await create_account(
        bare_client.state.store.redis,
        username="hall",
        password=PASSWORD,
        role="bureau",
        created_at=NOW,
    )
    r = await bare_client.post("/ops/login", data={"username": "hall", "password": PASSWORD})
    assert r.status_code == 303
    cookies = r.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c for c in cookies)


# -- roles ----------------------------------------------------------------------------------


async def test_accounts_page_is_for_admins(client: Client, ops_login: OpsLogin) -> None:
    await ops_login(role="operator", markets=("kaili",))
    assert (await client.get("/ops/accounts")).status_code == 403


async def test_admin_creates_and_disables_accounts_with_an_audit_trail(
    client: Client, ops_login: OpsLogin
) -> None:
    admin = await ops_login(role="admin", markets=())
    page = soup((await client.get("/ops/accounts")).text)
    assert page.select_one("tr[data-username=admin-all]") is not None
    r = await client.post(
        "/ops/accounts",
        data={
            "action": "create",
            "username": "liping-desk",
            "display_name": "黎平 柜台",
            "role": "operator",
            "markets": ["liping"],
            "password": PASSWORD,
        },
    )
    assert r.status_code == 200
    assert soup(r.text).select_one("tr[data-username=liping-desk]") is not None
    # A bad field is named, in Chinese first.
    r = await client.post(
        "/ops/accounts",
        data={"action": "create", "username": "x", "role": "bureau", "password": PASSWORD},
    )
    assert r.status_code == 422
    error = soup(r.text).select_one(".form-error")
    assert error is not None and error["data-field"] == "username" and "用户名" in error.text
    r = await client.post("/ops/accounts", data={"action": "disable", "username": "liping-desk"})
    assert r.status_code == 200
    account = await get_account(client.state.store.redis, "liping-desk")
    assert account is not None and account.disabled
    # Nobody locks themselves out.
    r = await client.post("/ops/accounts", data={"action": "disable", "username": admin})
    assert r.status_code == 422
    entries = await audit.recent(client.state.store.redis)
    actions = [(e.who, e.action, e.target) for e in entries]
    assert (admin, "account.create", "liping-desk") in actions
    disabled = next(e for e in entries if e.action == "account.disable")
    assert disabled.before["disabled"] is False and disabled.after["disabled"] is True
    assert all("password_hash" not in str(e.after) for e in entries)


async def test_an_operator_sees_only_their_markets_audit(
    client: Client, ops_login: OpsLogin
) -> None:
    redis = client.state.store.redis
    for market in ("kaili", "liping"):
        await audit.record(
            redis,
            at=client.state.clock.now(),
            who="someone",
            role="operator",
            action="settings.change",
            market=market,
            target=market,
        )
    await ops_login(role="operator", markets=("kaili",))
    page = soup((await client.get("/ops/audit")).text)
    markets = {row.select("td")[3].text for row in page.select("tbody tr[data-action]")}
    assert "kaili" in markets and "liping" not in markets
    assert (await client.get("/ops/audit?market=liping")).status_code == 403
    assert (await client.get("/ops/m/liping/kiosks")).status_code == 403


async def test_bureau_reads_everything_and_changes_nothing(
    client: Client, ops_login: OpsLogin
) -> None:
    await ops_login(role="bureau", markets=())
    assert (await client.get("/ops/audit?market=liping")).status_code == 200
    assert (await client.get("/ops/m/kaili/kiosks")).status_code == 403


# -- CSRF ------------------------------------------------------------------------------------


async def test_a_form_without_its_token_is_refused(bare_client: Client) -> None:
    await seed_session(bare_client)
    r = await bare_client.post("/ops/login", data={"username": "a", "password": "b"})
    assert r.status_code == 403
    assert "页面已过期" in r.text
    r = await bare_client.post(
        "/ops/login", data={"username": "a", "password": "b", "csrf": "forged-token-000000000"}
    )
    assert r.status_code == 403
    token = session_data(bare_client)["csrf"]
    r = await bare_client.post("/ops/login", data={"username": "a", "password": "b", "csrf": token})
    assert r.status_code == 401  # through the guard, to the login check itself
    r = await bare_client.post(
        "/ops/login", data={"username": "a", "password": "b"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 401


async def test_every_post_form_carries_the_token(client: Client, ops_login: OpsLogin) -> None:
    await ops_login(role="admin", markets=())
    for path in ("/ops/accounts", "/ops/m/kaili/kiosks", "/m/kaili/worker", "/enrol"):
        page = soup((await client.get(path)).text)
        token = session_data(client)["csrf"]
        forms = page.select("form[method=post]")
        assert forms, path
        for form in forms:
            field = form.select_one("input[name=csrf]")
            assert field is not None and field["value"] == token, (path, form.get("action"))
        body = page.select_one("body")
        assert body is not None and token in str(body.get("hx-headers"))


async def test_the_api_takes_bearer_tokens_not_csrf(
    bare_client: Client, auth: dict[str, str]
) -> None:
    r = await bare_client.post("/api/v1/markets/kaili/jobs", json={}, headers=auth)
    assert r.status_code == 422  # validation, not a CSRF refusal


# -- kiosk enrolment --------------------------------------------------------------------------


async def test_a_device_nobody_enrolled_cannot_act_as_a_kiosk(bare_client: Client) -> None:
    bare_client.event_hooks["request"] = [csrf_hook(bare_client)]
    await seed_session(bare_client)
    r = await bare_client.get("/m/kaili/worker")
    assert r.status_code == 200  # anyone may look
    r = await bare_client.post("/m/kaili/worker", data={"phone": "13800000000"})
    assert r.status_code == 403
    page = soup(r.text)
    assert "这台机器还不能办理登记" in page.text
    assert page.select_one("a[href='/enrol']") is not None


async def test_an_operator_enrols_a_kiosk_once(
    client: Client, bare_client: Client, ops_login: OpsLogin
) -> None:
    name = await ops_login(role="operator", markets=("kaili",))
    r = await client.post("/ops/m/kaili/kiosks", data={"action": "code", "name": "大厅 1 号机"})
    assert r.status_code == 200
    page = soup(r.text)
    shown = page.select_one("#enrol-code")
    assert shown is not None
    code = devices.normalise_code(shown.text)
    assert len(code) == 8 and page.select_one(".qr svg") is not None
    # The kiosk's browser types it.
    kiosk = bare_client
    kiosk.event_hooks["request"] = [csrf_hook(kiosk)]
    enrol_page = soup((await kiosk.get(f"/enrol?code={code}")).text)
    assert enrol_page.select_one("input[name=code]")["value"] == code  # type: ignore[index]
    # First the market it would serve, to confirm (tests/web/test_enrol_confirm.py); the
    # device is nobody's kiosk until then.
    r = await kiosk.post("/enrol", data={"code": f"{code[:4]} {code[4:]}"})
    assert r.status_code == 200 and "kz_device" not in r.headers.get("set-cookie", "")
    market = soup(r.text).select_one(".enrol-market")
    assert market is not None and market.get_text() == "本机将登记为 凯里零工市场 的服务机"
    r = await kiosk.post("/enrol", data={"code": code, "market": "kaili", "confirm": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/m/kaili/"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("kz_device="))
    assert "httponly" in cookie.lower()
    r = await kiosk.post("/m/kaili/worker", data={"phone": "13800000000"})
    assert r.status_code == 303
    # A Kaili kiosk is not Liping's.
    r = await kiosk.post("/m/liping/worker", data={"phone": "13800000000"})
    assert r.status_code == 403
    # The code worked once.
    other = soup((await client.get("/enrol")).text)
    assert other.select_one("form") is not None
    r = await client.post("/enrol", data={"code": code})
    assert r.status_code == 422 and "登记码不对" in r.text
    # Listed, then revoked: the kiosk stops acting as one.
    page = soup((await client.get("/ops/m/kaili/kiosks")).text)
    [row] = page.select("tr[data-device]")
    assert "大厅 1 号机" in row.text
    r = await client.post(
        "/ops/m/kaili/kiosks", data={"action": "revoke", "device": row["data-device"]}
    )
    assert r.status_code == 200 and not soup(r.text).select("tr[data-device]")
    r = await kiosk.post("/m/kaili/worker", data={"phone": "13800000000"})
    assert r.status_code == 403
    actions = [(e.who, e.action) for e in await audit.recent(client.state.store.redis)]
    assert (name, "kiosk.code") in actions and (name, "kiosk.revoke") in actions


async def test_staff_at_the_desk_may_act_for_their_market(
    bare_client: Client,
) -> None:
    bare_client.event_hooks["request"] = [csrf_hook(bare_client)]
    await login(bare_client, role="operator", markets=("kaili",))
    r = await bare_client.post("/m/kaili/worker", data={"phone": "13800000000"})
    assert r.status_code == 303
    r = await bare_client.post("/m/liping/worker", data={"phone": "13800000000"})
    assert r.status_code == 403


async def test_wrong_codes_are_throttled(bare_client: Client) -> None:
    bare_client.event_hooks["request"] = [csrf_hook(bare_client)]
    await seed_session(bare_client)
    for _ in range(10):
        r = await bare_client.post("/enrol", data={"code": "00000000"})
        assert r.status_code == 422
    r = await bare_client.post("/enrol", data={"code": "00000000"})
    assert r.status_code == 429


async def test_enrolled_devices_are_stored_as_hashes(client: Client) -> None:
    device = await enrol(client, "kaili")
    token = client.cookies.get("kz_device")
    raw = await client.state.store.redis.hgetall("kz:devices")
    assert token and all(token not in k and token not in v for k, v in raw.items())
    assert device.serves("kaili") and not device.serves("liping")


async def test_admin_moves_an_operator_to_another_market(
    client: Client, ops_login: OpsLogin
) -> None:
    await ops_login(role="admin", markets=())
    await create_account(
        client.state.store.redis,
        username="desk",
        password=PASSWORD,
        role="operator",
        markets=("kaili",),
        created_at=NOW,
    )
    r = await client.post(
        "/ops/accounts",
        data={"action": "markets", "username": "desk", "role": "operator", "markets": ["liping"]},
    )
    assert r.status_code == 200
    account = await get_account(client.state.store.redis, "desk")
    assert account is not None and account.markets == ("liping",)
    [entry] = [e for e in await audit.recent(client.state.store.redis) if e.target == "desk"]
    assert entry.before["markets"] == ["kaili"] and entry.after["markets"] == ["liping"]


@pytest.mark.parametrize(
    "typed",
    ["12345678", "1234 5678", "1234-5678", "https://kz.example.cn:8443/enrol?code=12345678"],
)
def test_a_code_is_read_however_it_was_typed_or_scanned(typed: str) -> None:
    assert devices.normalise_code(typed) == "12345678"


# -- limits ---------------------------------------------------------------------------------


async def test_each_kiosk_has_its_own_write_allowance(client: Client, bare_client: Client) -> None:
    """Kiosks of one hall share the hall's address; one busy kiosk must not stop the
    others, so an enrolled kiosk is counted by its credential."""
    from dataclasses import replace

    # Another kiosk at the same address, enrolled first (the code and its confirmation
    # are two writes from the hall's address, before it is a kiosk).
    other = bare_client
    other.event_hooks["request"] = [csrf_hook(other)]
    await enrol(other, "kaili")
    client.state.settings = replace(client.state.settings, write_limit_per_min=2)
    other.state.settings = client.state.settings
    codes = [(await client.post("/m/kaili/leave")).status_code for _ in range(3)]
    assert codes[2] == 429
    # The other kiosk still writes.
    assert (await other.post("/m/kaili/leave")).status_code != 429


async def test_an_oversized_body_is_refused_before_anything_reads_it(client: Client) -> None:
    await seed_session(client)
    r = await client.post("/ops/login", content=b"a=" + b"x" * 70_000)
    assert r.status_code == 413
    assert "请求太大" in r.json()["error"]["message"]
    # A body that hides its length is cut off at the same line.

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 8192

    r = await client.post(
        "/ops/login",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code in (403, 413)


# -- API tokens -----------------------------------------------------------------------------


async def test_admin_makes_and_revokes_api_tokens(client: Client, ops_login: OpsLogin) -> None:
    from kiosk.auth.tokens import lookup

    admin = await ops_login(role="admin", markets=())
    r = await client.post(
        "/ops/tokens", data={"action": "create", "role": "integration", "market": "liping"}
    )
    assert r.status_code == 200
    page = soup(r.text)
    shown = page.select_one("#new-token")
    assert shown is not None
    token = shown.get_text(strip=True)
    redis = client.state.store.redis
    principal = await lookup(redis, token, None)
    assert principal is not None and (principal.role, principal.market) == ("integration", "liping")
    # Listed by a digest prefix, never the token itself; shown once.
    [row] = page.select("tr[data-token]")
    assert token not in row.get_text() and admin in row.get_text()
    again = await client.get("/ops/tokens")
    assert token not in again.text
    # A bad role is named; a revoked token stops working.
    r = await client.post("/ops/tokens", data={"action": "create", "role": "god", "market": "*"})
    assert r.status_code == 422 and "请选一个角色" in r.text
    r = await client.post("/ops/tokens", data={"action": "revoke", "token": row["data-token"]})
    assert r.status_code == 200 and "令牌已作废" in r.text
    assert await lookup(redis, token, None) is None
    r = await client.get(
        "/api/v1/markets/liping/arrears", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401
    trail = [(e.action, e.who) for e in await audit.recent(redis)]
    assert ("token.create", admin) in trail and ("token.revoke", admin) in trail


async def test_only_admins_manage_tokens(client: Client, ops_login: OpsLogin) -> None:
    await ops_login(role="bureau", markets=())
    assert (await client.get("/ops/tokens")).status_code == 403
    nav = soup((await client.get("/ops/audit")).text).select_one("nav.ops-nav")
    assert nav is not None and "接口令牌" not in nav.get_text()
