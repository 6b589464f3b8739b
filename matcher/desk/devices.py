"""Kiosk enrolment: only devices an operator enrolled act as a market's kiosks.

An operator generates a one-time code for a market; the kiosk's browser opens the
enrolment page and types it (or follows the code's link), and receives a long-lived
device credential in an HttpOnly cookie. Only a SHA-256 of the credential is stored,
and an operator can revoke a device at any time.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

from matcher.store.keys import DEVICES, ENROL_CODE_TTL_S, enrol_code

ALL_MARKETS = "*"
CODE_DIGITS = 8


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    market: str
    name: str
    enrolled_at: str
    enrolled_by: str

    def serves(self, market: str) -> bool:
        return self.market in (ALL_MARKETS, market)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(text: str) -> str:
    """Digits only: a code typed with spaces or a dash still matches, and so does the
    code's link typed in by a keyboard-wedge scanner reading its QR."""
    if "code=" in text:
        text = text.rsplit("code=", 1)[1].split("&", 1)[0]
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def format_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


async def create_code(redis: Redis, *, market: str, name: str, by: str, at: str) -> str:
    record = json.dumps({"market": market, "name": name, "by": by, "at": at}, ensure_ascii=False)
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        if await redis.set(enrol_code(code), record, nx=True, ex=ENROL_CODE_TTL_S):
            return code


@dataclass(frozen=True, slots=True)
class Pending:
    """What a code would enrol the device as, before anyone confirms it."""

    market: str
    name: str


async def peek(redis: Redis, code: str) -> Pending | None:
    """The market and name a live code is for, without using it: the kiosk shows them
    and asks to confirm before it becomes that market's kiosk."""
    digits = normalise_code(code)
    if len(digits) != CODE_DIGITS:
        return None
    raw = await redis.get(enrol_code(digits))
    if raw is None:
        return None
    data = json.loads(raw)
    return Pending(market=data["market"], name=data.get("name") or "")


async def redeem(redis: Redis, code: str, *, at: str) -> tuple[str, Device] | None:
    """Use a code once: the new device's credential and record, or None."""
    digits = normalise_code(code)
    if len(digits) != CODE_DIGITS:
        return None
    # GETDEL: two kiosks typing the same code at once get one enrolment between them.
    raw = await redis.getdel(enrol_code(digits))
    if raw is None:
        return None
    data = json.loads(raw)
    token = "kzd_" + secrets.token_urlsafe(32)
    digest = _digest(token)
    device = Device(
        id=digest[:12],
        market=data["market"],
        name=data.get("name") or "",
        enrolled_at=at,
        enrolled_by=data["by"],
    )
    await redis.hset(DEVICES, digest, json.dumps(asdict(device), ensure_ascii=False))
    return token, device


async def lookup(redis: Redis, token: str) -> Device | None:
    if not token.startswith("kzd_") or len(token) > 100:
        return None
    raw = await redis.hget(DEVICES, _digest(token))
    return None if raw is None else Device(**json.loads(raw))


async def list_devices(redis: Redis, market: str | None = None) -> list[Device]:
    devices = [Device(**json.loads(v)) for v in (await redis.hgetall(DEVICES)).values()]
    if market is not None:
        devices = [d for d in devices if d.market == market]
    return sorted(devices, key=lambda d: (d.market, d.enrolled_at, d.id))


async def revoke(redis: Redis, device_id: str) -> Device | None:
    for digest, raw in (await redis.hgetall(DEVICES)).items():
        if str(digest).startswith(device_id) and len(device_id) == 12:
            await redis.hdel(DEVICES, digest)
            return Device(**json.loads(raw))
    return None
