"""The worker's side of the kiosk (我要找活): check in one question at a time, wait
for offers, accept one, hold a ticket.

Screens: phone → (returning: "same as last time?") → skills → place → reach → lowest
day wage → checked in. The answers live in the session (``kiosk.flow``) until the
last screen posts them with the request id minted when the flow started.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk import aftercare_steps, htmx
from kiosk.choices import parse_delta, skill_icon, step_value
from kiosk.flow import WorkerAnswers, done_result, remember_done
from kiosk.pages import FORM_ID_FIELD, live_market_or_404, market_or_404, render
from kiosk.qr import qr_svg
from kiosk.state import get_state
from kiosk.steps import FlowDef, dispatch, screen
from kiosk.validation import InvalidInput, parse_checkin
from matcher.markets import Market
from matcher.scripts import ScriptError

WAGE_STEP = 10
WAGE_MAX = 2000
REACHES = ("township", "county", "prefecture")
# Which screen fixes a refused field of the final check-in.
FIELD_STEP = {
    "phone": "phone",
    "skills": "skills",
    "skills_text": "skills",
    "township": "place",
    "reach": "reach",
    "min_wage_yuan": "wage",
}


def session_worker(request: Request, market: Market) -> str | None:
    wid = request.session.get(f"worker:{market.id}")
    return wid if isinstance(wid, str) else None


async def _after_phone(request: Request, market: Market, answers: WorkerAnswers) -> str:
    """A returning worker is first asked about earlier work still unsettled (pay, a
    no-show: ``kiosk.aftercare_steps``), then checks in as usual."""
    nxt = await _returning(request, market, answers)
    store = get_state(request).store
    wid = store.worker_id(answers.phone)
    block = await store.blocks.active(market.id, "worker", wid)
    if block is not None:
        # Said at once, not after every question; unpaid work can still be reported.
        answers.fail("err.worker_suspended", until=str(block["until"]))
        answers.save(request, market.id)
        nxt = "phone"
    refs = await aftercare_steps.due_refs(request, market, wid)
    if not refs:
        return nxt
    aftercare_steps.begin(request, market, wid, refs, FLOW.url(request, market, nxt))
    return "after"


async def _returning(request: Request, market: Market, answers: WorkerAnswers) -> str:
    """A worker seen before starts from last time's answers."""
    store = get_state(request).store
    profile = await store.get_profile(market.id, store.worker_id(answers.phone))
    if not profile or not profile.get("skills"):
        return "skills"
    tax = get_state(request).taxonomy
    answers.skills = [s for s in profile["skills"] if s in tax][: answers.max_skills]
    answers.township = str(profile.get("township") or market.county_adcode)
    reach = str(profile.get("reach", "county"))
    answers.reach = reach if reach in REACHES else "county"
    answers.wage = int(float(profile.get("min_wage_yuan") or 0))
    answers.name = str(profile.get("name") or "")
    answers.returning = bool(answers.skills)
    answers.save(request, market.id)
    return "same" if answers.returning else "skills"


FLOW = FlowDef(
    kind="worker",
    answers=WorkerAnswers,
    step_route="worker_step",
    start_route="worker_checkin",
    progress=("phone", "skills", "place", "reach", "wage"),
    after_phone=_after_phone,
)


def _place_name(request: Request, adcode: str) -> str:
    place = get_state(request).gazetteer.get(adcode)
    return place.name if place else ""


async def same_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    if not answers.returning:
        return flow.go(request, market, "skills")
    tax = get_state(request).taxonomy
    skills = [s for sid in answers.skills if (s := tax.get(sid)) is not None]
    return screen(
        request,
        flow,
        market,
        answers,
        "same",
        "worker_same.html",
        skills=skills,
        place=_place_name(request, answers.township),
    )


async def reach_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    if request.method == "POST":
        form = await request.form()
        reach = form.get("reach")
        if reach in REACHES:
            answers.reach = str(reach)
            answers.save(request, market.id)
            return flow.go(request, market, "wage")
        return flow.go(request, market, "reach")
    return screen(
        request,
        flow,
        market,
        answers,
        "reach",
        "worker_reach.html",
        reaches=REACHES,
        place=_place_name(request, answers.township),
    )


async def wage_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    return screen(
        request,
        flow,
        market,
        answers,
        "wage",
        "worker_wage.html",
        wage_step=WAGE_STEP,
        wage_max=WAGE_MAX,
    )


async def after_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    # The after-work questions are their own small flow; it comes back to check-in.
    return RedirectResponse(aftercare_steps.FLOW.url(request, market, "ask"), status_code=303)


STEPS: dict[str, Any] = {
    "same": same_step,
    "reach": reach_step,
    "wage": wage_step,
    "after": after_step,
}


async def start(request: Request) -> Response:
    return await dispatch(request, FLOW, await live_market_or_404(request), STEPS, "phone")


async def step(request: Request) -> Response:
    return await dispatch(request, FLOW, await live_market_or_404(request), STEPS)


def _wage(raw: object, default: int) -> int:
    try:
        value = int(float(str(raw)))
    except (ValueError, OverflowError):
        return default
    return int(step_value(value, 0, 0, WAGE_MAX))


async def checkin_submit(request: Request) -> Response:
    """The last screen: everything answered goes to the store at once, under the
    flow's request id."""
    market = await live_market_or_404(request)
    state = get_state(request)
    form = await request.form()
    rid = str(form.get(FORM_ID_FIELD, ""))
    answers = WorkerAnswers.load(request, market.id)
    offers_url = str(request.url_for("worker_offers", market=market.id))
    if answers is None or answers.rid != rid:
        # Sent again after it went through (the answers are gone): the same result.
        if done_result(request, "worker", market.id, rid) is not None:
            return htmx.redirect(request, offers_url)
        return FLOW.go(request, market, "phone")
    if "min_wage_yuan" in form:
        answers.wage = _wage(form.get("min_wage_yuan"), answers.wage)
    delta = form.get("delta")
    if isinstance(delta, str):
        # The stepper without script: each −/+ is a post that comes back here.
        _, amount = parse_delta(delta)
        answers.wage = int(step_value(answers.wage, amount, 0, WAGE_MAX))
        answers.save(request, market.id)
        return FLOW.go(request, market, "wage")
    body: dict[str, Any] = {
        "phone": answers.phone,
        "name": answers.name,
        "skills": answers.skills,
        "skills_text": answers.text,
        "township": answers.township or None,
        "reach": answers.reach,
        "min_wage_yuan": answers.wage,
    }
    if not answers.skills:
        del body["skills"]
    try:
        spec = parse_checkin(body, state.context(market))
        result = await state.store.check_in(
            market.id, spec, request_id="form:" + rid, fingerprint=body
        )
    except (InvalidInput, ScriptError) as exc:
        return FLOW.refused(
            request,
            market,
            answers,
            exc,
            field_step=FIELD_STEP,
            invalid_step="phone",
            script_step="wage",
        )
    WorkerAnswers.discard(request, market.id)
    request.session[f"worker:{market.id}"] = result.value["worker_id"]
    remember_done(request, "worker", market.id, rid, result.value["worker_id"])
    return htmx.redirect(request, offers_url)


# -- waiting for offers, accepting one, the ticket -----------------------------------


async def _offers_context(request: Request, market: Market, wid: str) -> dict[str, Any]:
    state = get_state(request)
    checkin = await state.store.get_checkin(market.id, wid)
    offers = await state.store.offers_for_worker(market.id, wid)
    pending = [o for o in offers if o["status"] == "pending"]
    return {
        "market": market,
        "checkin": checkin,
        "offers": offers,
        "pending": pending,
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "skill_icon": skill_icon,
        "error": None,
        "version": htmx.version(checkin, pending),
    }


def _to_checkin(request: Request, market: Market) -> Response:
    # A live region whose session is gone (reset at the kiosk) takes the whole page.
    return htmx.redirect(request, request.url_for("worker_checkin", market=market.id).path)


async def offers_page(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return _to_checkin(request, market)
    ctx = await _offers_context(request, market, wid)
    if htmx.is_htmx(request):
        if htmx.unchanged(request, ctx["version"]):
            return htmx.no_swap()
        return render(request, "_offers.html", ctx)
    return render(request, "worker_offers.html", ctx)


async def accept(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return _to_checkin(request, market)
    offer_id = request.path_params["offer_id"]
    try:
        ticket = await get_state(request).store.accept_offer(market.id, offer_id, worker_id=wid)
    except ScriptError as exc:
        ctx = await _offers_context(request, market, wid)
        ctx["error"] = f"err.{exc.code}"
        return render(
            request, "_offers.html" if htmx.is_htmx(request) else "worker_offers.html", ctx, 409
        )
    url = request.url_for("ticket", market=market.id, ref=ticket["ref"])
    return htmx.redirect(request, str(url))


async def decline(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return _to_checkin(request, market)
    error = None
    try:
        await get_state(request).store.decline_offer(
            market.id, request.path_params["offer_id"], worker_id=wid
        )
    except ScriptError as exc:
        error = f"err.{exc.code}"
    ctx = await _offers_context(request, market, wid)
    ctx["error"] = error
    if htmx.is_htmx(request):
        return render(request, "_offers.html", ctx)
    return RedirectResponse(request.url_for("worker_offers", market=market.id), 303)


async def ticket_page(request: Request) -> Response:
    market = market_or_404(request)
    state = get_state(request)
    ticket = await state.store.get_ticket(market.id, request.path_params["ref"])
    if ticket is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    own_jobs = request.session.get("jobs", [])
    allowed = (
        session_worker(request, market) == ticket["worker_id"]
        or ticket["job_id"] in own_jobs
        or request.query_params.get("k") == ticket["offer_id"]
    )
    if not allowed:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    link = str(request.url_for("ticket", market=market.id, ref=ticket["ref"]))
    qr = qr_svg(f"{link}?k={ticket['offer_id']}")
    after = request.url_for("ticket_after", market=market.id, ref=ticket["ref"])
    return render(
        request,
        "ticket.html",
        {
            "market": market,
            "ticket": ticket,
            "qr": qr,
            "taxonomy": state.taxonomy,
            "place": state.gazetteer.get(ticket.get("township", "")),
            "after_url": f"{after.path}?k={ticket['offer_id']}",
        },
    )


async def leave(request: Request) -> Response:
    """Done at the kiosk, or idle too long: forget this person so the next one starts
    clean."""
    market = market_or_404(request)
    request.session.clear()
    return htmx.redirect(request, str(request.url_for("home", market=market.id)))


routes = [
    Route("/m/{market}/worker", start, methods=["GET", "POST"], name="worker_checkin"),
    Route(
        "/m/{market}/worker/checkin", checkin_submit, methods=["POST"], name="worker_checkin_submit"
    ),
    Route("/m/{market}/worker/offers", offers_page, name="worker_offers"),
    Route("/m/{market}/worker/{step}", step, methods=["GET", "POST"], name="worker_step"),
    Route("/m/{market}/offers/{offer_id}/accept", accept, methods=["POST"], name="offer_accept"),
    Route("/m/{market}/offers/{offer_id}/decline", decline, methods=["POST"], name="offer_decline"),
    Route("/m/{market}/tickets/{ref}", ticket_page, name="ticket"),
    Route("/m/{market}/leave", leave, methods=["POST"], name="leave"),
]

__all__ = ["FORM_ID_FIELD", "routes"]
