"""Static files under versioned URLs: every page names them with their content hash,
and a versioned URL may be kept by the browser for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Client
from support.flow import Screen, employer_posts, get, soup, worker_checks_in
from support.ops import new_visitor

from kiosk.http.static_assets import LONG_CACHE, SHORT_CACHE, STATIC_DIR, version_of
from kiosk.web import templating

pytestmark = pytest.mark.usefixtures("redis")

TEMPLATES = Path(templating.templates_dir())
HTMX = re.compile(r"^vendor/htmx-(\d+\.\d+\.\d+)\.min\.js$")


def _version(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_refs(html: str) -> list[str]:
    """Every static URL a page loads: stylesheets, scripts, images."""
    page = soup(html)
    urls = [str(t["href"]) for t in page.select("link[href]")]
    urls += [str(t["src"]) for t in page.select("script[src], img[src]")]
    return [u for u in urls if urlsplit(u).path.startswith("/static/")]


def assert_versioned(where: str, html: str) -> list[str]:
    refs = static_refs(html)
    for url in refs:
        parts = urlsplit(url)
        path = parts.path.removeprefix("/static/")
        assert parse_qs(parts.query).get("v") == [_version(path)], (where, url)
    return refs


async def _crawl(client: Client, start: list[str], limit: int = 60) -> dict[str, str]:
    """Pages reachable by links from ``start`` (GET, this site, HTML only)."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        r = await client.get(url, follow_redirects=True)
        seen[url] = r.text if "text/html" in r.headers.get("content-type", "") else ""
        for a in soup(seen[url]).select("a[href]"):
            href = urlsplit(str(a["href"]))
            if (
                not href.netloc
                and href.path.startswith("/")
                and not href.path.startswith(("/static/", "/api/", "/lang/"))
            ):
                queue.append(href.path + (f"?{href.query}" if href.query else ""))
    return seen


async def test_every_page_names_static_files_by_version(client: Client) -> None:
    pages = await _crawl(client, ["/", "/m/kaili/", "/m/kaili/board", "/ops/", "/no/such/page"])
    screens: list[Screen] = [await worker_checks_in(client, "13900000001")]
    await new_visitor(client)
    screens.append(await employer_posts(client, "13800000000"))
    screens.append(await get(client, "/m/kaili/employer/headcount?more=1"))
    pages.update({s.url: str(s.page) for s in screens})
    loaded: set[str] = set()
    for url, html in pages.items():
        loaded.update(urlsplit(u).path for u in assert_versioned(url, html))
    # The crawl reached the kiosk's pages, the board and their pictograms.
    assert {"/static/kiosk.css", "/static/kiosk.js", "/static/board.css"} <= loaded, loaded
    assert any(p.startswith("/static/icons/") for p in loaded), loaded
    assert any(HTMX.match(p.removeprefix("/static/")) for p in loaded), loaded


def test_no_template_names_a_static_file_without_its_version() -> None:
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text()
        assert "url_for('static'" not in text and 'url_for("static"' not in text, template
        assert not re.search(r"""(src|href)=["']/static/""", text), template


def test_htmx_carries_its_version_in_its_name() -> None:
    name = str(templating.templates.env.globals["htmx_js"])
    m = HTMX.match(name)
    assert m, name
    source = (STATIC_DIR / name).read_text()
    assert f'version:"{m.group(1)}"' in source


async def test_a_versioned_url_is_cached_for_a_year(client: Client) -> None:
    for path in ("kiosk.css", "kiosk.js", "icons/worker.svg", "vendor/htmx-2.0.11.min.js"):
        v = _version(path)
        r = await client.get(f"/static/{path}", params={"v": v})
        assert r.status_code == 200, path
        assert r.headers["cache-control"] == LONG_CACHE == "public, max-age=31536000, immutable"
        # Unversioned, or a version that is not this content's (a page from before an
        # upgrade): short, so nothing stale is kept.
        for params in ({}, {"v": "0" * 12}):
            r = await client.get(f"/static/{path}", params=params)
            assert r.status_code == 200, path
            assert r.headers["cache-control"] == SHORT_CACHE == "public, max-age=3600"
        # A revalidation keeps the lifetime its URL earns.
        etag = r.headers["etag"]
        r = await client.get(f"/static/{path}", params={"v": v}, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.headers["cache-control"] == LONG_CACHE
    missing = await client.get("/static/nothing.css", params={"v": "abc"})
    assert missing.status_code == 404 and "immutable" not in missing.headers.get(
        "cache-control", ""
    )


def test_version_of_stays_inside_the_static_folder(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body{}")
    assert version_of("a.css", tmp_path) == hashlib.sha256(b"body{}").hexdigest()[:12]
    assert version_of("../a.css", tmp_path / "sub") is None
    assert version_of("nothing.css", tmp_path) is None
    assert version_of(".", tmp_path) is None
    # An edited file gets a new version at once (a source checkout, no restart).
    (tmp_path / "a.css").write_text("body{color:red}")
    assert version_of("a.css", tmp_path) == hashlib.sha256(b"body{color:red}").hexdigest()[:12]
