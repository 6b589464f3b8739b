"""Operator accounts: who may run which markets from ``/ops/``.

Three roles: a market operator (hall staff of one or more markets), the bureau (the
prefecture's employment bureau: every market, read only) and admin (accounts, markets,
kiosk enrolment everywhere). Passwords are kept only as argon2id hashes, so a copy of
the database does not hand out logins.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from redis.asyncio import Redis

from matcher.markets import MARKETS
from matcher.store.keys import ACCOUNTS

OpRole = Literal["operator", "bureau", "admin"]
OP_ROLES: tuple[OpRole, ...] = ("operator", "bureau", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password
# and the response time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("kuaizhao-no-such-account")


class AccountError(ValueError):
    """A bad account field; ``field`` names it for the form and the CLI."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: OpRole
    markets: tuple[str, ...] = ()
    display_name: str = ""
    disabled: bool = False
    created_at: str = ""
    password_hash: str = field(default="", repr=False)

    def public(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("password_hash")
        return out


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 40 or not set(name) <= USERNAME_CHARS:
        raise AccountError("username", "account.error.username")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError("password", "account.error.password")
    return password


def check_markets(role: OpRole, markets: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if role not in OP_ROLES:
        raise AccountError("role", "account.error.role")
    chosen = tuple(m for m in MARKETS if m in set(markets))
    if any(m not in MARKETS for m in markets):
        raise AccountError("markets", "account.error.markets")
    if role == "operator" and not chosen:
        raise AccountError("markets", "account.error.markets")
    return chosen if role == "operator" else ()


def _load(raw: str | bytes | None) -> Account | None:
    if raw is None:
        return None
    data = json.loads(raw)
    data["markets"] = tuple(data.get("markets", ()))
    data["role"] = cast(OpRole, data["role"])
    return Account(**data)


async def get_account(redis: Redis, username: str) -> Account | None:
    return _load(await redis.hget(ACCOUNTS, username.strip().lower()))


async def list_accounts(redis: Redis) -> list[Account]:
    raw = await redis.hgetall(ACCOUNTS)
    accounts = [a for v in raw.values() if (a := _load(v)) is not None]
    return sorted(accounts, key=lambda a: a.username)


async def save(redis: Redis, account: Account) -> None:
    await redis.hset(ACCOUNTS, account.username, account_json(account))


def new_account(
    *,
    username: str,
    password: str,
    role: OpRole,
    markets: list[str] | tuple[str, ...] = (),
    display_name: str = "",
    created_at: str,
) -> Account:
    """A checked account with its password hashed, not yet stored."""
    return Account(
        username=check_username(username),
        role=role,
        markets=check_markets(role, markets),
        display_name=display_name.strip()[:40],
        created_at=created_at,
        password_hash=_hasher.hash(check_password(password)),
    )


def account_json(account: Account) -> str:
    return json.dumps(asdict(account), ensure_ascii=False)


async def create_account(
    redis: Redis,
    *,
    username: str,
    password: str,
    role: OpRole,
    markets: list[str] | tuple[str, ...] = (),
    display_name: str = "",
    created_at: str,
) -> Account:
    account = new_account(
        username=username,
        password=password,
        role=role,
        markets=markets,
        display_name=display_name,
        created_at=created_at,
    )
    # HSETNX: two admins creating the same name at once get one account, not the later.
    created = await redis.hsetnx(ACCOUNTS, account.username, account_json(account))
    if not created:
        raise AccountError("username", "account.error.exists")
    return account


async def set_password(redis: Redis, account: Account, password: str) -> Account:
    updated = replace(account, password_hash=_hasher.hash(check_password(password)))
    await save(redis, updated)
    return updated


async def verify(redis: Redis, username: str, password: str) -> Account | None:
    """The account when the password is right and the account is enabled."""
    account = await get_account(redis, username)
    stored = account.password_hash if account else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        # Parameters raised since the hash was made: upgrade it while we know the password.
        account = await set_password(redis, account, password)
    return account
