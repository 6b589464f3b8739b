"""Market settings (/ops/m/{market}/settings): name, county, desks, opening hours,
minimum-wage class and offer expiry. The built-in market is the default; what an
operator saves is kept as overrides (``matcher.desk.market_settings``) and read on use by
the posting and check-in screens, the API and the matcher. Admins and the market's own
operators change them; the bureau reads them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import Operator, audit, market_desk
from kiosk.http.state import get_state
from kiosk.web.choices import minutes
from kiosk.web.render import error_texts, render
from kiosk.web.validation import FieldError, InvalidInput, clean_text
from matcher.clock import to_ms
from matcher.desk.market_settings import EDITABLE, as_dict
from matcher.markets import MARKETS, Market
from matcher.text.places import Gazetteer
from matcher.text.screening import HOURLY_FLOOR_YUAN, day_floor, hourly_floor

MAX_DESKS = 40
TTL_RANGE = (5, 240)
NAME_MAX = {"name_zh": 20, "name_en": 40}


def parse_settings(form: Any, gazetteer: Gazetteer) -> dict[str, Any]:
    """The settings form, typed; every mistake named by its field."""
    errors: dict[str, FieldError] = {}
    out: dict[str, Any] = {}
    for name, limit in NAME_MAX.items():
        value = " ".join(clean_text(str(form.get(name, ""))).split())
        if not value:
            errors[name] = FieldError("err.required")
        elif len(value) > limit:
            errors[name] = FieldError("err.too_long", {"max": limit})
        out[name] = value
    county = str(form.get("county_adcode", "")).strip()
    if county not in {c.adcode for c in gazetteer.counties()}:
        errors["county_adcode"] = FieldError("err.county")
    out["county_adcode"] = county
    desks = _int(form.get("desks"))
    if desks is None or not 1 <= desks <= MAX_DESKS:
        errors["desks"] = FieldError("err.desks", {"max": MAX_DESKS})
    out["desks"] = desks
    for name in ("opens", "closes"):
        value = str(form.get(name, "")).strip()
        if minutes(value) is None or len(value) != 5:
            errors[name] = FieldError("err.hhmm")
        out[name] = value
    if (
        "opens" not in errors
        and "closes" not in errors
        and (minutes(out["closes"]) or 0) <= (minutes(out["opens"]) or 0)
    ):
        errors["closes"] = FieldError("err.closes_before_opens")
    wage_class = _int(form.get("wage_class"))
    if wage_class not in HOURLY_FLOOR_YUAN:
        errors["wage_class"] = FieldError("err.wage_class")
    out["wage_class"] = wage_class
    ttl = _int(form.get("offer_ttl_minutes"))
    low, high = TTL_RANGE
    if ttl is None or not (ttl == 0 or low <= ttl <= high):
        errors["offer_ttl_minutes"] = FieldError("err.offer_ttl", {"min": low, "max": high})
    out["offer_ttl_minutes"] = ttl
    if errors:
        raise InvalidInput(errors)
    return out


def _int(raw: object) -> int | None:
    text = str(raw if raw is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


async def _page(
    request: Request, op: Operator, market: Market, extra: dict[str, Any], status: int = 200
) -> Response:
    state = get_state(request)
    live = await state.store.market_settings.effective(market.id)
    values = extra.pop("values", None) or as_dict(live)
    ctx: dict[str, Any] = {
        "op": op,
        "ops_market": live,
        "market": live,
        "values": values,
        "defaults": as_dict(MARKETS[market.id]),
        "acting": op.can_act(market.id),
        "counties": state.gazetteer.counties(),
        "wage_classes": [
            {"n": n, "hour": hourly_floor(n), "day": day_floor(n)}
            for n in sorted(HOURLY_FLOOR_YUAN)
        ],
        "service_ttl": state.settings.offer_ttl_minutes,
        "max_desks": MAX_DESKS,
        "ttl_range": TTL_RANGE,
        "fields": list(EDITABLE),
        "errors": {},
        **extra,
    }
    return render(request, "ops/settings.html", ctx, status_code=status)


async def _save(request: Request, op: Operator, market: Market) -> Response:
    state = get_state(request)
    form = await request.form()
    try:
        values = parse_settings(form, state.gazetteer)
    except InvalidInput as exc:
        raw = {name: str(form.get(name, "")) for name in EDITABLE}
        extra = {"errors": error_texts(request, exc.errors), "values": raw}
        return await _page(request, op, market, extra, 422)
    before, after = await state.store.market_settings.update(
        market.id, values, who=op.username, now_ms=to_ms(state.clock.now())
    )
    old, new = as_dict(before), as_dict(after)
    if old == new:
        return await _page(request, op, market, {"done_key": "ops.settings.unchanged"})
    changed = [k for k in EDITABLE if old[k] != new[k]]
    await audit(
        request,
        op,
        "market.settings",
        market=market.id,
        target=market.id,
        before={k: old[k] for k in changed},
        after={k: new[k] for k in changed},
    )
    return await _page(request, op, market, {"done_key": "ops.settings.saved"})


settings_page = market_desk(_page, _save)

routes = [
    Route("/ops/m/{market}/settings", settings_page, methods=["GET", "POST"], name="ops_settings"),
]
