"""API tokens: bearer credentials bound to a role and a market.

Only a SHA-256 of each token is stored, so a copy of the database does not hand out
working tokens. ``KUAIZHAO_API_TOKEN`` from the environment is an integration token
for every market (automation, load tests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Literal, cast

from redis.asyncio import Redis
from starlette.requests import Request

from matcher.markets import MARKETS
from matcher.store.keys import TOKENS, MarketKeys

Role = Literal["kiosk", "employer", "operator", "integration"]
ROLES: tuple[Role, ...] = ("kiosk", "employer", "operator", "integration")
ALL_MARKETS = "*"

# What each role may do through the API.
ABILITIES: dict[Role, frozenset[str]] = {
    "kiosk": frozenset({"post_job", "check_in", "answer_offer"}),
    "employer": frozenset({"post_job", "manage_job"}),
    "operator": frozenset({"post_job", "check_in", "answer_offer", "manage_job", "moderate"}),
    "integration": frozenset({"post_job", "check_in", "answer_offer", "manage_job", "moderate"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    market: str

    def may(self, ability: str, market: str) -> bool:
        return self.market in (ALL_MARKETS, market) and ability in ABILITIES[self.role]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    redis: Redis, *, market: str, role: Role, created_at: str, created_by: str = ""
) -> str:
    token = "kz_" + secrets.token_urlsafe(24)
    record = {"role": role, "market": market, "created_at": created_at, "created_by": created_by}
    await redis.hset(TOKENS, _digest(token), json.dumps(record))
    return token


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What the operators' page may show of a token: never the token itself."""

    id: str  # the first characters of its digest
    role: str
    market: str
    created_at: str
    created_by: str


def _info(digest: str, raw: str | bytes) -> TokenInfo:
    data = json.loads(raw)
    return TokenInfo(
        id=digest[:12],
        role=data["role"],
        market=data["market"],
        created_at=data.get("created_at", ""),
        created_by=data.get("created_by", ""),
    )


async def list_tokens(redis: Redis) -> list[TokenInfo]:
    raw = await redis.hgetall(TOKENS)
    return sorted((_info(str(d), r) for d, r in raw.items()), key=lambda t: (t.created_at, t.id))


async def revoke_token(redis: Redis, token_id: str) -> TokenInfo | None:
    if len(token_id) != 12:
        return None
    for digest, raw in (await redis.hgetall(TOKENS)).items():
        if str(digest).startswith(token_id):
            await redis.hdel(TOKENS, digest)
            info = _info(str(digest), raw)
            # Then the markets it could write to move on to a new revision of their
            # rules: a process that remembered the token (``lookup`` with ``known``)
            # has its next write with it sent back and looks the token up again. In
            # this order, a lookup that still found it was made under the old revision.
            markets = list(MARKETS) if info.market == ALL_MARKETS else [info.market]
            for market in markets:
                await redis.incr(MarketKeys(market).rules_rev)
            return info
    return None


async def lookup(
    redis: Redis, token: str, env_token: str | None, known: dict[str, Any] | None = None
) -> Principal | None:
    """The principal of a token, or None. ``known``: the principals looked up under
    the revision of a market's rules the caller's write will be checked against
    (``Ruled.credentials``); a token found there needs no read."""
    if env_token and hmac.compare_digest(token.encode(), env_token.encode()):
        return Principal("integration", ALL_MARKETS)
    digest = _digest(token)
    if known is not None and (found := known.get(digest)) is not None:
        return cast(Principal, found)
    raw = await redis.hget(TOKENS, digest)
    if raw is None:
        return None
    data = json.loads(raw)
    principal = Principal(data["role"], data["market"])
    if known is not None:
        known[digest] = principal
    return principal


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
