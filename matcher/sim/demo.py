"""Demo data for the four model markets: a believable morning in each hall.

Loading is idempotent for the day (fixed request ids, phone-keyed check-ins), so
``kuaizhao serve --demo`` may be run again without doubling anything.

The demo obeys every rule a real post meets, whenever it is loaded: its words pass
screening, its pay is at least the minimum wage per hour of its hours (two jobs show
the per-hour rule: 150 yuan for four and a half hours of tea picking, 120 for half a
day's unloading), and its interviews are at a market desk only while the hall is open
(before opening they wait for it; after closing they are on site, with an address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from matcher.clock import TZ, day_end, day_key, iso
from matcher.markets import MARKETS, Market


class DemoPost(NamedTuple):
    title: str
    skills: list[str]
    headcount: int
    wage: int
    unit: str
    township: str
    # Where the work is, for an interview there (after the hall closes).
    site: str
    hours: float = 8


DEMO_JOBS: dict[str, list[DemoPost]] = {
    "kaili": [
        DemoPost(
            "招两个搬砖的小工",
            ["general_laborer"],
            2,
            200,
            "day",
            "大十字街道",
            "大十字广场东侧工地",
        ),
        DemoPost("砌墙师傅一名", ["bricklayer"], 1, 300, "day", "洗马河街道", "洗马河桥头工地"),
        DemoPost("饭店洗碗工", ["dishwasher"], 1, 160, "day", "城西街道", "城西菜市场旁饭店"),
        DemoPost("半天卸货", ["porter"], 2, 120, "day", "城西街道", "城西物流园三号仓", hours=4),
    ],
    "liping": [
        DemoPost("茶园采茶 5 人", ["tea_picker"], 5, 150, "day", "德凤街道", "德凤茶园大门", 4.5),
        DemoPost("装车卸货", ["porter"], 2, 25, "hour", "高屯街道", "高屯货运站"),
    ],
    "rongjiang": [
        DemoPost("西瓜地摘瓜", ["fruit_picker"], 3, 150, "day", "古州镇", "古州镇车江大坝瓜地"),
        DemoPost("电焊工", ["welder"], 1, 350, "day", "古州镇", "古州镇工业园大门"),
    ],
    "jianhe": [
        DemoPost("工地杂工", ["general_laborer"], 3, 180, "day", "革东镇", "革东镇中学对面工地"),
        DemoPost("保洁员", ["cleaner"], 1, 150, "day", "革东镇", "革东镇政府旁宾馆"),
    ],
}

# (phone, name, skills, min wage, reach)
DEMO_WORKERS: dict[str, list[tuple[str, str, list[str], int, str]]] = {
    "kaili": [
        ("13800000101", "李", ["general_laborer", "porter"], 150, "county"),
        ("13800000102", "王", ["bricklayer"], 250, "county"),
        ("13800000103", "杨", ["dishwasher", "cleaner"], 100, "county"),
    ],
    "liping": [
        ("13800000201", "吴", ["tea_picker"], 100, "county"),
        ("13800000202", "石", ["porter", "general_laborer"], 150, "county"),
    ],
    "rongjiang": [
        ("13800000301", "潘", ["fruit_picker", "tea_picker"], 120, "county"),
    ],
    "jianhe": [
        ("13800000401", "龙", ["general_laborer"], 150, "county"),
        ("13800000402", "张", ["cleaner"], 100, "county"),
    ],
}


@dataclass(frozen=True, slots=True)
class DemoJob:
    market: str
    request_id: str
    body: dict[str, Any]


def _at(now: datetime, hhmm: str) -> datetime | None:
    try:
        h, m = hhmm.split(":")
        return now.astimezone(TZ).replace(hour=int(h), minute=int(m), second=0, microsecond=0)
    except ValueError:
        return None


def _interview(market: Market, now: datetime) -> tuple[datetime, bool]:
    """When and whether at a desk: in ten minutes while the hall is open, at the opening
    before it opens, on site (in ten minutes) once it has closed."""
    soon = now + timedelta(minutes=10)
    opens, closes = _at(now, market.opens), _at(now, market.closes)
    if closes is not None and soon > closes:
        return soon, False
    if opens is not None and soon < opens:
        return opens, True
    return soon, True


def demo_jobs(now: datetime) -> list[DemoJob]:
    last = day_end(now) - timedelta(minutes=1)
    out = []
    for market_id, jobs in DEMO_JOBS.items():
        market = MARKETS[market_id]
        interview, at_desk = _interview(market, now)
        start = max(now + timedelta(minutes=45), interview + timedelta(minutes=30))
        if start > last - timedelta(minutes=1):
            # Too close to midnight for a same-day job: the demo has check-ins only.
            continue
        for i, post in enumerate(jobs):
            end = min(start + timedelta(hours=post.hours), last)
            body = {
                "title": post.title,
                "skills": post.skills,
                "headcount": post.headcount,
                "wage_yuan": post.wage,
                "wage_unit": post.unit,
                "township": post.township,
                "start_at": iso(start),
                "end_at": iso(end),
                "interview_at": iso(interview),
                "interview_place": f"{i + 1}号洽谈桌" if at_desk else "干活现场",
                "interview_address": "" if at_desk else post.site,
                "employer_name": "示范老板",
                "employer_phone": f"1390000{market.county_adcode[-2:]}{i:02d}",
            }
            out.append(DemoJob(market_id, f"demo:{day_key(now)}:{market_id}:{i}", body))
    return out


def demo_checkins(now: datetime) -> list[DemoJob]:
    out = []
    for market, workers in DEMO_WORKERS.items():
        for phone, name, skills, wage, reach in workers:
            body = {
                "phone": phone,
                "name": name,
                "skills": skills,
                "reach": reach,
                "min_wage_yuan": wage,
            }
            out.append(DemoJob(market, f"demo:{day_key(now)}:{market}:{phone}", body))
    return out
