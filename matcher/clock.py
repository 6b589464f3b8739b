"""Time as the markets see it.

Every "today" in kuaizhao is the market's local day in Asia/Shanghai. Code takes a
``Clock`` instead of calling ``datetime.now`` so tests can pin any instant,
midnight included, and Lua scripts get "now" as an argument instead of TIME.
"""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(TZ)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(TZ)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(TZ)

    def advance(self, **delta: float) -> None:
        self._at = self._at + timedelta(**delta)


class ShiftedClock:
    """Real time passing, but starting from a chosen instant: end-to-end tests of a
    whole process (and demos) that must not depend on when they run."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ShiftedClock needs an aware datetime")
        self._start = start.astimezone(TZ)
        self._t0 = _time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=_time.monotonic() - self._t0)


def clock_from_setting(fake_now: str | None) -> Clock:
    return ShiftedClock(datetime.fromisoformat(fake_now)) if fake_now else SystemClock()


def local_day(at: datetime) -> date:
    return at.astimezone(TZ).date()


def day_key(at: datetime) -> str:
    """The market day as used in Redis keys and the stats API: YYYY-MM-DD."""
    return local_day(at).isoformat()


def day_start(at: datetime) -> datetime:
    """The first instant of the local day."""
    return datetime.combine(local_day(at), time(0, 0), tzinfo=TZ)


def day_end(at: datetime) -> datetime:
    """The first instant of the next local day."""
    d = local_day(at) + timedelta(days=1)
    return datetime.combine(d, time(0, 0), tzinfo=TZ)


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, TZ)


def iso(at: datetime) -> str:
    return at.astimezone(TZ).isoformat(timespec="seconds")
