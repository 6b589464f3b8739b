"""The moderation queue (/ops/m/{market}/moderation): posts screening held back, with
the reasons, and the operator's approve / correct / reject. A rejection's reason is
shown to the employer on their job page (``templates/employer/_job_status.html``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import Operator, audit, market_desk
from kiosk.http.state import get_state
from kiosk.ops import reject_reasons
from kiosk.web.render import error_texts, render
from kiosk.web.validation import FieldError, InvalidInput, parse_correction
from matcher.desk.moderation import correct_held_job, hold_reasons, job_hours
from matcher.markets import Market
from matcher.store.scripts import ScriptError
from matcher.text.screening import SCREENED_FIELDS

NOTE_MAX = 200
# The form's fields as the page names them in error messages.
FIELD_LABELS = {
    "title": "ops.mod.field.title",
    "description": "ops.mod.field.description",
    "employer_name": "ops.mod.field.employer_name",
    "interview_place": "ops.mod.field.interview_place",
    "interview_address": "ops.mod.field.interview_address",
    "wage_yuan": "ops.mod.field.wage",
    "wage_unit": "ops.mod.field.unit",
    "reason": "ops.mod.reason",
    "note": "ops.mod.note",
}


async def _page(
    request: Request, op: Operator, market: Market, extra: dict[str, Any], status: int = 200
) -> Response:
    state = get_state(request)
    held = await state.store.held_for_review(market.id)
    items = [{"job": j, "reasons": hold_reasons(str(j.get("flags", "")))} for j in held]
    ctx: dict[str, Any] = {
        "op": op,
        "ops_market": market,
        "market": market,
        "items": items,
        "acting": op.can_act(market.id),
        "reasons": reject_reasons.REASONS,
        "note_max": NOTE_MAX,
        "field_labels": FIELD_LABELS,
        "errors": {},
        "error_job": None,
        "values": {},
        **extra,
    }
    return render(request, "ops/moderation.html", ctx, status_code=status)


async def _act(request: Request, op: Operator, market: Market) -> Response:
    state = get_state(request)
    store = state.store
    form = await request.form()
    action = str(form.get("action", ""))
    job_id = str(form.get("job", ""))
    job = await store.get_job_record(market.id, job_id)
    if job is None or job.get("status") != "review":
        return await _page(request, op, market, {"error_key": "ops.mod.gone"}, 409)
    flags = str(job.get("flags", ""))
    try:
        if action == "approve":
            return await _decide(request, op, market, job_id, flags, reason="")
        if action == "reject":
            return await _reject(request, op, market, job_id, flags, form)
        if action == "edit":
            return await _edit(request, op, market, job, form)
    except ScriptError:
        # Another operator decided first.
        return await _page(request, op, market, {"error_key": "ops.mod.gone"}, 409)
    return await _page(request, op, market, {"error_key": "err.invalid"}, 422)


async def _reject(
    request: Request, op: Operator, market: Market, job_id: str, flags: str, form: Any
) -> Response:
    code = str(form.get("reason", ""))
    note = " ".join(str(form.get("note", "")).split())
    errors: dict[str, FieldError] = {}
    if code not in reject_reasons.REASONS:
        errors["reason"] = FieldError("err.required")
    if len(note) > NOTE_MAX:
        errors["note"] = FieldError("err.too_long", {"max": NOTE_MAX})
    if errors:
        texts = error_texts(request, errors)
        extra = {"errors": texts, "error_job": job_id, "values": {"note": note}}
        return await _page(request, op, market, extra, 422)
    reason = reject_reasons.encode(code, note)
    return await _decide(request, op, market, job_id, flags, reason=reason)


async def _decide(
    request: Request, op: Operator, market: Market, job_id: str, flags: str, *, reason: str
) -> Response:
    """Approve (no reason) or reject a held post, into the audit trail either way."""
    approve = not reason
    store = get_state(request).store
    await store.review_job(market.id, job_id, approve=approve, reason=reason, who=op.username)
    await audit(
        request,
        op,
        "moderation.approve" if approve else "moderation.reject",
        market=market.id,
        target=job_id,
        before={"status": "review", "flags": flags},
        after={"status": "open"} if approve else {"status": "rejected", "reason": reason},
    )
    done = "ops.mod.approved" if approve else "ops.mod.rejected"
    return await _page(request, op, market, {"done_key": done})


async def _edit(
    request: Request, op: Operator, market: Market, job: dict[str, Any], form: Any
) -> Response:
    state = get_state(request)
    store = state.store
    # Every free text of the post can be corrected; a field the form did not send keeps
    # what the post has (nothing already accepted is lost).
    texts = {name: str(form.get(name, job.get(name) or "")) for name in SCREENED_FIELDS}
    body = {
        **texts,
        "wage_yuan": str(form.get("wage_yuan", "")),
        "wage_unit": str(form.get("wage_unit", "day")),
    }
    live = await store.market_settings.effective(market.id)
    try:
        fixed = parse_correction(body, state.context(live), hours=job_hours(job))
    except InvalidInput as exc:
        extra = {
            "errors": error_texts(request, exc.errors),
            "error_job": job["id"],
            "values": body,
        }
        return await _page(request, op, market, extra, 422)
    before, after = await correct_held_job(
        store,
        market.id,
        job["id"],
        texts=fixed.texts,
        wage_yuan=fixed.wage_yuan,
        wage_unit=fixed.wage_unit,
        review=fixed.review,
        who=op.username,
    )
    done = "ops.mod.edited_held"
    if not fixed.review:
        # Screening finds nothing in the corrected post: it goes out as any clean post.
        await store.review_job(market.id, job["id"], approve=True, reason="", who=op.username)
        after = {**after, "status": "open"}
        done = "ops.mod.edited_open"
    await audit(
        request,
        op,
        "moderation.edit",
        market=market.id,
        target=job["id"],
        before=before,
        after=after,
    )
    return await _page(request, op, market, {"done_key": done})


moderation = market_desk(_page, _act)

routes = [
    Route("/ops/m/{market}/moderation", moderation, methods=["GET", "POST"], name="ops_moderation"),
]
