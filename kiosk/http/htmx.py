"""The few htmx conventions the views use, so no view writes raw ``HX-*`` headers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

VERSION_PARAM = "v"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def is_boosted_or_full(request: Request) -> bool:
    """A full page is wanted: a plain request, or htmx asking for the whole page."""
    return not is_htmx(request) or request.headers.get("HX-Boosted") == "true"


def redirect(request: Request, url: str) -> Response:
    """After a successful post: a full page load of ``url`` (htmx: ``HX-Redirect``;
    browsers: 303), so the new page comes with its own body and head."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def trigger(response: Response, event: str) -> Response:
    response.headers["HX-Trigger"] = event
    return response


def version(*parts: Any) -> str:
    """A short digest of what a live region shows. The region carries it back on its
    next poll, and an unchanged region is not swapped: a swap under a finger that is
    pressing a button would swallow the tap."""
    canon = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def unchanged(request: Request, current: str) -> bool:
    return is_htmx(request) and request.query_params.get(VERSION_PARAM) == current


def no_swap() -> Response:
    # 204: base.html's htmx config swaps nothing for it.
    return Response(status_code=204)
