"""Blocks (/ops/m/{market}/blocks): an operator stops an employer from posting or a
worker from checking in (and from any offer) until a last day; the live blocks, with
unblock. Numbers are typed here and kept only as the keyed hash (``matcher.desk.blocks``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import Operator, audit, market_desk
from kiosk.http.state import get_state
from kiosk.web.render import error_texts, render
from kiosk.web.validation import PHONE_RE, FieldError, InvalidInput, clean_text, normalise_phone
from matcher.clock import from_ms, local_day
from matcher.desk.blocks import KINDS, Kind
from matcher.markets import Market
from matcher.store.scripts import ScriptError

REASON_MAX = 200
MAX_DAYS = 365
FIELD_LABELS = {
    "kind": "ops.blocks.kind",
    "phone": "ops.blocks.phone",
    "reason": "ops.blocks.reason",
    "until": "ops.blocks.until",
}


@dataclass(frozen=True, slots=True)
class BlockForm:
    kind: Kind
    phone: str
    reason: str
    last_day: date


def parse_block(form: Any, today: date) -> BlockForm:
    """The new-block form, every mistake named by its field."""
    errors: dict[str, FieldError] = {}
    raw_kind = str(form.get("kind", ""))
    kind: Kind = "worker" if raw_kind == "worker" else "employer"
    if raw_kind not in KINDS:
        errors["kind"] = FieldError("err.choice", {"choices": ", ".join(KINDS)})
    phone = normalise_phone(str(form.get("phone", "")))
    if not phone:
        errors["phone"] = FieldError("err.required")
    elif not PHONE_RE.match(phone):
        errors["phone"] = FieldError("err.phone")
    reason = " ".join(clean_text(str(form.get("reason", ""))).split())
    if not reason:
        errors["reason"] = FieldError("err.required")
    elif len(reason) > REASON_MAX:
        errors["reason"] = FieldError("err.too_long", {"max": REASON_MAX})
    last_day = today
    raw_until = str(form.get("until", "")).strip()
    try:
        last_day = date.fromisoformat(raw_until)
    except ValueError:
        errors["until"] = FieldError("err.required" if not raw_until else "err.date")
    else:
        if last_day < today:
            errors["until"] = FieldError("err.block_past")
        elif last_day > today + timedelta(days=MAX_DAYS):
            errors["until"] = FieldError("err.block_far", {"days": MAX_DAYS})
    if errors:
        raise InvalidInput(errors)
    return BlockForm(kind, phone, reason, last_day)


async def _page(
    request: Request, op: Operator, market: Market, extra: dict[str, Any], status: int = 200
) -> Response:
    state = get_state(request)
    live = await state.store.blocks.live(market.id)
    for b in live:
        b["since"] = from_ms(int(b["created_ms"])).strftime("%Y-%m-%d %H:%M")
    today = local_day(state.clock.now())
    ctx: dict[str, Any] = {
        "op": op,
        "ops_market": market,
        "market": market,
        "live": sorted(live, key=lambda b: (b["until"], b["created_ms"])),
        "acting": op.can_act(market.id),
        "kinds": KINDS,
        "today": today.isoformat(),
        "max_day": (today + timedelta(days=MAX_DAYS)).isoformat(),
        "reason_max": REASON_MAX,
        "field_labels": FIELD_LABELS,
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "ops/blocks.html", ctx, status_code=status)


async def _act(request: Request, op: Operator, market: Market) -> Response:
    state = get_state(request)
    form = await request.form()
    action = str(form.get("action", ""))
    if action == "lift":
        subject = str(form.get("subject", ""))
        try:
            lifted = await state.store.blocks.lift(market.id, subject, by=op.username)
        except ScriptError as exc:
            return await _page(request, op, market, {"error_key": f"err.{exc.code}"}, 409)
        now = await state.store.blocks.get(market.id, subject)
        await audit(
            request, op, "block.lift", market=market.id, target=subject, before=lifted, after=now
        )
        done = {"done_key": "ops.blocks.lifted", "done_phone": lifted["phone_masked"]}
        return await _page(request, op, market, done)
    if action != "block":
        return await _page(request, op, market, {"error_key": "err.invalid"}, 422)
    try:
        new = parse_block(form, local_day(state.clock.now()))
    except InvalidInput as exc:
        values = {k: str(form.get(k, "")) for k in ("kind", "reason", "until")}
        extra = {"errors": error_texts(request, exc.errors), "values": values}
        return await _page(request, op, market, extra, 422)
    before, after = await state.store.blocks.block(
        market.id,
        kind=new.kind,
        phone=new.phone,
        reason=new.reason,
        last_day=new.last_day,
        by=op.username,
    )
    await audit(
        request,
        op,
        f"block.{new.kind}",
        market=market.id,
        target=after["subject"],
        before=before,
        after=after,
    )
    done = {
        "done_key": "ops.blocks.blocked",
        "done_phone": after["phone_masked"],
        "done_until": after["until"],
    }
    return await _page(request, op, market, done)


blocks = market_desk(_page, _act)

routes = [
    Route("/ops/m/{market}/blocks", blocks, methods=["GET", "POST"], name="ops_blocks"),
]
