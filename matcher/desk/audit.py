"""The audit trail: every operator action, who did it, when, and what it changed.

One stream for the whole prefecture (a bureau officer reads every market's actions in
one place); each entry names its market, so a market's own trail is a filter of it.
Entries are never edited; the stream is capped only far beyond any retention need.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from matcher.clock import TZ
from matcher.store.keys import AUDIT, AUDIT_MAXLEN


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    at: str
    who: str
    role: str
    action: str
    market: str
    target: str
    before: Any
    after: Any


async def record(
    redis: Redis,
    *,
    at: datetime,
    who: str,
    role: str,
    action: str,
    market: str | None,
    target: str,
    before: Any = None,
    after: Any = None,
) -> str:
    fields: dict[Any, Any] = {
        "at": at.astimezone(TZ).isoformat(timespec="seconds"),
        "who": who,
        "role": role,
        "action": action,
        "market": market or "",
        "target": target,
        "before": json.dumps(before, ensure_ascii=False, sort_keys=True, default=str),
        "after": json.dumps(after, ensure_ascii=False, sort_keys=True, default=str),
    }
    entry_id = await redis.xadd(AUDIT, fields, maxlen=AUDIT_MAXLEN, approximate=True)
    return str(entry_id)


def _entry(entry_id: str, fields: dict[str, str]) -> AuditEntry:
    return AuditEntry(
        id=entry_id,
        at=fields.get("at", ""),
        who=fields.get("who", ""),
        role=fields.get("role", ""),
        action=fields.get("action", ""),
        market=fields.get("market", ""),
        target=fields.get("target", ""),
        before=json.loads(fields.get("before", "null")),
        after=json.loads(fields.get("after", "null")),
    )


async def recent(
    redis: Redis, *, markets: set[str] | None = None, limit: int = 200, scan: int = 5000
) -> list[AuditEntry]:
    """Newest first. ``markets`` limits to actions on those markets (account actions,
    which have no market, are shown only when ``markets`` is None: to admins)."""
    out: list[AuditEntry] = []
    for entry_id, fields in await redis.xrevrange(AUDIT, count=scan) or []:
        entry = _entry(str(entry_id), {str(k): str(v) for k, v in (fields or {}).items()})
        if markets is not None and entry.market not in markets:
            continue
        out.append(entry)
        if len(out) >= limit:
            break
    return out
