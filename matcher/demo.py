"""Demo data for the four model markets: a believable morning in each hall.

Loading is idempotent for the day (fixed request ids, phone-keyed check-ins), so
``kuaizhao serve --demo`` may be run again without doubling anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from matcher.clock import day_end, day_key, iso
from matcher.markets import MARKETS

# (title, skills, headcount, wage, unit, place name)
DEMO_JOBS: dict[str, list[tuple[str, list[str], int, int, str, str]]] = {
    "kaili": [
        ("招两个搬砖的小工", ["general_laborer"], 2, 200, "day", "大十字街道"),
        ("砌墙师傅一名", ["bricklayer"], 1, 300, "day", "洗马河街道"),
        ("饭店洗碗工", ["dishwasher"], 1, 160, "day", "城西街道"),
    ],
    "liping": [
        ("茶园采茶 5 人", ["tea_picker"], 5, 150, "day", "德凤街道"),
        ("装车卸货", ["porter"], 2, 25, "hour", "高屯街道"),
    ],
    "rongjiang": [
        ("西瓜地摘瓜", ["fruit_picker"], 3, 150, "day", "古州镇"),
        ("电焊工", ["welder"], 1, 350, "day", "古州镇"),
    ],
    "jianhe": [
        ("工地杂工", ["general_laborer"], 3, 180, "day", "革东镇"),
        ("保洁阿姨", ["cleaner"], 1, 150, "day", "革东镇"),
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


def demo_jobs(now: datetime) -> list[DemoJob]:
    last = day_end(now) - timedelta(minutes=1)
    start = min(now + timedelta(minutes=45), last - timedelta(minutes=1))
    if start < now + timedelta(minutes=2):
        # Too close to midnight for a same-day job: the demo has check-ins only.
        return []
    end = min(start + timedelta(hours=8), last)
    interview = min(now + timedelta(minutes=10), start)
    out = []
    for market, jobs in DEMO_JOBS.items():
        for i, (title, skills, n, wage, unit, place) in enumerate(jobs):
            body = {
                "title": title,
                "skills": skills,
                "headcount": n,
                "wage_yuan": wage,
                "wage_unit": unit,
                "township": place,
                "start_at": iso(start),
                "end_at": iso(end),
                "interview_at": iso(interview),
                "interview_place": f"{i + 1}号洽谈桌",
                "employer_name": "示范老板",
                "employer_phone": f"1390000{MARKETS[market].county_adcode[-2:]}{i:02d}",
            }
            out.append(DemoJob(market, f"demo:{day_key(now)}:{market}:{i}", body))
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
