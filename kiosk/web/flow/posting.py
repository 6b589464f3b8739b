"""The employer's posting screens after the work is chosen: how many, pay, where the
interview is, hours, extras and the review. Times are on quarter hours from the app's
clock: the work starts today and ends today, or the next day for a night shift the
employer says is one (次日收工). Pay never steps below the market's minimum wage, per
hour of the job's hours, and the stepper says why it stops there. Desk interviews are
inside the hall's opening hours (a market setting); after closing the interview is on
site and the screens say the hall is closed."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kiosk.http.state import get_state
from kiosk.web.choices import (
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
from kiosk.web.flow.answers import JobAnswers
from kiosk.web.flow.steps import FlowDef, screen
from kiosk.web.validation import (
    MAX_SHIFT,
    ONSITE_PLACE,
    FieldError,
    clean_text,
    hall_closed,
    hall_hours_error,
    pay_error,
)
from matcher.markets import Market
from matcher.text.screening import FLOOR_HOURS, hourly_floor, lowest_day_pay

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
ONSITE = ONSITE_PLACE
DAY_MINUTES = 24 * 60
MAX_SHIFT_MINUTES = int(MAX_SHIFT.total_seconds() // 60)


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


def desk_hours_error(market: Market, answers: JobAnswers, now: datetime) -> FieldError | None:
    """A desk interview set outside the hall's opening hours (on site is any time)."""
    at = minutes(answers.interview)
    if answers.onsite or at is None:
        return None
    return hall_hours_error(market, now.replace(hour=at // 60, minute=at % 60))


def job_minutes(answers: JobAnswers) -> tuple[int, int]:
    """Start and end in minutes from today's midnight: a night shift's end is past
    midnight (the next day)."""
    start = minutes(answers.start) or 0
    end = minutes(answers.end) or 0
    return start, end + (DAY_MINUTES if answers.overnight else 0)


def job_hours(answers: JobAnswers) -> float:
    """The scheduled hours (a day rate is judged per hour of them); 8 when the times
    are not in order yet."""
    start, end = job_minutes(answers)
    return (end - start) / 60 if end > start else float(FLOOR_HOURS)


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
        "employer/headcount.html",
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
        low, high = _pay_bounds(market, answers.unit, job_hours(answers))
        delta = form.get("delta")
        if isinstance(delta, str):
            answers.wage = step_value(answers.wage, parse_delta(delta)[1], low, high)
            answers.save(request, market.id)
            return flow.go(request, market, "pay")
        answers.wage = step_value(_number(form.get("wage"), answers.wage), 0, low, high)
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("pay", answers))
    _, small, big, _, _ = PAY[answers.unit]
    hours = job_hours(answers)
    low, high = _pay_bounds(market, answers.unit, hours)
    answers.wage = step_value(answers.wage, 0, low, high)
    return screen(
        request,
        flow,
        market,
        answers,
        "pay",
        "employer/pay.html",
        units=UNITS,
        wage_shown=money(answers.wage),
        deltas=[(money(small), money(small)), (money(big), money(big))],
        low=money(low),
        high=money(high),
        floor=_floor_note(market, answers.unit, hours),
        at_floor=answers.wage <= low,
    )


def _pay_bounds(market: Market, unit: str, hours: float) -> tuple[float, float]:
    """The stepper never goes below the market's minimum wage (rounded up to a step):
    per hour, or for a day rate per hour of the job's hours (counted up to 8)."""
    _, small, _, low, high = PAY[unit]
    floor = None
    if unit == "day":
        floor = lowest_day_pay(market.wage_class, hours)
    elif unit == "hour":
        floor = hourly_floor(market.wage_class)
    if floor is not None:
        low = max(low, math.ceil(round(floor / small, 6)) * small)
    return low, high


def _floor_note(market: Market, unit: str, hours: float) -> dict[str, Any] | None:
    """Why the stepper stops where it does (shown when the pay is at its lowest), and
    for a day rate how a shorter day lowers it."""
    if unit not in ("day", "hour"):
        return None
    counted = min(hours, float(FLOOR_HOURS))
    return {
        "hour": f"{hourly_floor(market.wage_class):g}",
        "hours": f"{round(counted, 2):g}",
        # The lawful least itself (the stepper's lowest step is at or just above it).
        "low": f"{round(lowest_day_pay(market.wage_class, hours), 1):g}",
        "shorter": unit == "day" and counted > 1,
    }


def _adjust_time(value: str, delta: float, now: datetime) -> str:
    return hhmm(clamp_time((minutes(value) or earliest(now)) + int(delta), now))


def _time_field(raw: object, fallback: str, now: datetime) -> str:
    value = minutes(str(raw or ""))
    if value is None:
        return fallback
    return hhmm(clamp_time(value - value % TIME_STEP, now))


def _as_entered(raw: object, fallback: str) -> str:
    """A time as the employer set it, on the quarter hour, not moved to fit: a refusal
    names the times they chose, never one they did not."""
    value = minutes(str(raw or ""))
    if value is None:
        return fallback
    return hhmm(min(value - value % TIME_STEP, LAST_MINUTE))


def _end_bounds(answers: JobAnswers, now: datetime) -> tuple[int, int]:
    """A same-day end is from now on; a next-day end is any time of that morning."""
    return (0, LAST_MINUTE) if answers.overnight else (earliest(now), LAST_MINUTE)


def _default_end(start: str, overnight: bool) -> str:
    """Eight hours after the start: within today, or on the next day for a night shift."""
    at = (minutes(start) or 0) + 8 * 60
    if overnight:
        return hhmm(max(at - DAY_MINUTES, 0))
    return hhmm(min(at, LAST_MINUTE))


def time_error(answers: JobAnswers, now: datetime) -> FieldError | None:
    """What is wrong with the hours as chosen, said with the times chosen."""
    start, end = job_minutes(answers)
    if start < earliest(now):
        return FieldError("err.start_past_kiosk", {"start": answers.start})
    if end <= start:
        return FieldError(
            "err.end_before_start_kiosk", {"start": answers.start, "end": answers.end}
        )
    if end - start > MAX_SHIFT_MINUTES:
        return FieldError(
            "err.shift_too_long_kiosk",
            {"start": answers.start, "end": answers.end, "max": MAX_SHIFT_MINUTES // 60},
        )
    return None


async def time_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    now = get_state(request).clock.now()
    if request.method == "POST":
        form = await request.form()
        answers.start = _as_entered(form.get("start"), answers.start)
        answers.end = _as_entered(form.get("end"), answers.end)
        night = form.get("overnight")
        if night in ("0", "1"):
            # Ends today / ends the next day: said explicitly, the screen comes back.
            if (night == "1") != answers.overnight:
                answers.overnight = night == "1"
                answers.end = _default_end(answers.start, answers.overnight)
            answers.save(request, market.id)
            return flow.go(request, market, "time")
        delta = form.get("delta")
        if isinstance(delta, str):
            name, amount = parse_delta(delta)
            if name == "start":
                answers.start = _adjust_time(answers.start, amount, now)
            elif name == "end":
                low, high = _end_bounds(answers, now)
                at = (minutes(answers.end) or low) + int(amount)
                answers.end = hhmm(int(step_value(at, 0, low, high)))
            answers.save(request, market.id)
            return flow.go(request, market, "time")
        problem = time_error(answers, now)
        if problem is not None:
            answers.fail(problem.key, **{k: str(v) for k, v in problem.params.items()})
            answers.save(request, market.id)
            return flow.go(request, market, "time")
        start = minutes(answers.start) or earliest(now)
        if not answers.interview_set or (minutes(answers.interview) or 0) > start:
            answers.interview = hhmm(min(max(earliest(now), start - 30), start))
            answers.interview_set = False
        if answers.unit == "day":
            # Longer hours can put a day's pay under the floor: said on the pay screen,
            # which then goes on where this one would have.
            low_pay = pay_error(answers.wage, "day", job_hours(answers), market.wage_class)
            if low_pay is not None:
                answers.revisit = flow.next_of("time", answers)
                answers.fail(low_pay.key, **{k: str(v) for k, v in low_pay.params.items()})
                answers.save(request, market.id)
                return flow.go(request, market, "pay")
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("time", answers))
    low, high = _end_bounds(answers, now)
    return screen(
        request,
        flow,
        market,
        answers,
        "time",
        "employer/time.html",
        first=hhmm(earliest(now)),
        last=hhmm(LAST_MINUTE),
        end_low=hhmm(low),
        end_high=hhmm(high),
    )


async def interview_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    now = get_state(request).clock.now()
    closed = hall_closed(market, now)
    if request.method == "POST":
        form = await request.form()
        answers.interview = _time_field(form.get("interview"), answers.interview, now)
        answers.desk = int(step_value(_number(form.get("desk"), answers.desk), 0, 1, market.desks))
        place = form.get("place")
        if place in ("desk", "onsite"):
            # After closing there are no desks to choose (a stale form cannot pick one).
            answers.onsite = place == "onsite" or closed
        address = form.get("address")
        if isinstance(address, str):
            answers.address = clean_text(address)[:60]
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
        closed_desk = desk_hours_error(market, answers, now)
        if closed_desk is not None:
            answers.fail(closed_desk.key, **{k: str(v) for k, v in closed_desk.params.items()})
            answers.save(request, market.id)
            return flow.go(request, market, "interview")
        if answers.onsite and not answers.address:
            # On site, the worker must be told where (validation checks it again).
            answers.fail("err.interview_address")
            answers.save(request, market.id)
            return flow.go(request, market, "interview")
        answers.interview_set = True
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("interview", answers))
    if closed and not answers.onsite:
        # The hall has closed: the interview is where the work is.
        answers.onsite = True
        answers.save(request, market.id)
    return screen(
        request,
        flow,
        market,
        answers,
        "interview",
        "employer/interview.html",
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
    return screen(request, flow, market, answers, "extras", "employer/extras.html", flags=FLAGS)


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
        "employer/review.html",
        skills=skills,
        title=title_of(request, answers),
        place=place,
        interview_place=(
            f"{ONSITE} · {answers.address}" if answers.onsite else desk_name(answers.desk)
        ),
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
