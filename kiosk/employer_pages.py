"""The employer's side (我要招工): post a same-day job one question at a time, at the
kiosk or on a phone, then watch it fill and record outcomes.

Screens: phone → what work → how many → pay → where → work hours → interview →
meals/transport/tools → review → post. Times are today only, on quarter hours, from
the app's clock.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk import htmx
from kiosk.choices import (
    LAST_MINUTE,
    MAX_CHOICES,
    TIME_STEP,
    clamp_time,
    earliest,
    headcount_in,
    hhmm,
    minutes,
    money,
    parse_delta,
    skill_icon,
    step_value,
)
from kiosk.flow import JobAnswers, done_result, remember_done
from kiosk.pages import FORM_ID_FIELD, market_or_404, render
from kiosk.state import get_state
from kiosk.steps import FlowDef, dispatch, screen
from kiosk.validation import InvalidInput, clean_text, parse_job
from matcher.clock import TZ, local_day
from matcher.markets import Market
from matcher.records import employer_id_for
from matcher.screening import day_floor, hourly_floor
from matcher.scripts import ScriptError

FLAGS = ("meals", "transport", "tools")
MAX_OWNED_JOBS = 20
HEADCOUNT_TILES = tuple(range(1, 11))
HEADCOUNT_MAX = 50
UNITS = ("day", "hour", "piece")
# Per unit: the default, the small and big steps, the bounds (validation's maximum).
PAY = {
    "day": (200.0, 10.0, 50.0, 10.0, 3000.0),
    "hour": (25.0, 1.0, 5.0, 1.0, 300.0),
    "piece": (5.0, 0.5, 5.0, 0.5, 10000.0),
}
ONSITE = "干活现场"
FIELD_STEP = {
    "title": "say",
    "skills": "skills",
    "headcount": "headcount",
    "wage_yuan": "pay",
    "wage_unit": "pay",
    "township": "place",
    "start_at": "time",
    "end_at": "time",
    "interview_at": "interview",
    "interview_place": "interview",
    "employer_phone": "phone",
}


def desk_name(n: int) -> str:
    return f"{n}号洽谈桌"


def default_times(now: datetime) -> tuple[str, str, str]:
    """Start an hour from now on the half hour (time to interview first), work eight
    hours, interview half an hour before the start; never before now, never past
    today."""
    first = earliest(now)
    start = min(-(-(now.hour * 60 + now.minute + 60) // 30) * 30, LAST_MINUTE)
    end = min(start + 8 * 60, LAST_MINUTE)
    interview = min(max(first, start - 30), start)
    return hhmm(start), hhmm(end), hhmm(interview)


async def _least_busy_desk(request: Request, market: Market) -> int:
    jobs = await get_state(request).store.list_jobs(market.id, status="open")
    busy = Counter(j.get("interview_place", "") for j in jobs)
    return min(range(1, market.desks + 1), key=lambda n: (busy[desk_name(n)], n))


async def _todays_jobs(request: Request, market: Market, phone: str) -> list[dict[str, Any]]:
    """What this employer (known by the phone number, as a worker is) posted today and
    is still running: at a shared kiosk the session that owned it may have been reset."""
    state = get_state(request)
    store = state.store
    jobs = await store.list_jobs(market.id)
    live = [j for j in jobs if j["status"] in ("open", "filled", "review")]
    if not live:
        return []
    raw = await store.redis.hmget(store.keys(market.id).jobs, [j["id"] for j in live])
    mine = employer_id_for(phone, state.settings.secret)
    owned = {r["id"] for x in raw if x and (r := json.loads(x)).get("employer_id") == mine}
    return [j for j in reversed(live) if j["id"] in owned][: MAX_CHOICES - 1]


async def _after_phone(request: Request, market: Market, answers: JobAnswers) -> str:
    answers.mine = [j["id"] for j in await _todays_jobs(request, market, answers.phone)]
    answers.save(request, market.id)
    if not answers.start:
        now = get_state(request).clock.now()
        answers.start, answers.end, answers.interview = default_times(now)
        answers.desk = await _least_busy_desk(request, market)
        answers.township = market.county_adcode
        answers.save(request, market.id)
    return "mine" if answers.mine else "skills"


def _said(answers: JobAnswers, text: str) -> None:
    n = headcount_in(text)
    if n is not None and 1 <= n <= HEADCOUNT_MAX:
        answers.headcount = n


FLOW = FlowDef(
    kind="employer",
    answers=JobAnswers,
    step_route="employer_step",
    start_route="employer_post",
    progress=(
        "phone",
        "skills",
        "headcount",
        "pay",
        "place",
        "time",
        "interview",
        "extras",
        "review",
    ),
    after_phone=_after_phone,
    on_text=_said,
)


def _number(raw: object, default: float) -> float:
    try:
        return float(str(raw))
    except ValueError:
        return default


async def headcount_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    if request.method == "POST":
        form = await request.form()
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


def _title(request: Request, answers: JobAnswers) -> str:
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
        title=_title(request, answers),
        place=place,
        interview_place=ONSITE if answers.onsite else desk_name(answers.desk),
        flags=FLAGS,
    )


async def mine_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    """An employer back at the kiosk: today's jobs to open again, or a new one."""
    if request.method == "POST":
        form = await request.form()
        job_id = form.get("job")
        if isinstance(job_id, str) and job_id in answers.mine:
            owned = [j for j in request.session.get("jobs", []) if j != job_id]
            request.session["jobs"] = [job_id, *owned][:MAX_OWNED_JOBS]
            url = request.url_for("employer_job", market=market.id, job_id=job_id)
            return RedirectResponse(url, status_code=303)
        return flow.go(request, market, "mine")
    store = get_state(request).store
    jobs = [j for jid in answers.mine if (j := await store.get_job(market.id, jid)) is not None]
    return screen(request, flow, market, answers, "mine", "employer_mine.html", jobs=jobs)


STEPS: dict[str, Any] = {
    "mine": mine_step,
    "headcount": headcount_step,
    "pay": pay_step,
    "time": time_step,
    "interview": interview_step,
    "extras": extras_step,
    "review": review_step,
}


async def start(request: Request) -> Response:
    return await dispatch(request, FLOW, market_or_404(request), STEPS, "phone")


async def step(request: Request) -> Response:
    return await dispatch(request, FLOW, market_or_404(request), STEPS)


def _today_at(value: str, now: datetime) -> str:
    """'08:30' on the market's today, as ISO."""
    try:
        at = time.fromisoformat(value)
    except ValueError:
        return value
    return datetime.combine(local_day(now), at, tzinfo=TZ).isoformat()


def job_body(request: Request, market: Market, answers: JobAnswers) -> dict[str, Any]:
    now = get_state(request).clock.now()
    body: dict[str, Any] = {
        "title": _title(request, answers),
        "headcount": answers.headcount,
        "wage_yuan": answers.wage,
        "wage_unit": answers.unit,
        "township": answers.township or market.county_adcode,
        "start_at": _today_at(answers.start, now),
        "end_at": _today_at(answers.end, now),
        "interview_at": _today_at(answers.interview, now),
        "interview_place": ONSITE if answers.onsite else desk_name(answers.desk),
        "employer_name": answers.name,
        "employer_phone": answers.phone,
        "meals": answers.meals,
        "transport": answers.transport,
        "tools": answers.tools,
    }
    if answers.skills:
        body["skills"] = answers.skills
    return body


async def post_submit(request: Request) -> Response:
    """The review screen's 发布: the whole job goes to the store at once, under the
    flow's request id; a double tap or a resubmission posts one job."""
    market = market_or_404(request)
    state = get_state(request)
    form = await request.form()
    rid = str(form.get(FORM_ID_FIELD, ""))
    answers = JobAnswers.load(request, market.id)
    if answers is None or answers.rid != rid:
        job_id = done_result(request, "employer", market.id, rid)
        if job_id is not None:
            url = request.url_for("employer_job", market=market.id, job_id=job_id)
            return htmx.redirect(request, str(url))
        return FLOW.go(request, market, "phone")
    name = form.get("employer_name")
    if isinstance(name, str):
        answers.name = clean_text(name)[:20]
    if not answers.name:
        answers.name = "老板"
    body = job_body(request, market, answers)
    try:
        spec = parse_job(body, state.context(market))
        result = await state.store.post_job(
            market.id, spec, request_id="form:" + rid, fingerprint=body
        )
    except InvalidInput as exc:
        field, error = next(iter(exc.errors.items()))
        answers.fail(error.key, **{k: str(v) for k, v in error.params.items()})
        answers.save(request, market.id)
        return FLOW.go(request, market, FIELD_STEP.get(field, "review"))
    except ScriptError as exc:
        answers.fail(f"err.{exc.code}")
        answers.save(request, market.id)
        return FLOW.go(request, market, "review")
    job_id = result.value["id"]
    JobAnswers.discard(request, market.id)
    owned = [j for j in request.session.get("jobs", []) if j != job_id]
    request.session["jobs"] = [job_id, *owned][:MAX_OWNED_JOBS]
    remember_done(request, "employer", market.id, rid, job_id)
    return htmx.redirect(
        request, str(request.url_for("employer_job", market=market.id, job_id=job_id))
    )


# -- the live job page ----------------------------------------------------------------


def _owns(request: Request, job_id: str) -> bool:
    return job_id in request.session.get("jobs", [])


async def _job_context(request: Request, market: Market, job_id: str) -> dict[str, Any] | None:
    state = get_state(request)
    job = await state.store.get_job(market.id, job_id)
    if job is None:
        return None
    owner = _owns(request, job_id)
    return {
        "market": market,
        "job": job,
        "owner": owner,
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "skill_icon": skill_icon,
        "error": None,
        "version": htmx.version(job, owner),
    }


async def job_page(request: Request) -> Response:
    market = market_or_404(request)
    ctx = await _job_context(request, market, request.path_params["job_id"])
    if ctx is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    if htmx.is_htmx(request):
        if htmx.unchanged(request, ctx["version"]):
            return htmx.no_swap()
        return render(request, "_job_status.html", ctx)
    return render(request, "employer_job.html", ctx)


async def outcome(request: Request) -> Response:
    market = market_or_404(request)
    job_id = request.path_params["job_id"]
    if not _owns(request, job_id):
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    form = await request.form()
    error = None
    result = str(form.get("outcome", ""))
    if result not in ("hired", "not_hired", "no_show"):
        error = "err.invalid"
    else:
        try:
            await get_state(request).store.record_outcome(
                market.id, job_id, str(form.get("worker_id", "")), result
            )
        except ScriptError as exc:
            error = f"err.{exc.code}"
    return await _job_region(request, market, job_id, error)


async def cancel(request: Request) -> Response:
    market = market_or_404(request)
    job_id = request.path_params["job_id"]
    if not _owns(request, job_id):
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    error = None
    try:
        await get_state(request).store.cancel_job(market.id, job_id)
    except ScriptError as exc:
        error = f"err.{exc.code}"
    return await _job_region(request, market, job_id, error)


async def _job_region(request: Request, market: Market, job_id: str, error: str | None) -> Response:
    if not htmx.is_htmx(request):
        return RedirectResponse(
            request.url_for("employer_job", market=market.id, job_id=job_id), 303
        )
    ctx = await _job_context(request, market, job_id)
    assert ctx is not None
    ctx["error"] = error
    return render(request, "_job_status.html", ctx, status_code=409 if error else 200)


routes = [
    Route("/m/{market}/employer", start, methods=["GET", "POST"], name="employer_post"),
    Route("/m/{market}/employer/post", post_submit, methods=["POST"], name="employer_post_submit"),
    Route("/m/{market}/employer/{step}", step, methods=["GET", "POST"], name="employer_step"),
    Route("/m/{market}/jobs/{job_id}", job_page, name="employer_job"),
    Route("/m/{market}/jobs/{job_id}/outcome", outcome, methods=["POST"], name="job_outcome"),
    Route("/m/{market}/jobs/{job_id}/cancel", cancel, methods=["POST"], name="job_cancel"),
]

__all__ = ["default_times", "routes"]
