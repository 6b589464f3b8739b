"""The worker's side of the kiosk (我要找活): check in one question at a time, wait
for offers, accept one, hold a ticket.

Screens: phone → (returning: "same as last time?") → skills → place → reach → lowest
day wage → checked in. The answers live in the session (``kiosk.web.flow.answers``) until the
last screen posts them with the request id minted when the flow started. A worker who
already holds a booking today is shown it instead of being checked in over it.

An offer never changes silently: one that goes while the worker is looking at it
(moved by the batch pass, the job filled or cancelled, the time to answer over) stays
on the screen as a card saying why until the worker taps 知道了, and the next offer
comes as a new card below it, marked as new, never in the old one's place.

The ticket shows the worker the employer's full number (opened from its sealed form,
every reveal audited); its QR code holds a signed, expiring link to a public, masked
view of the ticket that opens on any phone (``kiosk.web.qr``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.auth.device_guard import enrolled_device
from kiosk.http import htmx
from kiosk.http.state import get_state
from kiosk.web.choices import parse_delta, skill_icon, step_value
from kiosk.web.flow import aftercare as aftercare_steps
from kiosk.web.flow.answers import WorkerAnswers, done_result, remember_done
from kiosk.web.flow.steps import FlowDef, dispatch, screen
from kiosk.web.qr import link_expiry, qr_svg, sign_ticket, ticket_link_valid
from kiosk.web.render import FORM_ID_FIELD, live_market_or_404, market_or_404, render
from kiosk.web.validation import InvalidInput, parse_checkin
from matcher.clock import from_ms
from matcher.markets import Market
from matcher.store.scripts import ScriptError

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
# Why an offer the worker was looking at went: the ones said on the screen (an offer
# withdrawn because the worker took another needs no word: they hold its ticket).
SAID_WHY = ("moved", "filled", "cancelled", "day_end")
# Offer ids a screen carries back: plenty for what one screen shows.
REMEMBERED_OFFERS = 40


def session_worker(request: Request, market: Market) -> str | None:
    wid = request.session.get(f"worker:{market.id}")
    return wid if isinstance(wid, str) else None


async def _after_phone(request: Request, market: Market, answers: WorkerAnswers) -> str:
    """A returning worker is first asked about earlier work still unsettled (pay, a
    no-show: ``kiosk.web.flow.aftercare``), then checks in as usual; one already booked
    today is shown the booking (checking in again would change nothing they need)."""
    nxt = await _returning(request, market, answers)
    store = get_state(request).store
    wid = store.worker_id(answers.phone)
    block = await store.blocks.active(market.id, "worker", wid)
    if block is not None:
        # Said at once, not after every question; unpaid work can still be reported.
        answers.fail("err.worker_suspended", until=str(block["until"]))
        answers.save(request, market.id)
        nxt = "phone"
    elif await store.booking_today(market.id, wid) is not None:
        nxt = "booked"
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
        "worker/same.html",
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
        "worker/reach.html",
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
        "worker/wage.html",
        wage_step=WAGE_STEP,
        wage_max=WAGE_MAX,
    )


async def after_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    # The after-work questions are their own small flow; it comes back to check-in.
    return RedirectResponse(aftercare_steps.FLOW.url(request, market, "ask"), status_code=303)


async def booked_step(
    request: Request, flow: FlowDef, market: Market, answers: WorkerAnswers
) -> Response:
    """A worker who holds a booking today typed their number again: their ticket,
    rather than "一样, 登记" (which would check them in over it)."""
    store = get_state(request).store
    wid = store.worker_id(answers.phone)
    ticket = await store.booking_today(market.id, wid)
    if ticket is None:
        # The booking ended meanwhile (an outcome, a cancelled job): check in as usual.
        return flow.go(request, market, await _returning(request, market, answers))
    WorkerAnswers.discard(request, market.id)
    request.session[f"worker:{market.id}"] = wid
    url = request.url_for("ticket", market=market.id, ref=ticket["ref"]).path
    return RedirectResponse(f"{url}?already=1", status_code=303)


STEPS: dict[str, Any] = {
    "same": same_step,
    "reach": reach_step,
    "wage": wage_step,
    "after": after_step,
    "booked": booked_step,
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


class Shown:
    """What the worker's screen shows, carried by the live region itself (hidden fields
    its poll sends back), so a poll writes nothing: ``shown``, the offers on the screen
    (pending, or gone with their card); ``fresh``, those that came as new cards."""

    __slots__ = ("fresh", "shown")

    def __init__(self, shown: list[str], fresh: list[str]) -> None:
        self.shown, self.fresh = shown, fresh

    @classmethod
    def of(cls, values: Any) -> Shown:
        def ids(name: str) -> list[str]:
            raw = values.get(name)
            words = raw.split() if isinstance(raw, str) else []
            return [w for w in words if w.isascii() and w.isalnum() and len(w) <= 40][
                :REMEMBERED_OFFERS
            ]

        return cls(ids("shown"), ids("fresh"))


def why_gone(offer: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The catalog key (and its parameters) saying why a gone offer went."""
    if offer["status"] == "expired":
        return "offer.why.expired", {"time": str(offer["expires_at"])[11:16]}
    reason = offer.get("reason")
    if reason in SAID_WHY:
        return f"offer.why.{reason}", {}
    return "offer.why.withdrawn", {}


async def _offers_context(
    request: Request, market: Market, wid: str, screen: Shown | None = None
) -> dict[str, Any]:
    state = get_state(request)
    checkin = await state.store.get_checkin(market.id, wid)
    offers = await state.store.offers_for_worker(market.id, wid)
    pending = [o for o in offers if o["status"] == "pending"]
    screen = screen or Shown.of(request.query_params)
    shown = set(screen.shown)
    # Offers that went while on the worker's screen: said why, never just vanished (an
    # offer withdrawn because the worker took another needs no word: they hold its
    # ticket). The card stays until 知道了.
    gone = [
        o
        for o in offers
        if o["status"] in ("withdrawn", "expired")
        and o["id"] in shown
        and o.get("reason") != "booked"
    ]
    # An offer arriving while others were shown is a new card, marked as new while it
    # waits, so nobody takes it for the old one (whose place it never takes).
    fresh = [
        o["id"] for o in pending if o["id"] in screen.fresh or (shown and o["id"] not in shown)
    ]
    return {
        "market": market,
        "checkin": checkin,
        "offers": offers,
        "pending": pending,
        "gone": gone,
        "fresh": fresh,
        "shown": [o["id"] for o in gone] + [o["id"] for o in pending],
        "why_gone": why_gone,
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "skill_icon": skill_icon,
        "error": None,
        "version": htmx.version(checkin, pending, [o["id"] for o in gone], fresh),
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
        return render(request, "worker/_offers.html", ctx)
    return render(request, "worker/offers.html", ctx)


async def accept(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return _to_checkin(request, market)
    offer_id = request.path_params["offer_id"]
    try:
        ticket = await get_state(request).store.accept_offer(market.id, offer_id, worker_id=wid)
    except ScriptError as exc:
        ctx = await _offers_context(request, market, wid, Shown.of(await request.form()))
        ctx["error"] = f"err.{exc.code}"
        return render(
            request,
            "worker/_offers.html" if htmx.is_htmx(request) else "worker/offers.html",
            ctx,
            409,
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
    ctx = await _offers_context(request, market, wid, Shown.of(await request.form()))
    ctx["error"] = error
    if htmx.is_htmx(request):
        return render(request, "worker/_offers.html", ctx)
    return RedirectResponse(request.url_for("worker_offers", market=market.id), 303)


async def seen(request: Request) -> Response:
    """知道了 on a gone offer's card: it leaves the screen."""
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return _to_checkin(request, market)
    screen = Shown.of(await request.form())
    offer_id = request.path_params["offer_id"]
    screen.shown = [o for o in screen.shown if o != offer_id]
    ctx = await _offers_context(request, market, wid, screen)
    if htmx.is_htmx(request):
        return render(request, "worker/_offers.html", ctx)
    return RedirectResponse(request.url_for("worker_offers", market=market.id), 303)


def public_ticket_url(request: Request, market: Market, ticket: dict[str, Any]) -> str:
    """The signed, expiring link of a ticket's public view: what its QR code holds."""
    expires = link_expiry(str(ticket["day"]))
    secret = get_state(request).settings.secret
    query = urlencode({"x": expires, "s": sign_ticket(secret, market.id, ticket["ref"], expires)})
    return f"{request.url_for('ticket_public', market=market.id, ref=ticket['ref'])}?{query}"


async def ticket_page(request: Request) -> Response:
    market = market_or_404(request)
    state = get_state(request)
    ticket = await state.store.get_ticket(market.id, request.path_params["ref"])
    if ticket is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    # The booking's two sides see each other's full number; a slip's older key
    # (?k=, printed before the signed link) still opens the ticket, masked.
    is_worker = session_worker(request, market) == ticket["worker_id"]
    is_employer = ticket["job_id"] in request.session.get("jobs", [])
    if not (is_worker or is_employer or request.query_params.get("k") == ticket["offer_id"]):
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    device = await enrolled_device(request)
    kiosk = device.id if device is not None else ""
    employer_phone = worker_phone = None
    if is_worker:
        employer_phone = await state.store.reveal_phone(
            market.id, ticket["ref"], whose="employer", device=kiosk
        )
    if is_employer:
        worker_phone = await state.store.reveal_phone(
            market.id, ticket["ref"], whose="worker", device=kiosk
        )
    after = request.url_for("ticket_after", market=market.id, ref=ticket["ref"])
    link = public_ticket_url(request, market, ticket)
    return render(
        request,
        "hall/ticket.html",
        {
            "market": market,
            "ticket": ticket,
            "qr": qr_svg(link),
            "qr_link": link,
            "taxonomy": state.taxonomy,
            "place": state.gazetteer.get(ticket.get("township", "")),
            "after_url": f"{after.path}?k={ticket['offer_id']}",
            "employer_phone": employer_phone,
            "worker_phone": worker_phone,
            "already": is_worker and request.query_params.get("already") == "1",
        },
    )


async def public_ticket(request: Request) -> Response:
    """A ticket's public view, from its QR code on any phone: no session, numbers
    masked, good only with the service's signature and until the link expires."""
    market = market_or_404(request)
    state = get_state(request)
    ref = request.path_params["ref"]
    ok = ticket_link_valid(
        state.settings.secret,
        market.id,
        ref,
        request.query_params.get("x", ""),
        request.query_params.get("s", ""),
        state.clock.now(),
    )
    ticket = await state.store.get_ticket(market.id, ref) if ok else None
    if ticket is None:
        return render(request, "hall/ticket_public.html", {"market": market, "ticket": None}, 404)
    until = from_ms(int(request.query_params["x"]) * 1000 - 1)
    return render(
        request,
        "hall/ticket_public.html",
        {
            "market": market,
            "ticket": ticket,
            "place": state.gazetteer.get(ticket.get("township", "")),
            "until": until.date().isoformat(),
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
    Route("/m/{market}/offers/{offer_id}/seen", seen, methods=["POST"], name="offer_seen"),
    Route("/m/{market}/tickets/{ref}", ticket_page, name="ticket"),
    Route("/m/{market}/t/{ref}", public_ticket, name="ticket_public"),
    Route("/m/{market}/leave", leave, methods=["POST"], name="leave"),
]

__all__ = ["FORM_ID_FIELD", "routes"]
