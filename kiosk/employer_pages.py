"""The employer's side: post a same-day job, watch it fill, record outcomes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk import htmx
from kiosk.pages import error_texts, form_request_id, market_or_404, mint_request_id, render
from kiosk.state import get_state
from kiosk.validation import FieldError, InvalidInput, parse_job
from matcher.clock import TZ, local_day
from matcher.markets import Market
from matcher.scripts import ScriptError

TIME_FIELDS = ("start_at", "end_at", "interview_at")
FLAGS = ("meals", "transport", "tools")
MAX_OWNED_JOBS = 20


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M")


def _defaults(request: Request, market: Market) -> dict[str, str]:
    now = get_state(request).clock.now()
    # Next half hour plus 30 minutes: time to interview before the start.
    start = (now + timedelta(minutes=60)).replace(second=0, microsecond=0)
    start = start.replace(minute=0 if start.minute < 30 else 30)
    last = now.replace(hour=23, minute=59, second=0, microsecond=0)
    start = min(start, last)
    end = min(start + timedelta(hours=8), last)
    interview = max(now + timedelta(minutes=10), start - timedelta(minutes=30))
    interview = min(interview, start)
    return {
        "headcount": "1",
        "wage_unit": "day",
        "wage_yuan": "200",
        "township": market.county_adcode,
        "start_at": _hhmm(start),
        "end_at": _hhmm(end),
        "interview_at": _hhmm(interview),
        "interview_place": "1号洽谈桌",
    }


def _form_context(request: Request, market: Market, **extra: Any) -> dict[str, Any]:
    state = get_state(request)
    return {
        "market": market,
        "taxonomy": state.taxonomy,
        "townships": state.gazetteer.townships(market.county_adcode),
        "desks": [f"{n}号洽谈桌" for n in range(1, market.desks + 1)],
        "request_id": mint_request_id(),
        "values": _defaults(request, market),
        "chosen": set(),
        "errors": {},
        **extra,
    }


async def post_form(request: Request) -> Response:
    market = market_or_404(request)
    return render(request, "employer_post.html", _form_context(request, market))


def _today_at(hhmm: str, now: datetime) -> str:
    """'08:30' on the market's today, as ISO; anything else is passed on to fail
    validation with the field named."""
    try:
        t = time.fromisoformat(hhmm.strip())
    except ValueError:
        return hhmm
    return datetime.combine(local_day(now), t, tzinfo=TZ).isoformat()


async def post_submit(request: Request) -> Response:
    market = market_or_404(request)
    state = get_state(request)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    skills = [str(s) for s in form.getlist("skills") if isinstance(s, str) and s]
    now = state.clock.now()
    body: dict[str, Any] = {
        k: values.get(k, "")
        for k in (
            "title",
            "headcount",
            "wage_yuan",
            "wage_unit",
            "township",
            "interview_place",
            "employer_name",
            "employer_phone",
            "description",
        )
    }
    for name in TIME_FIELDS:
        if values.get(name):
            body[name] = _today_at(values[name], now)
        elif name == "start_at":
            body[name] = ""
    for flag in FLAGS:
        body[flag] = flag in values
    if skills:
        body["skills"] = skills
    request_id = form_request_id(values)
    try:
        spec = parse_job(body, state.context(market))
        result = await state.store.post_job(
            market.id, spec, request_id="form:" + request_id, fingerprint=body
        )
    except (InvalidInput, ScriptError) as exc:
        errors = (
            exc.errors if isinstance(exc, InvalidInput) else {"form": FieldError(f"err.{exc.code}")}
        )
        ctx = _form_context(request, market)
        ctx.update(
            values={**ctx["values"], **values},
            chosen=set(skills),
            errors=error_texts(request, errors),
            request_id=request_id,
        )
        return render(request, "employer_post.html", ctx, status_code=422)
    job_id = result.value["id"]
    owned = [j for j in request.session.get("jobs", []) if j != job_id]
    request.session["jobs"] = [job_id, *owned][:MAX_OWNED_JOBS]
    return htmx.redirect(
        request, str(request.url_for("employer_job", market=market.id, job_id=job_id))
    )


def _owns(request: Request, job_id: str) -> bool:
    return job_id in request.session.get("jobs", [])


async def _job_context(request: Request, market: Market, job_id: str) -> dict[str, Any] | None:
    state = get_state(request)
    job = await state.store.get_job(market.id, job_id)
    if job is None:
        return None
    return {
        "market": market,
        "job": job,
        "owner": _owns(request, job_id),
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "error": None,
    }


async def job_page(request: Request) -> Response:
    market = market_or_404(request)
    ctx = await _job_context(request, market, request.path_params["job_id"])
    if ctx is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    if htmx.is_htmx(request):
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
    Route("/m/{market}/employer", post_form, name="employer_post"),
    Route("/m/{market}/employer", post_submit, methods=["POST"], name="employer_post_submit"),
    Route("/m/{market}/jobs/{job_id}", job_page, name="employer_job"),
    Route("/m/{market}/jobs/{job_id}/outcome", outcome, methods=["POST"], name="job_outcome"),
    Route("/m/{market}/jobs/{job_id}/cancel", cancel, methods=["POST"], name="job_cancel"),
]
