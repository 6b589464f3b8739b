"""HTML pages: shared helpers and the collected routes of every page module."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.i18n import LANGS
from kiosk.state import get_state
from kiosk.templating import LANG_COOKIE, request_lang, templates
from kiosk.validation import FieldError
from matcher.markets import MARKETS, Market
from matcher.records import new_id

FORM_ID_FIELD = "request_id"


def market_or_404(request: Request) -> Market:
    market = MARKETS.get(request.path_params.get("market", ""))
    if market is None:
        raise HTTPException(404)
    return market


async def live_market_or_404(request: Request) -> Market:
    """The market as its operators set it (``matcher.market_settings``): the screens
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
    from kiosk.i18n import t

    lang = request_lang(request)
    return {name: t(e.key, lang, **e.params) for name, e in errors.items()}


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    back = request.query_params.get("next", "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    response = RedirectResponse(back, status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse

        from kiosk.api import error_body
        from kiosk.i18n import message

        return JSONResponse(error_body("not_found", message("error.not_found")), status_code=404)
    return render(request, "error.html", {"message_key": "error.not_found"}, status_code=404)


exception_handlers: dict[Any, Any] = {404: not_found}


def _collect() -> list[Route]:
    from kiosk import (
        aftercare_steps,
        employer_pages,
        hall_pages,
        ops_access,
        ops_aftercare,
        ops_blocks,
        ops_moderation,
        ops_reports,
        ops_settings,
        ops_today,
        ops_tokens,
        worker_pages,
    )

    return [
        Route("/lang/{lang}", set_lang, name="set_lang"),
        *hall_pages.routes,
        *worker_pages.routes,
        *aftercare_steps.routes,
        *ops_aftercare.routes,
        *employer_pages.routes,
        *ops_access.routes,
        *ops_tokens.routes,
        *ops_today.routes,
        *ops_moderation.routes,
        *ops_blocks.routes,
        *ops_settings.routes,
        *ops_reports.routes,
    ]


routes = _collect()


def _collect_handlers() -> None:
    from kiosk import ops_access

    exception_handlers.update(ops_access.exception_handlers)


_collect_handlers()
