"""A market's settings as its operators set them: the built-in ``MARKETS`` entry is the
default, and overrides live in Redis (``kz:{m}:settings``), so every web instance and
matcher reads the same values without a restart.

Values are read on use (one HGETALL): a raised wage floor must refuse the very next
post, whichever instance takes it. The API's posts and check-ins, the hot path, instead
check a write against the rules this process last read (``Ruled``: the settings, and
the API tokens looked up under them) and send their revision (``kz:{m}:rev``) with the
write; the script refuses it when the revision moved on (``rules_changed``: a settings
change, a token revoked), and the write is checked again under the new rules. So the
rules are never stale for a write, and a write needs no read of its own.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from redis.asyncio import Redis

from matcher.markets import MARKETS, Market
from matcher.settings import Settings
from matcher.store.keys import MarketKeys
from matcher.store.scripts import Scripts

# The fields operators may change, with the type each is stored as.
EDITABLE: dict[str, type] = {
    "name_zh": str,
    "name_en": str,
    "county_adcode": str,
    "desks": int,
    "opens": str,
    "closes": str,
    "wage_class": int,
    "offer_ttl_minutes": int,
}


def as_dict(market: Market) -> dict[str, Any]:
    """The editable settings of a market, as shown to operators and kept in the audit."""
    return {name: getattr(market, name) for name in EDITABLE}


def apply(market: Market, overrides: dict[str, str]) -> Market:
    """The market with its overrides. A stored value that does not convert is ignored
    (the default stands), so a bad write can never take a market down."""
    changes: dict[str, Any] = {}
    for name, raw in overrides.items():
        kind = EDITABLE.get(name)
        if kind is None:
            continue
        try:
            changes[name] = kind(raw)
        except ValueError:
            continue
    return dataclasses.replace(market, **changes) if changes else market


@dataclasses.dataclass(frozen=True, slots=True)
class Ruled:
    """The market as it runs, the revision of its rules it was read at, and what was
    looked up under that revision (the API tokens' principals, by digest): valid for
    as long as the revision is, since revoking a token moves it on."""

    market: Market
    rev: str
    credentials: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)


class MarketSettings:
    def __init__(self, redis: Redis, scripts: Scripts, settings: Settings) -> None:
        self.redis = redis
        self.scripts = scripts
        self.settings = settings
        self._last: dict[str, Ruled] = {}

    async def current(self, market_id: str) -> Ruled:
        """The market and its revision, read now (one round trip: one slot)."""
        k = MarketKeys(market_id)
        async with self.redis.pipeline(transaction=False) as p:
            p.hgetall(k.settings)
            p.get(k.rules_rev)
            raw, rev = await p.execute()
        ruled = Ruled(
            apply(MARKETS[market_id], {str(f): str(v) for f, v in raw.items()}), rev or "0"
        )
        self._last[market_id] = ruled
        return ruled

    async def remembered(self, market_id: str) -> tuple[Ruled, bool]:
        """The rules this process last read, else read now; and whether they were read
        now. Only for writes that send ``rev`` to be checked by their script."""
        last = self._last.get(market_id)
        if last is not None:
            return last, False
        return await self.current(market_id), True

    async def overrides(self, market_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(MarketKeys(market_id).settings)
        return {str(k): str(v) for k, v in raw.items()}

    async def effective(self, market_id: str) -> Market:
        """The market as it runs today: defaults with the operators' overrides."""
        return apply(MARKETS[market_id], await self.overrides(market_id))

    async def offer_ttl_ms(self, market_id: str) -> int:
        raw = await self.redis.hget(MarketKeys(market_id).settings, "offer_ttl_minutes")
        minutes = int(raw) if raw is not None and str(raw).isdigit() else 0
        return (minutes or self.settings.offer_ttl_minutes) * 60_000

    async def update(
        self, market_id: str, values: dict[str, Any], *, who: str, now_ms: int
    ) -> tuple[Market, Market]:
        """Store validated values; a value equal to the built-in default drops its
        override. Returns the market before and after."""
        default = MARKETS[market_id]
        changes: dict[str, str] = {}
        for name, value in values.items():
            if name not in EDITABLE:
                raise ValueError(f"not a market setting: {name}")
            changes[name] = "" if value == getattr(default, name) else str(value)
        result = await self.scripts.set_market_settings(
            MarketKeys(market_id),
            changes_json=json.dumps(changes, ensure_ascii=False),
            now_ms=now_ms,
            who=who,
        )
        before = apply(default, json.loads(result.value))
        return before, await self.effective(market_id)
