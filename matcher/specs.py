"""Validated inputs to the store: what a job post and a check-in consist of.

The web layer (API and forms) validates and normalises people's input into these;
the store and the matcher trust them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

WageUnit = Literal["day", "hour", "piece"]
Reach = Literal["township", "county", "prefecture"]


def wage_per_day(wage_yuan: float, unit: str, start: datetime, end: datetime) -> float:
    """Pay for the whole working day, so that day, hour and piece rates compare.

    A piece rate has no honest day figure; the employer's rate is taken as it is
    and the worker is shown the unit.
    """
    if unit == "hour":
        hours = max(1.0, min(10.0, (end - start).total_seconds() / 3600))
        return round(wage_yuan * hours, 2)
    return wage_yuan


@dataclass(frozen=True, slots=True)
class JobSpec:
    title: str
    skills: tuple[str, ...]
    headcount: int
    wage_yuan: float
    wage_unit: WageUnit
    township: str  # adcode (9 digits) or county adcode (6)
    county_adcode: str
    start_at: datetime
    end_at: datetime
    interview_at: datetime
    interview_place: str
    employer_name: str
    employer_phone: str
    description: str = ""
    meals: bool = False
    transport: bool = False
    tools: bool = False
    # Screening rules that sent the post to an operator (empty: offered at once).
    review: tuple[str, ...] = ()
    # An on-site interview's address or landmark (empty: at a market desk).
    interview_address: str = ""

    def wage_per_day(self) -> float:
        return wage_per_day(self.wage_yuan, self.wage_unit, self.start_at, self.end_at)


@dataclass(frozen=True, slots=True)
class CheckinSpec:
    phone: str
    skills: tuple[str, ...]
    township: str
    county_adcode: str
    reach: Reach
    min_wage_yuan: float
    available_until: datetime
    name: str = ""
    skills_text: str = ""
    priority_groups: tuple[str, ...] = ()
    # A hired worker checking in again for more work (never overlapping the booking).
    again: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
