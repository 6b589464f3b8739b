"""History and reports for operators: any day or range per market (and for every market
an operator may see), charts drawn on the server, CSV/XLSX exports, and the printable
daily report (日报) of one market.

Closed days are read from their kept roll-ups (``matcher.store.rollup``); today is live.
Every page and export checks the operator's right to see the market, and every export
is written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import Operator, audit, require_operator
from kiosk.http.state import AppState, get_state
from kiosk.ops import charts, exports
from kiosk.ops.charts import Series
from kiosk.web.i18n import Lang, message, t
from kiosk.web.render import render
from kiosk.web.templating import request_lang
from matcher.clock import TZ
from matcher.markets import MARKETS, Market
from matcher.store import rollup
from matcher.store.rollup import DayFigures

# The history's default range: the last week, today included.
DEFAULT_DAYS = 7
# Skills drawn in a chart (the busiest; the table lists all of them).
CHART_SKILLS = 8
# Jobs listed on the daily report; more would push it past two A4 pages.
DAILY_JOBS = 25
DAY_COLUMNS = (
    "jobs_posted",
    "headcount_posted",
    "checkins",
    "offers",
    "bookings",
    "hired",
    "no_shows",
    "jobs_expired",
)


class RangeError(Exception):
    def __init__(self, field: str, key: str, **params: object) -> None:
        super().__init__(key)
        self.field = field
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class DayRange:
    start: str
    end: str

    @property
    def days(self) -> list[str]:
        return rollup.days_between(self.start, self.end)


def _parse_day(value: str, field: str, today: str) -> str:
    try:
        day = date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise RangeError(field, "err.report_date", name=field) from None
    if day > today:
        raise RangeError(field, "err.report_future", name=field)
    return day


def parse_range(request: Request, today: str, *, default_days: int) -> DayRange:
    q = request.query_params
    end = _parse_day(q["to"], "to", today) if q.get("to") else today
    first = (date.fromisoformat(end) - timedelta(days=default_days - 1)).isoformat()
    start = _parse_day(q["from"], "from", today) if q.get("from") else first
    if start > end:
        raise RangeError("from", "err.report_order")
    n = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    if n > rollup.MAX_RANGE_DAYS:
        raise RangeError("from", "err.report_long", n=rollup.MAX_RANGE_DAYS)
    return DayRange(start, end)


def _error_text(lang: Lang, e: RangeError) -> str:
    return t(e.key, lang, **e.params)


# -- figures shaped for the pages -----------------------------------------------------


def skill_name(state: AppState, skill: str, lang: Lang) -> str:
    found = state.taxonomy.get(skill)
    if found is None:
        return skill
    return found.name_zh if lang == "zh" else found.name_en


def source_key(f: DayFigures, today: str) -> str:
    """How a day's figures were had: a kept roll-up, live (today), computed now for a
    closed day the rollover has not reached, or a day with nothing at all."""
    if f.source == "rollup":
        return "ops.hist.source.rollup"
    if f.day >= today:
        return "ops.hist.source.live"
    if not any(f.totals.get(c) for c in ("jobs_posted", "checkins", "bookings")):
        return "ops.hist.source.empty"
    return "ops.hist.source.pending"


def _short(day: str) -> str:
    return day[5:]  # MM-DD under a chart's bars


def _busiest_skills(f: DayFigures) -> list[str]:
    def weight(s: str) -> int:
        v = f.skills[s]
        return v["headcount_posted"] + v["checkins"]

    return sorted(f.skills, key=lambda s: (-weight(s), s))


def _groups_shown(f: DayFigures) -> list[str]:
    return [g for g in (*rollup.PRIORITY_GROUPS, rollup.NO_GROUP) if g in f.groups]


def day_chart(chart_id: str, lang: Lang, days: list[DayFigures]) -> charts.Chart:
    names = ("bookings", "hired", "no_shows")
    series = [Series(t(f"ops.hist.col.{n}", lang), [d.totals[n] for d in days]) for n in names]
    cats = [_short(d.day) for d in days]
    title = t("ops.hist.chart.days", lang)
    empty = t("ops.hist.no_data", lang)
    if len(days) == 1:
        return charts.bar_chart(chart_id, title, cats, series, empty_text=empty)
    return charts.line_chart(chart_id, title, cats, series, empty_text=empty)


def skill_chart(chart_id: str, state: AppState, lang: Lang, f: DayFigures) -> charts.Chart:
    shown = _busiest_skills(f)[:CHART_SKILLS]
    names = ("headcount_posted", "checkins", "hired")
    series = [Series(t(f"ops.hist.col.{n}", lang), [f.skills[s][n] for s in shown]) for n in names]
    return charts.bar_chart(
        chart_id,
        t("ops.hist.chart.skills", lang),
        [skill_name(state, s, lang) for s in shown],
        series,
        empty_text=t("ops.hist.no_data", lang),
    )


def group_chart(chart_id: str, lang: Lang, f: DayFigures) -> charts.Chart:
    shown = _groups_shown(f)
    names = ("checkins", "booked", "hired")
    series = [Series(t(f"ops.hist.col.{n}", lang), [f.groups[g][n] for g in shown]) for n in names]
    return charts.bar_chart(
        chart_id,
        t("ops.hist.chart.groups", lang),
        [t(f"ops.group.{g}", lang) for g in shown],
        series,
        empty_text=t("ops.hist.no_data", lang),
    )


def market_chart(chart_id: str, lang: Lang, rows: list[tuple[Market, DayFigures]]) -> charts.Chart:
    names = ("headcount_posted", "hired")
    series = [Series(t(f"ops.hist.col.{n}", lang), [f.totals[n] for _, f in rows]) for n in names]
    return charts.bar_chart(
        chart_id,
        t("ops.hist.chart.markets", lang),
        [m.name_zh if lang == "zh" else m.name_en for m, _ in rows],
        series,
        empty_text=t("ops.hist.no_data", lang),
    )


async def _figures(
    state: AppState, markets: list[Market], span: DayRange
) -> tuple[list[DayFigures], list[tuple[Market, DayFigures]], DayFigures]:
    """Per day (summed over the markets), per market (summed over the days), in all."""
    store = state.store
    per_market = {
        m.id: await rollup.range_figures(store, m.id, span.start, span.end) for m in markets
    }
    label = ",".join(m.id for m in markets)
    days = [
        rollup.combine([per_market[m.id][i] for m in markets], day=d, market=label)
        for i, d in enumerate(span.days)
    ]
    rows = [(m, rollup.combine(per_market[m.id], day=span.start, market=m.id)) for m in markets]
    total = rollup.combine(days, day=f"{span.start}/{span.end}", market=label)
    return days, rows, total


async def _history(
    request: Request, op: Operator, markets: list[Market], market: Market | None
) -> Response:
    state = get_state(request)
    lang = request_lang(request)
    today = state.store.today()
    ctx: dict[str, Any] = {
        "op": op,
        "ops_market": market,
        "today": today,
        "source_key": lambda f: source_key(f, today),
        "day_columns": DAY_COLUMNS,
        "asked": rollup.RECOMMENDATIONS_ASKED,
    }
    try:
        span = parse_range(request, today, default_days=DEFAULT_DAYS)
    except RangeError as e:
        ctx.update(error=_error_text(lang, e), error_field=e.field)
        ctx["form"] = {k: request.query_params.get(k, "") for k in ("from", "to")}
        return render(request, "ops/history.html", ctx, status_code=422)
    days, rows, total = await _figures(state, markets, span)
    ctx.update(
        span=span,
        form={"from": span.start, "to": span.end},
        days=days,
        rows=rows,
        total=total,
        skills=_busiest_skills(total),
        groups=_groups_shown(total),
        skill_label=lambda s: skill_name(state, s, lang),
        charts={
            "days": charts.render(day_chart("chart-days", lang, days)),
            "skills": charts.render(skill_chart("chart-skills", state, lang, total)),
            "groups": charts.render(group_chart("chart-groups", lang, total)),
        },
    )
    if market is None:
        ctx["charts"]["markets"] = charts.render(market_chart("chart-markets", lang, rows))
    return render(request, "ops/history.html", ctx)


async def history(request: Request) -> Response:
    market_id = request.path_params["market"]
    op = await require_operator(request, market_id)
    market = MARKETS[market_id]
    return await _history(request, op, [market], market)


async def history_all(request: Request) -> Response:
    op = await require_operator(request)
    return await _history(request, op, op.markets_seen(), None)


# -- exports --------------------------------------------------------------------------

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _bad_request(text: str) -> Response:
    return Response(text + "\n", status_code=422, media_type="text/plain; charset=utf-8")


async def export(request: Request) -> Response:
    market_id = request.path_params["market"]
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA:
        raise HTTPException(404)
    op = await require_operator(request, market_id)
    state = get_state(request)
    store = state.store
    # An export defaults to today alone (the history page links its own range).
    try:
        span = parse_range(request, store.today(), default_days=1)
    except RangeError as e:
        return _bad_request(message(e.key, **e.params))
    table = request.query_params.get("table", "jobs")
    if fmt == "csv" and table not in exports.TABLES:
        return _bad_request(message("err.report_table"))
    found = await exports.tables(store, market_id, span.start, span.end)
    name = f"kuaizhao-{market_id}-{span.start}_{span.end}"
    if fmt == "csv":
        body = exports.to_csv(found[table])
        name = f"{name}-{table}.csv"
        what = table
    else:
        days = await rollup.range_figures(store, market_id, span.start, span.end)
        body = exports.to_xlsx([exports.summary(days), *found.values()])
        name = f"{name}.xlsx"
        what = "all"
    await audit(
        request,
        op,
        "export",
        market=market_id,
        target=f"{fmt}:{what}:{span.start}/{span.end}",
        after={"rows": {k: len(v.rows) for k, v in found.items()}},
    )
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# -- the daily report (日报) -----------------------------------------------------------


async def daily(request: Request) -> Response:
    market_id = request.path_params["market"]
    op = await require_operator(request, market_id)
    market = MARKETS[market_id]
    state = get_state(request)
    store = state.store
    lang = request_lang(request)
    today = store.today()
    try:
        day = _parse_day(request.path_params["day"], "day", today)
    except RangeError as e:
        ctx = {"op": op, "ops_market": market, "error": _error_text(lang, e)}
        return render(request, "ops/daily.html", ctx, status_code=422)
    f = await rollup.figures(store, market_id, day)
    jobs = await store.list_jobs(market_id, day=day)
    for j in jobs:
        j["hired"] = sum(b["status"] == "hired" for b in j["bookings"])
    prev_day = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    ctx = {
        "op": op,
        "ops_market": market,
        "day": day,
        "f": f,
        "jobs": jobs[:DAILY_JOBS],
        "more_jobs": max(0, len(jobs) - DAILY_JOBS),
        "skills": _busiest_skills(f),
        "groups": _groups_shown(f),
        "skill_label": lambda s: skill_name(state, s, lang),
        "asked": rollup.RECOMMENDATIONS_ASKED,
        "source_key": source_key(f, today),
        "prev_day": prev_day,
        "next_day": next_day if next_day <= today else None,
        "generated": state.clock.now().astimezone(TZ).strftime("%Y-%m-%d %H:%M"),
        "chart": charts.render(skill_chart("chart-daily-skills", state, lang, f)),
    }
    return render(request, "ops/daily.html", ctx)


routes = [
    Route("/ops/history", history_all, name="ops_history_all"),
    Route("/ops/m/{market}/history", history, name="ops_history"),
    Route("/ops/m/{market}/export.{fmt}", export, name="ops_export"),
    Route("/ops/m/{market}/daily/{day}", daily, name="ops_daily"),
]
