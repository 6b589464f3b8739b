"""The few htmx conventions the views use, so no view writes raw ``HX-*`` headers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


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
