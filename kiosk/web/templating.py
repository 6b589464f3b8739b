"""Jinja2 templates, with the translation catalog and language in every context."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from kiosk.http.static_assets import static_url
from kiosk.web.i18n import Lang, t

LANG_COOKIE = "kz_lang"


def templates_dir() -> Path:
    # Installed wheels carry the templates inside the package; a source checkout keeps
    # them at the top level.
    packaged = Path(__file__).resolve().parents[1] / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "templates"


def request_lang(request: Request) -> Lang:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return "en" if lang == "en" else "zh"


def _i18n(request: Request) -> dict[str, Any]:
    lang = request_lang(request)
    return {"lang": lang, "t": partial(t, lang=lang), "other_lang": "en" if lang == "zh" else "zh"}


@pass_context
def _url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> str:
    # Paths, not absolute URLs: pages stay correct behind a proxy that rewrites Host.
    request: Request = context["request"]
    return request.url_for(name, **path_params).path


templates = Jinja2Templates(directory=templates_dir(), context_processors=[_i18n])
templates.env.globals["url_for"] = _url_for
templates.env.globals["static_url"] = static_url
templates.env.globals["htmx_js"] = "vendor/htmx-2.0.11.min.js"
