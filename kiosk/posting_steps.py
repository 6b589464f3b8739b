"""The employer's posting screens after the work is chosen: how many, pay, where the
interview is, hours, extras and the review. Times are today only, on quarter hours,
from the app's clock; pay never steps below the market's minimum wage."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kiosk.choices import (
    LAST_MINUTE,
    TIME_STEP,
    clamp_time,
    earliest,
    hhmm,
    minutes,
    money,
    parse_delta,
    step_value,
)
from kiosk.flow import JobAnswers
from kiosk.state import get_state
from kiosk.steps import FlowDef, screen
from matcher.markets import Market
from matcher.screening import day_floor, hourly_floor

FLAGS = ("meals", "transport", "tools")
# Five tiles and "more" (six choices, within the seven a screen may offer); six people
# or more are set on a stepper that starts at six.
HEADCOUNT_TILES = tuple(range(1, 6))
HEADCOUNT_MAX = 50
UNITS = ("day", "hour", "piece")
# Per unit: the default, the small and big steps, the bounds (validation's maximum).
PAY = {
    "day": (200.0, 10.0, 50.0, 10.0, 3000.0),
    "hour": (25.0, 1.0, 5.0, 1.0, 300.0),
    "piece": (5.0, 0.5, 5.0, 0.5, 10000.0),
}
# Written into the job itself (printed on tickets, called out on the hall board), so in
# the hall's language whatever the language of the screen that posted it.
ONSITE = "干活现场"


def desk_name(n: int) -> str:
    return f"{n}号洽谈桌"


def default_times(
    now: datetime, opens: str = "00:00", closes: str = "23:45"
) -> tuple[str, str, str]:
    """Start an hour from now on the half hour (time to interview first), work eight
    hours, interview half an hour before the start; never before now, never past
    today. Before the hall opens (the market's opening hours) the interview is at the
    opening and the work starts half an hour later; a desk interview is never after the
    hall closes while it is still open."""
    first = earliest(now)
    start = min(-(-(now.hour * 60 + now.minute + 60) // 30) * 30, LAST_MINUTE)
    opening = minutes(opens) or 0
    closing = minutes(closes)
    start = min(max(start, opening + 30), LAST_MINUTE)
    end = min(start + 8 * 60, LAST_MINUTE)
    interview = min(max(first, opening, start - 30), start)
    if closing is not None and first <= closing < interview:
        interview = closing
    return hhmm(start), hhmm(end), hhmm(interview)


def after_hours(market: Market, answers: JobAnswers) -> bool:
    """A desk interview set after the hall closes (on site is any time)."""
    closing = minutes(market.closes)
    at = minutes(answers.interview)
    return not answers.onsite and closing is not None and at is not None and at > closing


def _number(raw: object, default: float) -> float:
    try:
        value = float(str(raw))
    except ValueError:
        return default
    return value if math.isfinite(value) else default


async def headcount_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    if request.method == "POST":
        form = await request.form()
        if form.get("more"):
            answers.headcount = max(answers.headcount, len(HEADCOUNT_TILES) + 1)
            answers.save(request, market.id)
            return flow.go(request, market, "headcount", more=1)
        delta = form.get("delta")
        if isinstance(delta, str):
            answers.headcount = int(
                step_value(answers.headcount, parse_delta(delta)[1], 1, HEADCOUNT_MAX)
            )
            answers.save(request, market.id)
            return flow.go(request, market, "headcount", more=1)
        value = int(step_value(_number(form.get("headcount"), 1), 0, 1, HEADCOUNT_MAX))
        answers.headcount = value
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("headcount", answers))
    more = request.query_params.get("more") == "1" or answers.headcount > len(HEADCOUNT_TILES)
    return screen(
        request,
        flow,
        market,
        answers,
        "headcount",
        "employer_headcount.html",
        tiles=HEADCOUNT_TILES,
        more=more,
        headcount_max=HEADCOUNT_MAX,
    )


async def pay_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    if request.method == "POST":
        form = await request.form()
        unit = form.get("unit")
        if isinstance(unit, str) and unit in UNITS and unit != answers.unit:
            # A day's pay is no hour's pay: a new unit starts from its own default.
            answers.unit, answers.wage = unit, PAY[unit][0]
            answers.save(request, market.id)
            return flow.go(request, market, "pay")
        low, high = _pay_bounds(market, answers.unit)
        delta = form.get("delta")
        if isinstance(delta, str):
            answers.wage = step_value(answers.wage, parse_delta(delta)[1], low, high)
            answers.save(request, market.id)
            return flow.go(request, market, "pay")
        answers.wage = step_value(_number(form.get("wage"), answers.wage), 0, low, high)
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("pay", answers))
    _, small, big, _, _ = PAY[answers.unit]
    low, high = _pay_bounds(market, answers.unit)
    answers.wage = step_value(answers.wage, 0, low, high)
    return screen(
        request,
        flow,
        market,
        answers,
        "pay",
        "employer_pay.html",
        units=UNITS,
        wage_shown=money(answers.wage),
        deltas=[(money(small), money(small)), (money(big), money(big))],
        low=money(low),
        high=money(high),
    )


def _pay_bounds(market: Market, unit: str) -> tuple[float, float]:
    """The stepper never goes below the market's minimum wage (rounded up to a step)."""
    _, small, _, low, high = PAY[unit]
    floor = {"day": day_floor, "hour": hourly_floor}.get(unit)
    if floor is not None:
        low = max(low, math.ceil(floor(market.wage_class) / small) * small)
    return low, high


def _adjust_time(value: str, delta: float, now: datetime) -> str:
    return hhmm(clamp_time((minutes(value) or earliest(now)) + int(delta), now))


def _time_field(raw: object, fallback: str, now: datetime) -> str:
    value = minutes(str(raw or ""))
    if value is None:
        return fallback
    return hhmm(clamp_time(value - value % TIME_STEP, now))


async def time_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    now = get_state(request).clock.now()
    if request.method == "POST":
        form = await request.form()
        answers.start = _time_field(form.get("start"), answers.start, now)
        answers.end = _time_field(form.get("end"), answers.end, now)
        delta = form.get("delta")
        if isinstance(delta, str):
            name, amount = parse_delta(delta)
            if name in ("start", "end"):
                setattr(answers, name, _adjust_time(getattr(answers, name), amount, now))
            answers.save(request, market.id)
            return flow.go(request, market, "time")
        if (minutes(answers.end) or 0) <= (minutes(answers.start) or 0):
            answers.fail("err.end_before_start")
            answers.save(request, market.id)
            return flow.go(request, market, "time")
        start = minutes(answers.start) or earliest(now)
        if not answers.interview_set or (minutes(answers.interview) or 0) > start:
            answers.interview = hhmm(min(max(earliest(now), start - 30), start))
            answers.interview_set = False
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("time", answers))
    return screen(
        request,
        flow,
        market,
        answers,
        "time",
        "employer_time.html",
        first=hhmm(earliest(now)),
        last=hhmm(LAST_MINUTE),
    )


async def interview_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    now = get_state(request).clock.now()
    if request.method == "POST":
        form = await request.form()
        answers.interview = _time_field(form.get("interview"), answers.interview, now)
        answers.desk = int(step_value(_number(form.get("desk"), answers.desk), 0, 1, market.desks))
        place = form.get("place")
        if place in ("desk", "onsite"):
            answers.onsite = place == "onsite"
        delta = form.get("delta")
        if isinstance(delta, str):
            name, amount = parse_delta(delta)
            if name == "interview":
                answers.interview = _adjust_time(answers.interview, amount, now)
            elif name == "desk":
                answers.desk = int(step_value(answers.desk, amount, 1, market.desks))
            answers.save(request, market.id)
            return flow.go(request, market, "interview")
        if (minutes(answers.interview) or 0) > (minutes(answers.start) or 0):
            answers.fail("err.interview_after_start")
            answers.save(request, market.id)
            return flow.go(request, market, "interview")
        if after_hours(market, answers):
            answers.fail("err.interview_after_hours", closes=market.closes)
            answers.save(request, market.id)
            return flow.go(request, market, "interview")
        answers.interview_set = True
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("interview", answers))
    return screen(
        request,
        flow,
        market,
        answers,
        "interview",
        "employer_interview.html",
        first=hhmm(earliest(now)),
        last=answers.start,
        desk_label=desk_name(answers.desk),
    )


async def extras_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    if request.method == "POST":
        form = await request.form()
        for flag in FLAGS:
            setattr(answers, flag, flag in form)
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("extras", answers))
    return screen(request, flow, market, answers, "extras", "employer_extras.html", flags=FLAGS)


def title_of(request: Request, answers: JobAnswers) -> str:
    """The job's one line: what the employer said, or the trades they picked."""
    if answers.text.strip():
        return answers.text.strip()[:60]
    tax = get_state(request).taxonomy
    return "、".join(s.name_zh for sid in answers.skills if (s := tax.get(sid)))[:60]


async def review_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    state = get_state(request)
    tax = state.taxonomy
    skills = [s for sid in answers.skills if (s := tax.get(sid)) is not None]
    place = state.gazetteer.get(answers.township)
    return screen(
        request,
        flow,
        market,
        answers,
        "review",
        "employer_review.html",
        skills=skills,
        title=title_of(request, answers),
        place=place,
        interview_place=ONSITE if answers.onsite else desk_name(answers.desk),
        flags=FLAGS,
    )


STEPS: dict[str, Any] = {
    "headcount": headcount_step,
    "pay": pay_step,
    "time": time_step,
    "interview": interview_step,
    "extras": extras_step,
    "review": review_step,
}
