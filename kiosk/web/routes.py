"""The collector: every HTML page route and the pages' error handlers, in one list.

Only ``kiosk.app`` imports this module. Page modules import ``kiosk.web.render`` (the
leaf), never this, so collecting them here creates no import cycle.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk.api.endpoints import error_body
from kiosk.ops import access as ops_access
from kiosk.ops import aftercare as ops_aftercare
from kiosk.ops import blocks as ops_blocks
from kiosk.ops import moderation as ops_moderation
from kiosk.ops import reports as ops_reports
from kiosk.ops import settings as ops_settings
from kiosk.ops import today as ops_today
from kiosk.ops import tokens as ops_tokens
from kiosk.web import employer as employer_pages
from kiosk.web import hall as hall_pages
from kiosk.web import worker as worker_pages
from kiosk.web.flow import aftercare as aftercare_steps
from kiosk.web.i18n import LANGS, message
from kiosk.web.render import render
from kiosk.web.templating import LANG_COOKIE


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
        return JSONResponse(error_body("not_found", message("error.not_found")), status_code=404)
    return render(request, "error.html", {"message_key": "error.not_found"}, status_code=404)


exception_handlers: dict[Any, Any] = {404: not_found, **ops_access.exception_handlers}

routes = [
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
