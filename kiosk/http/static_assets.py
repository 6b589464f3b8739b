"""Static files under versioned URLs, so browsers keep them for a year.

Pages name every static file through ``static_url('kiosk.css')``, which adds the first
hex digits of the file's SHA-256 (``/static/kiosk.css?v=3f2a…``). A changed file gets
a new URL, so a URL's content never changes and may be cached as immutable: a kiosk
loads its CSS, script and pictograms once, not on every screen. A request without the
version, or with one that is not the file's current version (a page from before an
upgrade), gets a short lifetime instead, so nothing stale is kept long. nginx serves
the same files with the same rule (deploy/nginx/kuaizhao.conf).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
VERSION_PARAM = "v"
VERSION_LENGTH = 12
LONG_CACHE = "public, max-age=31536000, immutable"
# Unversioned: an hour, then the ETag / Last-Modified check is cheap.
SHORT_CACHE = "public, max-age=3600"


@lru_cache(maxsize=512)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size as well, so an edited file (a source checkout) gets a new
    # version without a restart; an installed package never changes under a process.
    return hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_LENGTH]


def version_of(path: str, root: Path = STATIC_DIR) -> str | None:
    """The content version of a file under ``root``, or None when there is no such file
    (or the path leaves ``root``)."""
    base = root.resolve()
    full = (base / path).resolve()
    if not full.is_relative_to(base):
        return None
    try:
        st = os.stat(full)
    except OSError:
        return None
    if not full.is_file():
        return None
    return _digest(full, st.st_mtime_ns, st.st_size)


@pass_context
def static_url(context: dict[str, Any], path: str) -> str:
    """The Jinja global: a static file's path with its content version."""
    request: Request = context["request"]
    url = request.url_for("static", path=path).path
    version = version_of(path)
    if version is None:
        # A missing file is a template bug; the tests find it by the missing version.
        return url
    return f"{url}?{VERSION_PARAM}={version}"


class VersionedStaticFiles(StaticFiles):
    """Starlette's static files with the cache lifetime chosen by the URL's version."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            wanted = asked.get(VERSION_PARAM, [""])[0]
            current = version_of(path, Path(str(self.directory)))
            fresh = bool(wanted) and wanted == current
            response.headers["cache-control"] = LONG_CACHE if fresh else SHORT_CACHE
        return response
