"""Market-day scenarios for ``kuaizhao bench sim --scenarios``: the matcher against days
it was not written for.

The days live in ``matcher/data/scenarios/*.json``. They were written by someone who never
read the matcher, its simulator or its data (the generator beside them, ``make_days.py``,
is theirs): a first day with no history, a burst of posts after every check-in, workers
arriving after the jobs, scarce trades, multi-skill workers, mixed reach, and an ordinary
day. Each is played through the real store, queue and engine by ``simulate.run_day`` and
reported on its own: fills against the maximum matching on the true compatibility graph,
wrong-skill bookings, and the fairness cost (``offer_gini``).

``steady_history`` is the simulator's own generated day with the market's seven earlier
days posted first, the case the "keep for scarce work" forecast is built for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from matcher.markets import MARKETS
from matcher.sim.simulate import START, Day, SimJob, SimWorker
from matcher.text.places import Gazetteer
from matcher.text.skills import DATA_DIR

SCENARIO_DIR = DATA_DIR / "scenarios"
OUTSIDE = (
    "day_one",
    "burst_after_checkins",
    "late_workers",
    "scarce_trades",
    "multi_skill",
    "mixed_reach",
    "steady_week_day",
)
WITH_HISTORY = "steady_history"
ALL = (*OUTSIDE, WITH_HISTORY)


@dataclass(frozen=True, slots=True)
class ScenarioDay:
    scenario: str
    index: int
    market: str
    day: Day


def _market_of(county_name: str, gazetteer: Gazetteer) -> str:
    for county in gazetteer.counties():
        if county.name == county_name or county_name.startswith(county.name):
            for market in MARKETS.values():
                if market.county_adcode == county.adcode:
                    return market.id
    raise ValueError(f"no model market in {county_name}")


def _township(name: str, county: str, gazetteer: Gazetteer) -> str:
    place = gazetteer.resolve(name, county_hint=county)
    if place is None or place.level != "township":
        raise ValueError(f"unknown township {name}")
    return place.adcode


def _worker(raw: dict[str, Any], n: int, county: str, gazetteer: Gazetteer) -> SimWorker:
    return SimWorker(
        phone=f"136{n:08d}",
        true_skills=list(dict.fromkeys(raw["skills"])),
        text=str(raw["text"]),
        township=_township(raw["township"], county, gazetteer),
        reach=str(raw["reach"]),
        min_wage=int(raw["min_wage_day"]),
        arrive=int(float(raw["arrive_s"])),
        until=START + timedelta(hours=float(raw["until_h"])),
        react=max(1, int(raw["react_s"])),
        seconds=True,
    )


def _job(raw: dict[str, Any], county: str, gazetteer: Gazetteer) -> SimJob:
    start = START + timedelta(hours=float(raw["start_h"]))
    return SimJob(
        true_skill=str(raw["skill"]),
        text=str(raw["text"]),
        headcount=int(raw["headcount"]),
        wage=int(raw["wage"]),
        unit="hour" if raw["unit"] == "hour" else "day",
        township=_township(raw["township"], county, gazetteer),
        post=int(float(raw["post_s"])),
        start=start,
        end=start + timedelta(hours=float(raw["hours"])),
        seconds=True,
        order=float(raw["post_s"]),
    )


def load(name: str, gazetteer: Gazetteer, path: Path | None = None) -> list[ScenarioDay]:
    """The days of one outside scenario, as the simulator plays them."""
    with (path or SCENARIO_DIR / f"{name}.json").open(encoding="utf-8") as fh:
        doc = json.load(fh)
    out: list[ScenarioDay] = []
    for index, raw_day in enumerate(doc["days"]):
        market = _market_of(raw_day["market_county"], gazetteer)
        county = MARKETS[market].county_adcode
        day = Day(
            workers=[_worker(w, n, county, gazetteer) for n, w in enumerate(raw_day["workers"])],
            jobs=[_job(j, county, gazetteer) for j in raw_day["jobs"]],
        )
        out.append(ScenarioDay(name, index, market, day))
    return out
