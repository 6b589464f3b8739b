"""What every page module shares: rendering, the market of a request, form request ids,
field errors in the reader's language.

A leaf: it imports no page module, so any page (and the operators' guard) can import
it. The routes are collected in ``kiosk.web.routes``."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kiosk.http.state import get_state
from kiosk.web.i18n import t
from kiosk.web.templating import request_lang, templates
from kiosk.web.validation import FieldError
from matcher.markets import MARKETS, Market
from matcher.store.records import new_id

FORM_ID_FIELD = "request_id"


def market_or_404(request: Request) -> Market:
    market = MARKETS.get(request.path_params.get("market", ""))
    if market is None:
        raise HTTPException(404)
    return market


async def live_market_or_404(request: Request) -> Market:
    """The market as its operators set it (``matcher.desk.market_settings``): the screens
    that post and check in use its desks, hours and wage floor."""
    market = market_or_404(request)
    return await get_state(request).store.market_settings.effective(market.id)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    # A shared screen: once the session is reset, "back" must fetch the page again (and
    # be sent to the start), never show the last person's page from the cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def mint_request_id() -> str:
    """A form's request id, minted when the form is rendered: a double tap or a
    resubmission after a restart carries the same id and creates nothing twice."""
    return new_id("f", 16)


def form_request_id(form: dict[str, str]) -> str:
    rid = form.get(FORM_ID_FIELD, "")
    if not (8 <= len(rid) <= 40 and rid.isascii() and rid.isalnum()):
        return new_id("f", 16)
    return rid


def error_texts(request: Request, errors: dict[str, FieldError]) -> dict[str, str]:
    lang = request_lang(request)
    return {name: t(e.key, lang, **e.params) for name, e in errors.items()}
