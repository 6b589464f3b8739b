"""Posts held by screening, as operators see and correct them.

The decision itself (approve / reject) is ``Store.review_job``; this module adds what
the queue needs around it: the screening rules behind each hold, and an operator's
correction of the text or pay (the post stays held until approved).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from matcher.clock import to_ms
from matcher.specs import wage_per_day
from matcher.store.facade import Store
from matcher.store.records import loads
from matcher.store.scripts import ScriptError
from matcher.text.screening import SCREENED_FIELDS, Rule, paid_hours, rules


def hold_reasons(flags: str) -> list[Rule]:
    """The screening rules named in a held job's ``flags``, in rule order."""
    named = set(flags.split())
    return [r for r in rules() if r.id in named]


async def correct_held_job(
    store: Store,
    market: str,
    job_id: str,
    *,
    texts: dict[str, str],
    wage_yuan: float,
    wage_unit: str,
    review: tuple[str, ...],
    who: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write an operator's correction (already screened: ``texts`` are the post's free
    texts as corrected, ``review`` what screening still finds). Returns the changed
    fields before and after."""
    job = await store.get_job_record(market, job_id)
    if job is None:
        raise ScriptError("no_job")
    start = datetime.fromisoformat(job["start_at"])
    end = datetime.fromisoformat(job["end_at"])
    changes: dict[str, Any] = {
        # Title and description always (the audit shows the text judged); the other free
        # texts when the operator changed them.
        **{
            name: texts[name]
            for name in SCREENED_FIELDS
            if name in texts
            and (name in ("title", "description") or texts[name] != (job.get(name) or ""))
        },
        "wage_yuan": wage_yuan,
        "wage_unit": wage_unit,
        "wage_day_yuan": wage_per_day(wage_yuan, wage_unit, start, end),
        "flags": " ".join(review),
    }
    result = await store.scripts.edit_held_job(
        store.keys(market),
        job_id=job_id,
        changes_json=json.dumps(changes, ensure_ascii=False),
        now_ms=to_ms(store.clock.now()),
        who=who,
    )
    before = loads(result.value) or {}
    return before, changes


def job_hours(job: dict[str, Any]) -> float:
    """The hours a held job's day rate is judged over (its scheduled hours, up to 8)."""
    return paid_hours(
        datetime.fromisoformat(job["start_at"]), datetime.fromisoformat(job["end_at"])
    )
