"""``kuaizhao user ...`` and ``kuaizhao kiosk code``: the first admin, accounts without
the web page, and kiosk enrolment codes for setting up a hall."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from dataclasses import replace

from kiosk.cli.connect import open_redis
from kiosk.http.state import AppState
from matcher.clock import SystemClock, iso
from matcher.desk import devices
from matcher.desk.accounts import (
    OP_ROLES,
    AccountError,
    create_account,
    get_account,
    list_accounts,
    save,
    set_password,
)
from matcher.markets import MARKETS
from matcher.settings import Settings

ACCOUNT_ERRORS = {
    "account.error.username": "a username is 2-40 lowercase letters, digits or . _ -",
    "account.error.password": "a password is 10-200 characters",
    "account.error.role": "role must be one of " + ", ".join(OP_ROLES),
    "account.error.markets": "a market operator needs --market (one or more of "
    + ", ".join(MARKETS)
    + ")",
    "account.error.exists": "that username is taken",
    "account.error.missing": "no such account",
}


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("password", "account.error.mismatch")
    return first


def user_command(args: argparse.Namespace) -> int:

    settings = Settings.from_env()

    async def main() -> str:
        async with open_redis(settings) as redis:
            if args.user_cmd == "list":
                rows = [
                    f"{a.username:<20} {a.role:<9} {','.join(a.markets) or '*':<30}"
                    f" {'disabled' if a.disabled else 'active'}"
                    for a in await list_accounts(redis)
                ]
                return "\n".join(rows) or "no accounts"
            if args.user_cmd == "create":
                account = await create_account(
                    redis,
                    username=args.username,
                    password=_password(args),
                    role=args.role,
                    markets=args.market or [],
                    display_name=args.name or "",
                    created_at=iso(SystemClock().now()),
                )
                return f"created {account.username} ({account.role})"
            found = await get_account(redis, args.username)
            if found is None:
                raise AccountError("username", "account.error.missing")
            if args.user_cmd == "password":
                await set_password(redis, found, _password(args))
                return f"password of {found.username} changed"
            await save(redis, replace(found, disabled=args.user_cmd == "disable"))
            return f"{found.username} {args.user_cmd}d"

    try:
        print(asyncio.run(main()))
    except AccountError as e:
        print(f"{e.field}: {ACCOUNT_ERRORS.get(e.key, 'passwords differ')}", file=sys.stderr)
        return 2
    return 0


def kiosk_code_command(args: argparse.Namespace) -> int:

    settings = Settings.from_env()
    if args.market not in MARKETS:
        print(f"unknown market {args.market!r}; one of: {', '.join(MARKETS)}", file=sys.stderr)
        return 2

    async def main() -> str:
        async with open_redis(settings) as redis:
            return await devices.create_code(
                redis, market=args.market, name=args.name, by="cli", at=iso(SystemClock().now())
            )

    print(devices.format_code(asyncio.run(main())))
    return 0


async def demo_access(state: AppState, base: str) -> list[str]:
    """For the demo: an admin with a fresh password, and an enrolment link per market
    (open it on the browser that plays the kiosk)."""
    redis = state.store.redis
    password = secrets.token_urlsafe(12)
    now = iso(state.clock.now())
    existing = await get_account(redis, "demo-admin")
    # No display name: a name is shown as it was typed, in one language, so the pages
    # name the demo account by its login and its role ("demo-admin · 系统管理员"), in
    # the page's language. (Earlier demos stored "Demo admin", English in the zh UI.)
    if existing is None:
        await create_account(
            redis,
            username="demo-admin",
            password=password,
            role="admin",
            display_name="",
            created_at=now,
        )
    else:
        await set_password(redis, replace(existing, disabled=False, display_name=""), password)
    lines = [f"  operators' login: demo-admin / {password}"]
    lines.append("  enrol a browser as a market's kiosk (each link works once, 30 min):")
    for m in MARKETS.values():
        # Named as a hall's operator would name it (the enrolment page shows the name).
        code = await devices.create_code(redis, market=m.id, name="演示机", by="demo", at=now)
        lines.append(f"    {m.id:<10} {base}/enrol?code={code}")
    return lines


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    u = sub.add_parser("user", help="operator accounts (the first admin, password resets)")
    usub = u.add_subparsers(dest="user_cmd", required=True)
    uc = usub.add_parser("create", help="create an account; the password is asked for")
    uc.add_argument("username")
    uc.add_argument("--role", choices=OP_ROLES, required=True)
    uc.add_argument("--market", action="append", choices=list(MARKETS))
    uc.add_argument("--name", help="display name")
    uc.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    up = usub.add_parser("password", help="set a new password")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true")
    for verb in ("disable", "enable"):
        usub.add_parser(verb, help=f"{verb} an account").add_argument("username")
    usub.add_parser("list", help="list accounts")
    u.set_defaults(func=user_command)
    k = sub.add_parser("kiosk", help="kiosk devices")
    ksub = k.add_subparsers(dest="kiosk_cmd", required=True)
    kc = ksub.add_parser("code", help="a one-time enrolment code for a market's kiosk")
    kc.add_argument("--market", required=True)
    kc.add_argument("--name", required=True, help="the device's name, e.g. 'hall kiosk 1'")
    kc.set_defaults(func=kiosk_code_command)
