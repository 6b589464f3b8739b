"""CSRF protection for every form: a per-session token that each write must carry.

Pages carry the token twice: a hidden ``csrf`` field in every ``<form method="post">``
(``csrf_field()`` in templates) and, for htmx, an ``X-CSRF-Token`` header set on
``<body>`` with ``hx-headers`` (no inline script: the CSP forbids it). A write whose
token is missing or wrong is refused before any view runs. The JSON API is not under
this rule: it takes bearer tokens, never cookies, so a foreign page cannot ride on it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import parse_qs

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.web.i18n import t
from kiosk.web.templating import request_lang, templates

SESSION_KEY = "csrf"
FIELD = "csrf"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths whose writes authenticate by bearer token or are not writes of a person.
EXEMPT_PREFIXES = ("/api/", "/-/")
# Forms are small; a larger body is refused by the views' own limits anyway.
MAX_FORM_BYTES = 64 * 1024


def token_for(session: dict[str, Any]) -> str:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(24)
        session[SESSION_KEY] = token
    return token


@pass_context
def csrf_token(context: dict[str, Any]) -> str:
    request: Request = context["request"]
    return token_for(request.session)


@pass_context
def csrf_field(context: dict[str, Any]) -> Markup:
    token = csrf_token(context)
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')


templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["csrf_field"] = csrf_field


def _matches(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class CsrfProtect:
    """Sits inside the session middleware, so ``scope["session"]`` is loaded."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"].startswith(EXEMPT_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        session = scope.get("session") or {}
        expected = session.get(SESSION_KEY)
        headers = dict(scope.get("headers", []))
        given = headers.get(HEADER.encode(), b"").decode("latin-1") or None
        if _matches(expected, given):
            await self.app(scope, receive, send)
            return
        # No header: look for the hidden field in a urlencoded form, then hand the
        # same body on to the view.
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        body = b""
        if content_type == b"application/x-www-form-urlencoded":
            body, too_big = await _read_body(receive)
            if not too_big:
                fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                given = next(iter(fields.get(FIELD, [])), None)
        if _matches(expected, given):
            await self.app(scope, _replay(body), send)
            return
        await _refuse(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    lang = request_lang(request)
    response = templates.TemplateResponse(
        request,
        "error.html",
        {"message_key": "error.csrf", "detail": t("error.csrf.detail", lang)},
        status_code=403,
    )
    response.headers["Cache-Control"] = "no-store"
    await response(scope, receive, send)
