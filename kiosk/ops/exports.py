"""Exports of a market's jobs, bookings and outcomes over a range of days (CSV, XLSX).

Rows come from the kept records (jobs of each day, their tickets), so an export of a
closed day is the same next year. Phone numbers: the store keeps only keyed hashes and
the masked form (138****1234), so every export carries masked numbers; an operator
whose role may see phones (``Operator.can_see_phones``) gets the same, as there is
nothing more to show. A cell that a spreadsheet would read as a formula (a title
typed as ``=HYPERLINK(...)``) is written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from matcher.clock import from_ms, iso
from matcher.store.facade import Store
from matcher.store.keys import STATS_COUNTERS
from matcher.store.records import loads, strs
from matcher.store.rollup import DayFigures, days_between

TABLES = ("jobs", "bookings", "outcomes")
OUTCOMES = ("hired", "not_hired", "no_show")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[list[Cell]]


JOB_COLUMNS = (
    "date",
    "job_id",
    "status",
    "title",
    "skills",
    "headcount",
    "remaining",
    "wage_yuan",
    "wage_unit",
    "wage_day_yuan",
    "township",
    "employer_name",
    "employer_phone",
    "created_at",
    "first_booking_at",
    "filled_at",
    "flags",
)
BOOKING_COLUMNS = (
    "date",
    "ticket",
    "job_id",
    "title",
    "skills",
    "worker_name",
    "worker_phone",
    "status",
    "booked_at",
    "interview_at",
    "interview_place",
)
OUTCOME_COLUMNS = (
    "date",
    "ticket",
    "job_id",
    "title",
    "worker_name",
    "worker_phone",
    "outcome",
    "outcome_at",
    "reason",
    "pay",
    "paid_yuan",
    "worker_answer",
)
SUMMARY_COLUMNS = ("date", *STATS_COUNTERS, "fill_rate", "median_minutes_to_fill")


def _at(ms: Any) -> str:
    return iso(from_ms(int(ms))) if ms else ""


def safe(value: Cell) -> Cell:
    """A string a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


async def _day_records(
    store: Store, market: str, day: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    k = store.keys(market)
    ids = strs(await store.redis.zrange(k.jobs_day(day), 0, -1))
    jobs = [j for r in (await store.redis.hmget(k.jobs, ids) if ids else []) if (j := loads(r))]
    refs = [ref for j in jobs for ref in j.get("bookings", {}).values()]
    raw = await store.redis.hmget(k.tickets, refs) if refs else []
    tickets = [t for r in raw if (t := loads(r))]
    return jobs, sorted(tickets, key=lambda t: str(t.get("ref", "")))


async def tables(store: Store, market: str, start: str, end: str) -> dict[str, Table]:
    jobs_rows: list[list[Cell]] = []
    booking_rows: list[list[Cell]] = []
    outcome_rows: list[list[Cell]] = []
    for day in days_between(start, end):
        jobs, tickets = await _day_records(store, market, day)
        for j in jobs:
            jobs_rows.append(
                [
                    day,
                    j["id"],
                    j.get("status", ""),
                    j.get("title", ""),
                    " ".join(j.get("skills", [])),
                    int(j.get("headcount", 0)),
                    int(j.get("remaining", 0)),
                    j.get("wage_yuan"),
                    j.get("wage_unit", ""),
                    j.get("wage_day_yuan"),
                    j.get("township", ""),
                    j.get("employer_name", ""),
                    j.get("employer_phone_masked", ""),
                    j.get("created_at", ""),
                    _at(j.get("first_booking_ms")),
                    _at(j.get("filled_ms")),
                    j.get("flags", ""),
                ]
            )
        for t in tickets:
            booking_rows.append(
                [
                    day,
                    t["ref"],
                    t.get("job_id", ""),
                    t.get("title", ""),
                    " ".join(t.get("skills", [])),
                    t.get("worker_name", ""),
                    t.get("worker_phone_masked", ""),
                    t.get("status", ""),
                    _at(t.get("created_ms")),
                    t.get("interview_at", ""),
                    t.get("interview_place", ""),
                ]
            )
            if t.get("status") in OUTCOMES:
                outcome_rows.append(
                    [
                        day,
                        t["ref"],
                        t.get("job_id", ""),
                        t.get("title", ""),
                        t.get("worker_name", ""),
                        t.get("worker_phone_masked", ""),
                        t["status"],
                        _at(t.get("outcome_ms")),
                        t.get("reason", ""),
                        t.get("pay", ""),
                        t.get("paid_yuan"),
                        t.get("worker_answer", ""),
                    ]
                )
    return {
        "jobs": Table("jobs", JOB_COLUMNS, jobs_rows),
        "bookings": Table("bookings", BOOKING_COLUMNS, booking_rows),
        "outcomes": Table("outcomes", OUTCOME_COLUMNS, outcome_rows),
    }


def summary(days: Sequence[DayFigures]) -> Table:
    """The day's counters exactly as the stats API gives them, one row a day."""
    rows: list[list[Cell]] = [[f.totals.get(c) for c in SUMMARY_COLUMNS] for f in days]
    for row, f in zip(rows, days, strict=True):
        row[0] = f.day
    return Table("summary", SUMMARY_COLUMNS, rows)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if v is None else safe(v) for v in row])
    # A byte-order mark: Excel on a Chinese Windows reads the file as UTF-8 only with it.
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sequence[Table]) -> bytes:
    wb = Workbook()
    first = True
    for table in sheets:
        ws = wb.active if first and wb.active is not None else wb.create_sheet()
        first = False
        ws.title = table.name
        ws.append(list(table.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([safe(v) for v in row])
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
