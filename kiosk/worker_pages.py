"""The worker's side of the kiosk: check in, see offers, accept, hold a ticket."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk import htmx
from kiosk.pages import (
    FORM_ID_FIELD,
    error_texts,
    form_request_id,
    market_or_404,
    mint_request_id,
    render,
)
from kiosk.qr import qr_svg
from kiosk.state import get_state
from kiosk.validation import FieldError, InvalidInput, parse_checkin
from matcher.markets import Market
from matcher.scripts import ScriptError

WAGE_STEPS = (0, 80, 100, 120, 150, 180, 200, 250, 300)


def session_worker(request: Request, market: Market) -> str | None:
    wid = request.session.get(f"worker:{market.id}")
    return wid if isinstance(wid, str) else None


def _form_context(request: Request, market: Market, **extra: Any) -> dict[str, Any]:
    state = get_state(request)
    return {
        "market": market,
        "taxonomy": state.taxonomy,
        "counties": state.gazetteer.counties(),
        "townships": state.gazetteer.townships(market.county_adcode),
        "wage_steps": WAGE_STEPS,
        "request_id": mint_request_id(),
        "values": {"reach": "county", "min_wage_yuan": "150", "township": market.county_adcode},
        "errors": {},
        **extra,
    }


async def checkin_form(request: Request) -> Response:
    market = market_or_404(request)
    return render(request, "worker_checkin.html", _form_context(request, market))


async def checkin_submit(request: Request) -> Response:
    market = market_or_404(request)
    state = get_state(request)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    skills = [str(s) for s in form.getlist("skills") if isinstance(s, str) and s]
    body: dict[str, Any] = {
        "phone": values.get("phone", ""),
        "name": values.get("name", ""),
        "skills_text": values.get("skills_text", ""),
        "township": values.get("township") or None,
        "reach": values.get("reach", "county"),
    }
    if skills:
        body["skills"] = skills
    wage = values.get("min_wage_yuan", "").strip()
    if wage:
        body["min_wage_yuan"] = wage
    request_id = form_request_id(values)
    try:
        spec = parse_checkin(body, state.context(market))
        result = await state.store.check_in(
            market.id, spec, request_id="form:" + request_id, fingerprint=body
        )
    except InvalidInput as exc:
        return _form_again(request, market, values, skills, exc.errors, request_id)
    except ScriptError as exc:
        errors = {"form": FieldError(f"err.{exc.code}")}
        return _form_again(request, market, values, skills, errors, request_id)
    request.session[f"worker:{market.id}"] = result.value["worker_id"]
    return htmx.redirect(request, str(request.url_for("worker_offers", market=market.id)))


def _form_again(
    request: Request,
    market: Market,
    values: dict[str, str],
    skills: list[str],
    errors: dict[str, FieldError],
    request_id: str,
) -> Response:
    ctx = _form_context(request, market)
    ctx.update(
        values={**ctx["values"], **values},
        chosen=set(skills),
        errors=error_texts(request, errors),
        request_id=request_id,
    )
    return render(request, "worker_checkin.html", ctx, status_code=422)


async def _offers_context(request: Request, market: Market, wid: str) -> dict[str, Any]:
    state = get_state(request)
    checkin = await state.store.get_checkin(market.id, wid)
    offers = await state.store.offers_for_worker(market.id, wid)
    return {
        "market": market,
        "checkin": checkin,
        "offers": offers,
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
        "error": None,
    }


async def offers_page(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return RedirectResponse(request.url_for("worker_checkin", market=market.id), 303)
    ctx = await _offers_context(request, market, wid)
    if htmx.is_htmx(request):
        return render(request, "_offers.html", ctx)
    return render(request, "worker_offers.html", ctx)


async def accept(request: Request) -> Response:
    market = market_or_404(request)
    wid = session_worker(request, market)
    if wid is None:
        return RedirectResponse(request.url_for("worker_checkin", market=market.id), 303)
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
        return RedirectResponse(request.url_for("worker_checkin", market=market.id), 303)
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
    return render(
        request,
        "ticket.html",
        {
            "market": market,
            "ticket": ticket,
            "qr": qr,
            "taxonomy": state.taxonomy,
            "place": state.gazetteer.get(ticket.get("township", "")),
        },
    )


async def leave(request: Request) -> Response:
    """Done at the kiosk: forget this person so the next one starts clean."""
    market = market_or_404(request)
    request.session.clear()
    return htmx.redirect(request, str(request.url_for("home", market=market.id)))


routes = [
    Route("/m/{market}/worker", checkin_form, name="worker_checkin"),
    Route("/m/{market}/worker", checkin_submit, methods=["POST"], name="worker_checkin_submit"),
    Route("/m/{market}/worker/offers", offers_page, name="worker_offers"),
    Route("/m/{market}/offers/{offer_id}/accept", accept, methods=["POST"], name="offer_accept"),
    Route("/m/{market}/offers/{offer_id}/decline", decline, methods=["POST"], name="offer_decline"),
    Route("/m/{market}/tickets/{ref}", ticket_page, name="ticket"),
    Route("/m/{market}/leave", leave, methods=["POST"], name="leave"),
]

__all__ = ["FORM_ID_FIELD", "routes"]
