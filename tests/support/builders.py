"""Request bodies for tests, on the pinned morning of ``conftest.MORNING``."""

from __future__ import annotations

from typing import Any

from conftest import MORNING

from matcher.clock import iso


def at(hhmm: str) -> str:
    h, m = map(int, hhmm.split(":"))
    return iso(MORNING.replace(hour=h, minute=m))


def job_body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "招两个搬砖的小工",
        "skills": ["general_laborer"],
        "headcount": 2,
        "wage_yuan": 200,
        "wage_unit": "day",
        "township": "522601001",
        "start_at": at("10:00"),
        "end_at": at("17:00"),
        # The interview at the pinned morning's "now": outcomes are taken only from the
        # interview on (tests of that rule set a later time).
        "interview_at": at("09:00"),
        "interview_place": "3号洽谈桌",
        "employer_name": "王师傅",
        "employer_phone": "13800000000",
    }
    body.update(kw)
    return body


def checkin_body(n: int = 1, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": f"139{n:08d}",
        "name": "李",
        "skills": ["general_laborer"],
        "township": "522601001",
        "reach": "county",
        "min_wage_yuan": 150,
        "available_until": at("18:00"),
    }
    body.update(kw)
    return body


def drawn_checkin_body(n: int, drawn: dict[str, Any]) -> dict[str, Any]:
    """A check-in from the property tests' drawn person (``until`` as HH:MM)."""
    rest = {k: v for k, v in drawn.items() if k != "until"}
    return checkin_body(n, **rest, available_until=at(drawn["until"]))


def drawn_job_body(i: int, drawn: dict[str, Any]) -> dict[str, Any]:
    """A job post from the property tests' drawn post (``start`` as HH:MM)."""
    return job_body(
        skills=drawn["skills"],
        township=drawn["township"],
        wage_yuan=drawn["wage_yuan"],
        headcount=drawn["headcount"],
        start_at=at(drawn["start"]),
        interview_at=at("09:30"),
        end_at=at("17:00"),
        title=f"活{i}",
    )
