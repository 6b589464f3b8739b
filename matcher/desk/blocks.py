"""Operators' blocks: an employer who may not post, a worker who may not check in.

A block names its subject by the same keyed hash of the phone number as the employer
and worker ids (``matcher.store.records``), so no phone number is stored. It lasts through
its last day (Asia/Shanghai) and ends by itself: the live set is a sorted set scored
by the first millisecond after that day, read against the app's clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from redis.asyncio import Redis

from matcher.clock import TZ, Clock, to_ms
from matcher.store.keys import MarketKeys
from matcher.store.records import dumps, employer_id_for, loads, mask_phone, strs, worker_id_for
from matcher.store.scripts import ScriptError, Scripts

Kind = Literal["employer", "worker"]
KINDS: tuple[Kind, ...] = ("employer", "worker")
_PREFIX = {"employer": "e:", "worker": "w:"}


class Blocked(ScriptError):
    """A write refused because an operator blocked its subject; carries the last day."""

    def __init__(self, code: str, block: dict[str, Any]) -> None:
        super().__init__(code)
        self.block = block
        self.params = {"until": str(block.get("until", ""))}


def subject(kind: Kind, subject_id: str) -> str:
    return _PREFIX[kind] + subject_id


def end_ms(last_day: date) -> int:
    """The block ends when the last day does (midnight after it, Shanghai)."""
    return to_ms(datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=TZ))


class BlockBook:
    def __init__(self, redis: Redis, scripts: Scripts, clock: Clock, secret: str) -> None:
        self.redis = redis
        self.scripts = scripts
        self.clock = clock
        self.secret = secret

    def subject_id(self, kind: Kind, phone: str) -> str:
        if kind == "employer":
            return employer_id_for(phone, self.secret)
        return worker_id_for(phone, self.secret)

    async def block(
        self,
        market: str,
        *,
        kind: Kind,
        phone: str,
        reason: str,
        last_day: date,
        by: str,
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """Block (or re-block with a new reason or day); returns (replaced, new)."""
        now_ms = to_ms(self.clock.now())
        sid = self.subject_id(kind, phone)
        record: dict[str, Any] = {
            "subject": subject(kind, sid),
            "kind": kind,
            "id": sid,
            "phone_masked": mask_phone(phone),
            "reason": reason,
            "until": last_day.isoformat(),
            "end_ms": end_ms(last_day),
            "created_ms": now_ms,
            "by": by,
            "status": "active",
        }
        result = await self.scripts.set_block(
            MarketKeys(market),
            subject=record["subject"],
            block_json=dumps(record),
            end_ms=record["end_ms"],
            now_ms=now_ms,
        )
        before = loads(result.value) if result.value else None
        return before, record

    async def lift(self, market: str, subject_key: str, *, by: str) -> dict[str, Any]:
        """Lift a live block; returns it as it was (raises ScriptError otherwise)."""
        result = await self.scripts.lift_block(
            MarketKeys(market), subject=subject_key, now_ms=to_ms(self.clock.now()), who=by
        )
        before = loads(result.value)
        assert before is not None
        return before

    async def get(self, market: str, subject_key: str) -> dict[str, Any] | None:
        return loads(await self.redis.hget(MarketKeys(market).blocks, subject_key))

    async def active(self, market: str, kind: Kind, subject_id: str) -> dict[str, Any] | None:
        """The live block of an employer or worker id, or None (one round trip)."""
        k = MarketKeys(market)
        key = subject(kind, subject_id)
        async with self.redis.pipeline(transaction=False) as p:
            p.zscore(k.blocks_until, key)
            p.hget(k.blocks, key)
            until, raw = await p.execute()
        if until is None or until <= to_ms(self.clock.now()):
            return None
        return loads(raw)

    async def live(self, market: str) -> list[dict[str, Any]]:
        """Every live block, the one ending soonest first."""
        k = MarketKeys(market)
        keys = strs(
            await self.redis.zrangebyscore(k.blocks_until, f"({to_ms(self.clock.now())}", "+inf")
        )
        if not keys:
            return []
        raw = await self.redis.hmget(k.blocks, keys)
        return [b for r in raw if (b := loads(r)) is not None]

    async def blocked_workers(self, market: str) -> set[str]:
        """Ids of the workers blocked now: the matcher offers them nothing."""
        k = MarketKeys(market)
        keys = strs(
            await self.redis.zrangebyscore(k.blocks_until, f"({to_ms(self.clock.now())}", "+inf")
        )
        prefix = _PREFIX["worker"]
        return {key[len(prefix) :] for key in keys if key.startswith(prefix)}
