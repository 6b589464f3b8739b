"""After the work, for the operators (/ops/m/{market}/aftercare): workers' disputes and
no-show explanations to accept or reject, open wage-arrears records (and their CSV),
and employers with show-up incidents (cancelled after bookings, "the job was not
there").

Rejecting a no-show's explanation or dispute makes the no-show count against the
worker's reliability (``matcher.matching.scoring``); accepting it means it never does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.api.aftercare import arrears_csv
from kiosk.auth.operators import Operator, audit, market_desk, require_operator
from kiosk.http.state import get_state
from kiosk.web.render import market_or_404, render
from matcher.desk.after_work import review_queue, show_up_incidents
from matcher.markets import Market
from matcher.store.facade import ARREARS_OUTCOMES
from matcher.store.scripts import ScriptError

DECISIONS = {"accept": "accepted", "reject": "rejected"}
NOTE_MAX = 200


async def _page(
    request: Request, op: Operator, market: Market, extra: dict[str, Any], status: int = 200
) -> Response:
    state = get_state(request)
    store = state.store
    queue = await review_queue(store, market.id)
    ctx: dict[str, Any] = {
        "op": op,
        "ops_market": market,
        "market": market,
        "acting": op.can_act(market.id),
        "disputes": queue.disputes,
        "explanations": queue.explanations,
        "arrears": await store.arrears(market.id),
        "incidents": await show_up_incidents(store, market.id),
        "place_name": lambda adcode: _place(request, adcode),
        "note_max": NOTE_MAX,
        **extra,
    }
    return render(request, "ops/aftercare.html", ctx, status_code=status)


def _place(request: Request, adcode: str) -> str:
    place = get_state(request).gazetteer.get(adcode or "")
    return place.name if place else adcode


async def _decide(request: Request, op: Operator, market: Market) -> Response:
    form = await request.form()
    if form.get("arrears"):
        return await _settle(request, op, market, form)
    decision = DECISIONS.get(str(form.get("action", "")))
    ref = str(form.get("ref", ""))[:40]
    note = " ".join(str(form.get("note", "")).split())
    if decision is None or not ref:
        return await _page(request, op, market, {"error_key": "err.invalid"}, 422)
    if len(note) > NOTE_MAX:
        extra = {"error_key": "ops.after.note_long", "error_ref": ref}
        return await _page(request, op, market, extra, 422)
    store = get_state(request).store
    before = await store.get_ticket(market.id, ref)
    if before is None or before.get("review") != "pending":
        return await _page(request, op, market, {"error_key": "ops.after.gone"}, 409)
    try:
        after = await store.review_answer(
            market.id, ref, decision=decision, by=op.username, note=note
        )
    except ScriptError:
        # Another operator decided first.
        return await _page(request, op, market, {"error_key": "ops.after.gone"}, 409)
    await audit(
        request,
        op,
        f"aftercare.{form.get('action')}",
        market=market.id,
        target=ref,
        before={
            "review": "pending",
            "answer": before.get("worker_answer"),
            "reason": before.get("worker_reason"),
        },
        after={"review": after.get("review"), "note": note},
    )
    return await _page(request, op, market, {"done_key": f"ops.after.{decision}"})


async def _settle(request: Request, op: Operator, market: Market, form: Any) -> Response:
    """An arrears record followed up: recovered, referred to the labour inspectorate,
    or closed (a note says why)."""
    outcome = str(form.get("action", ""))
    arrears_id = str(form.get("arrears", ""))[:40]
    note = " ".join(str(form.get("note", "")).split())
    if outcome not in ARREARS_OUTCOMES:
        return await _page(request, op, market, {"error_key": "err.invalid"}, 422)
    if len(note) > NOTE_MAX:
        extra = {"error_key": "ops.after.note_long", "error_ref": arrears_id}
        return await _page(request, op, market, extra, 422)
    if outcome == "closed" and not note:
        extra = {"error_key": "ops.after.close_needs_note", "error_ref": arrears_id}
        return await _page(request, op, market, extra, 422)
    try:
        before = await get_state(request).store.settle_arrears(
            market.id, arrears_id, outcome=outcome, by=op.username, note=note
        )
    except ScriptError:
        return await _page(request, op, market, {"error_key": "ops.after.gone"}, 409)
    await audit(
        request,
        op,
        f"arrears.{outcome}",
        market=market.id,
        target=arrears_id,
        before={"status": before.get("status"), "ticket": before.get("ticket")},
        after={"status": outcome, "note": note},
    )
    return await _page(request, op, market, {"done_key": f"ops.after.arrears.{outcome}"})


async def arrears_export(request: Request) -> Response:
    market = market_or_404(request)
    await require_operator(request, market.id)
    records = await get_state(request).store.arrears(
        market.id, open_only=request.query_params.get("all") != "1"
    )
    # Phones in arrears records are stored masked; nothing more to hide.
    return arrears_csv(market.id, records)


aftercare = market_desk(_page, _decide)

routes = [
    Route("/ops/m/{market}/aftercare", aftercare, methods=["GET", "POST"], name="ops_aftercare"),
    Route("/ops/m/{market}/arrears.csv", arrears_export, name="ops_arrears_csv"),
]
