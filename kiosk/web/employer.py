"""The employer's side (我要招工): post a same-day job one question at a time, at the
kiosk or on a phone, then watch it fill and record outcomes.

Screens: phone → (today's jobs of this number) → what work → how many → pay → where →
work hours → interview (an on-site one with its address) → meals/transport/tools →
review → post. The screens after the work is chosen are in ``kiosk.web.flow.posting``.

The job page is its owner's (the session that posted it): it shows the job's code,
printed on a slip, which with the phone number brings the employer back to the job at
any kiosk of the market (a shared screen forgets them in between); the booked workers'
full numbers, each reveal audited; and the outcome buttons, from the interview time on.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.auth.device_guard import enrolled_device
from kiosk.http import htmx
from kiosk.http.state import get_state
from kiosk.ops import reject_reasons
from kiosk.web.choices import MAX_CHOICES, headcount_in, skill_icon
from kiosk.web.flow import posting as posting_steps
from kiosk.web.flow.answers import JobAnswers, done_result, remember_done
from kiosk.web.flow.posting import HEADCOUNT_MAX, ONSITE, default_times, desk_name, title_of
from kiosk.web.flow.steps import FlowDef, dispatch, screen
from kiosk.web.render import FORM_ID_FIELD, live_market_or_404, market_or_404, render
from kiosk.web.validation import InvalidInput, clean_text, parse_job
from matcher.clock import TZ, local_day
from matcher.markets import Market
from matcher.store.records import employer_id_for
from matcher.store.scripts import ScriptError

MAX_OWNED_JOBS = 20
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
    "interview_address": "interview",
    "employer_phone": "phone",
}
OUTCOMES = ("hired", "not_hired", "no_show")


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
    state = get_state(request)
    mine = employer_id_for(answers.phone, state.settings.secret)
    block = await state.store.blocks.active(market.id, "employer", mine)
    if block is not None:
        # An operator's block is said at once, not after every question of the post.
        answers.fail("err.employer_suspended", until=str(block["until"]))
        answers.save(request, market.id)
        return "phone"
    answers.mine = [j["id"] for j in await _todays_jobs(request, market, answers.phone)]
    answers.save(request, market.id)
    if not answers.start:
        now = get_state(request).clock.now()
        answers.start, answers.end, answers.interview = default_times(
            now, market.opens, market.closes
        )
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


async def mine_step(
    request: Request, flow: FlowDef, market: Market, answers: JobAnswers
) -> Response:
    """An employer back at the kiosk: today's jobs to open again, or a new one."""
    if request.method == "POST":
        form = await request.form()
        job_id = form.get("job")
        if isinstance(job_id, str) and job_id in answers.mine:
            # The number alone does not open a job (anyone may know it): its code does,
            # unless this session posted it.
            name = "employer_job" if _owns(request, job_id) else "job_code"
            url = request.url_for(name, market=market.id, job_id=job_id)
            return RedirectResponse(url, status_code=303)
        return flow.go(request, market, "mine")
    store = get_state(request).store
    jobs = [j for jid in answers.mine if (j := await store.get_job(market.id, jid)) is not None]
    return screen(request, flow, market, answers, "mine", "employer/mine.html", jobs=jobs)


STEPS: dict[str, Any] = {**posting_steps.STEPS, "mine": mine_step}


async def start(request: Request) -> Response:
    return await dispatch(request, FLOW, await live_market_or_404(request), STEPS, "phone")


async def step(request: Request) -> Response:
    return await dispatch(request, FLOW, await live_market_or_404(request), STEPS)


def _today_at(value: str, now: datetime, days: int = 0) -> str:
    """'08:30' on the market's today (or ``days`` later: a night shift's end), as ISO."""
    try:
        at = time.fromisoformat(value)
    except ValueError:
        return value
    return datetime.combine(local_day(now) + timedelta(days=days), at, tzinfo=TZ).isoformat()


def job_body(request: Request, market: Market, answers: JobAnswers) -> dict[str, Any]:
    now = get_state(request).clock.now()
    body: dict[str, Any] = {
        "title": title_of(request, answers),
        "headcount": answers.headcount,
        "wage_yuan": answers.wage,
        "wage_unit": answers.unit,
        "township": answers.township or market.county_adcode,
        "start_at": _today_at(answers.start, now),
        "end_at": _today_at(answers.end, now, days=1 if answers.overnight else 0),
        "interview_at": _today_at(answers.interview, now),
        "interview_place": ONSITE if answers.onsite else desk_name(answers.desk),
        "interview_address": answers.address if answers.onsite else "",
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
    market = await live_market_or_404(request)
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
        # The name is printed on the worker's ticket; "the boss" is what people say.
        answers.name = "老板"
    body = job_body(request, market, answers)
    try:
        spec = parse_job(body, state.context(market))
        result = await state.store.post_job(
            market.id, spec, request_id="form:" + rid, fingerprint=body
        )
    except (InvalidInput, ScriptError) as exc:
        return FLOW.refused(
            request,
            market,
            answers,
            exc,
            field_step=FIELD_STEP,
            invalid_step="review",
            script_step="review",
        )
    job_id = result.value["id"]
    JobAnswers.discard(request, market.id)
    _own(request, job_id)
    remember_done(request, "employer", market.id, rid, job_id)
    return htmx.redirect(
        request, str(request.url_for("employer_job", market=market.id, job_id=job_id))
    )


# -- the live job page ----------------------------------------------------------------


def _owns(request: Request, job_id: str) -> bool:
    return job_id in request.session.get("jobs", [])


def _own(request: Request, job_id: str) -> None:
    owned = [j for j in request.session.get("jobs", []) if j != job_id]
    request.session["jobs"] = [job_id, *owned][:MAX_OWNED_JOBS]


async def _job_context(request: Request, market: Market, job_id: str) -> dict[str, Any] | None:
    state = get_state(request)
    job = await state.store.get_job(market.id, job_id)
    if job is None:
        return None
    owner = _owns(request, job_id)
    # Outcomes are the interview's: the buttons come when it begins (the store refuses
    # earlier ones too), and the page's next poll brings them.
    outcomes_open = state.clock.now() >= datetime.fromisoformat(job["interview_at"])
    code = await state.store.job_code(market.id, job_id) if owner else None
    return {
        "market": market,
        "job": job,
        "owner": owner,
        "code": code,
        "outcomes_open": outcomes_open,
        "phones": {},
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "skill_icon": skill_icon,
        "reject_reason": reject_reasons.decode,
        "error": None,
        "version": htmx.version(job, owner, outcomes_open),
    }


async def _reveal(request: Request, market: Market, ctx: dict[str, Any]) -> None:
    """The owner sees each booked worker's full number. Called only for a page that is
    sent (a poll that changes nothing reveals, and audits, nothing)."""
    if not ctx["owner"]:
        return
    store = get_state(request).store
    device = await enrolled_device(request)
    for b in ctx["job"]["bookings"]:
        phone = await store.reveal_phone(
            market.id, b["ticket"], whose="worker", device=device.id if device else ""
        )
        if phone:
            ctx["phones"][b["ticket"]] = phone


async def job_page(request: Request) -> Response:
    market = market_or_404(request)
    ctx = await _job_context(request, market, request.path_params["job_id"])
    if ctx is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    if htmx.is_htmx(request):
        if htmx.unchanged(request, ctx["version"]):
            return htmx.no_swap()
        await _reveal(request, market, ctx)
        return render(request, "employer/_job_status.html", ctx)
    await _reveal(request, market, ctx)
    return render(request, "employer/job.html", ctx)


CodeState = Literal["ask", "wrong", "locked"]


async def job_code(request: Request) -> Response:
    """The job's code typed at a kiosk (after the phone number led to the job): the
    job is this session's again, its outcomes and the workers' numbers with it."""
    market = market_or_404(request)
    job_id = request.path_params["job_id"]
    store = get_state(request).store
    job = await store.get_job(market.id, job_id)
    if job is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    job_url = request.url_for("employer_job", market=market.id, job_id=job_id).path
    if _owns(request, job_id):
        return RedirectResponse(job_url, status_code=303)
    state: CodeState = "ask"
    if request.method == "POST":
        form = await request.form()
        typed = "".join(ch for ch in str(form.get("code", "")) if ch.isdigit())[:12]
        checked = await store.check_job_code(market.id, job_id, typed)
        if checked == "ok":
            _own(request, job_id)
            return RedirectResponse(job_url, status_code=303)
        state = checked
    errors = {"wrong": "err.code_wrong", "locked": "err.code_locked"}
    return render(
        request,
        "employer/code.html",
        {
            "market": market,
            "job": job,
            "kind": "employer",
            "step": "code",
            "progress": (),
            "progress_at": None,
            "back_url": job_url,
            "error_key": errors.get(state, ""),
        },
        status_code={"ask": 200, "wrong": 422, "locked": 429}[state],
    )


async def outcome(request: Request) -> Response:
    market = market_or_404(request)
    job_id = request.path_params["job_id"]
    if not _owns(request, job_id):
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    form = await request.form()
    error = None
    result = str(form.get("outcome", ""))
    if result not in OUTCOMES:
        error = "err.invalid"
    else:
        try:
            await get_state(request).store.record_outcome(
                market.id, job_id, str(form.get("worker_id", "")), result
            )
        except ScriptError as exc:
            error = f"err.{exc.code}"
    return await _job_region(request, market, job_id, error)


async def rate(request: Request) -> Response:
    """The employer's thumbs for a worker they saw (two-way reputation: the worker rates
    the employer after the work, at the kiosk)."""
    market = market_or_404(request)
    job_id = request.path_params["job_id"]
    if not _owns(request, job_id):
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    form = await request.form()
    store = get_state(request).store
    thumbs = str(form.get("thumbs", ""))
    job = await store.get_job(market.id, job_id)
    worker_id = str(form.get("worker_id", ""))
    booking = next(
        (b for b in (job or {}).get("bookings", []) if b["worker_id"] == worker_id), None
    )
    error = None
    if thumbs not in ("up", "down") or booking is None:
        error = "err.invalid"
    else:
        # Only a decided ticket may be rated: the after-work script says so
        # (rate_after_outcome), for the API as for this page.
        try:
            await store.rate(
                market.id, booking["ticket"], by="employer", thumbs=thumbs, reason="", block=False
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
    await _reveal(request, market, ctx)
    return render(request, "employer/_job_status.html", ctx, status_code=409 if error else 200)


routes = [
    Route("/m/{market}/employer", start, methods=["GET", "POST"], name="employer_post"),
    Route("/m/{market}/employer/post", post_submit, methods=["POST"], name="employer_post_submit"),
    Route("/m/{market}/employer/{step}", step, methods=["GET", "POST"], name="employer_step"),
    Route("/m/{market}/jobs/{job_id}", job_page, name="employer_job"),
    Route("/m/{market}/jobs/{job_id}/code", job_code, methods=["GET", "POST"], name="job_code"),
    Route("/m/{market}/jobs/{job_id}/outcome", outcome, methods=["POST"], name="job_outcome"),
    Route("/m/{market}/jobs/{job_id}/cancel", cancel, methods=["POST"], name="job_cancel"),
    Route("/m/{market}/jobs/{job_id}/rate", rate, methods=["POST"], name="job_rate"),
]

__all__ = ["routes"]
