"""Who may be offered which job, and in what order.

This is the simple engine of the same-day loop: hard constraints (skill, reach, wage,
hours) and a score that puts the best fit first and, among equals, whoever has waited
longest today. The full fuzzy matcher replaces ``score`` and candidate retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matcher.skills import default_taxonomy

REACH_ZH = {"township": "同镇", "county": "同县", "prefecture": "州内"}
REACH_EN = {"township": "same township", "county": "same county", "prefecture": "in prefecture"}


@dataclass(frozen=True, slots=True)
class Scored:
    worker_id: str
    job_id: str
    score: float
    explanation_zh: str
    explanation_en: str
    waited_ms: int


def _proximity(job: dict[str, Any], ck: dict[str, Any]) -> str:
    if job["township"] == ck.get("township"):
        return "township"
    if job["county_adcode"] == ck.get("county_adcode"):
        return "county"
    return "prefecture"


def eligible(job: dict[str, Any], ck: dict[str, Any]) -> bool:
    """The hard constraints: no offer may ever break one of these."""
    if not set(job["skills"]) & set(ck.get("skills", ())):
        return False
    reach = ck.get("reach", "county")
    where = _proximity(job, ck)
    if reach == "township" and where != "township":
        return False
    if reach == "county" and where == "prefecture":
        return False
    if float(job.get("wage_day_yuan", job["wage_yuan"])) < float(ck.get("min_wage_yuan", 0)):
        return False
    start_ms = _job_start_ms(job)
    return int(ck.get("available_until_ms", 0)) > start_ms


def _job_start_ms(job: dict[str, Any]) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(job["start_at"]).timestamp() * 1000)


def score(job: dict[str, Any], ck: dict[str, Any], now_ms: int) -> Scored:
    taxonomy = default_taxonomy()
    shared = [s for s in job["skills"] if s in set(ck.get("skills", ()))]
    first = taxonomy.get(shared[0]) if shared else None
    skill_zh = first.name_zh if first else (shared[0] if shared else "")
    skill_en = first.name_en if first else skill_zh
    where = _proximity(job, ck)
    margin = float(job.get("wage_day_yuan", job["wage_yuan"])) - float(ck.get("min_wage_yuan", 0))
    waited_ms = max(0, now_ms - int(ck.get("checked_in_ms", now_ms)))
    points = 60.0
    points += {"township": 20.0, "county": 12.0, "prefecture": 4.0}[where]
    points += min(10.0, margin / 10.0)
    points += min(10.0, waited_ms / 3_600_000 * 2.5)
    hours = waited_ms // 3_600_000
    minutes = waited_ms // 60_000
    wait_zh = f"已等候 {hours} 小时" if hours else f"已等候 {minutes} 分钟"
    wait_en = f"waited {hours} h" if hours else f"waited {minutes} min"
    margin_zh = f"日薪高于期望 {margin:.0f} 元" if margin > 0 else "日薪符合期望"
    margin_en = f"pay {margin:.0f} yuan above minimum" if margin > 0 else "pay meets minimum"
    return Scored(
        worker_id=str(ck["worker_id"]),
        job_id=str(job["id"]),
        score=round(min(100.0, points), 1),
        explanation_zh=" · ".join([f"{skill_zh} 技能相符", REACH_ZH[where], margin_zh, wait_zh]),
        explanation_en=" · ".join([f"{skill_en} skill fits", REACH_EN[where], margin_en, wait_en]),
        waited_ms=waited_ms,
    )


def rank(scored: list[Scored]) -> list[Scored]:
    """Best score first; near-equal scores go to whoever has waited longest."""
    return sorted(scored, key=lambda s: (-round(s.score / 5), -s.waited_ms, s.worker_id))
