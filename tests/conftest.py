"""Shared fixtures: a real Redis-compatible server, a pinned clock, the app.

Storage tests run against the embedded Valkey (always) and, when
``KUAIZHAO_TEST_REDIS_URL`` is set (CI: the machine's Redis 7 on a dedicated db), against
that server too. With ``KUAIZHAO_REQUIRE_ALL=1`` a missing server or browser fails the
run instead of skipping silently.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx
import pytest
from redis.asyncio import Redis
from support.cluster import LocalCluster, local_cluster
from support.ops import csrf_hook, enrol, login

from kiosk.app import create_app
from matcher.clock import TZ, FixedClock
from matcher.desk.accounts import OpRole
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.settings import Settings
from matcher.store.client import close_client, open_client
from matcher.store.embedded import EmbeddedServer, ServerNotFound
from matcher.store.facade import Store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize
    from support.browser import LiveServer

# A Friday morning in Kaili. Tests never read the real clock.
MORNING = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
REQUIRE_ALL = os.environ.get("KUAIZHAO_REQUIRE_ALL") == "1"
EXTERNAL = os.environ.get("KUAIZHAO_TEST_REDIS_URL")
TEST_DB = 9
API_TOKEN = "test-integration-token"


def unavailable(reason: str) -> None:
    """Skip, or fail when the run demands every test (CI)."""
    if REQUIRE_ALL:
        pytest.fail(f"required test resource missing: {reason}")
    pytest.skip(reason)


HERE = Path(__file__).resolve().parent
# Each suite directory is a marker (``pytest -m ops``); the browser directory also marks
# its tests ``browser`` so a run without Chromium can deselect them all.
SUITE_MARKERS = {"matcher", "web", "ops", "api", "cli", "browser", "deploy", "bench"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        rel = item.path.resolve().relative_to(HERE).parts
        if len(rel) > 1 and rel[0] in SUITE_MARKERS:
            item.add_marker(getattr(pytest.mark, rel[0]))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a test that did not run: fail the session."""
    if not REQUIRE_ALL:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("KUAIZHAO_REQUIRE_ALL=1: skipped tests count as failures", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _check_external(url: str) -> str:
    db = urlparse(url).path.lstrip("/") or "0"
    if db == "0":
        raise pytest.UsageError("KUAIZHAO_TEST_REDIS_URL must name a dedicated db, never db 0")
    return url


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    # Short path: unix socket names are limited to ~100 bytes.
    base = Path(os.environ.get("KUAIZHAO_TEST_TMP", "/tmp"))
    import tempfile

    data = Path(tempfile.mkdtemp(prefix="kzv", dir=base))
    server = EmbeddedServer(data)
    server.start()
    yield server
    server.stop()


BACKENDS = ["valkey", *(["redis"] if EXTERNAL else [])]
# The suites that also run against a real three-master cluster (tests/support/cluster.py),
# unchanged: the store and the matcher, and what drives them.
CLUSTER_SUITES = frozenset(
    {"test_store", "test_queue", "test_engine", "test_concurrency", "test_api", "test_aftercare"}
    | {"test_screening", "test_metrics"}
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses ``redis_url`` runs on each backend; the cluster ones too."""
    if "redis_url" not in metafunc.fixturenames:
        return
    backends = list(BACKENDS)
    if metafunc.module.__name__.rsplit(".", 1)[-1] in CLUSTER_SUITES:
        backends.append("cluster")
    metafunc.parametrize("redis_url", backends, indirect=True)


@pytest.fixture(scope="session")
def cluster_server() -> Iterator[LocalCluster]:
    """Started once per session, on first use; a missing binary fails in CI."""
    try:
        with local_cluster() as cluster:
            yield cluster
    except ServerNotFound as exc:
        unavailable(str(exc))


@pytest.fixture
def redis_url(request: pytest.FixtureRequest, embedded_server: EmbeddedServer) -> str:
    if request.param == "redis":
        assert EXTERNAL
        return _check_external(EXTERNAL)
    if request.param == "cluster":
        cluster: LocalCluster = request.getfixturevalue("cluster_server")
        return cluster.url
    return f"{embedded_server.url}?db={TEST_DB}"


@pytest.fixture
def valkey_url(embedded_server: EmbeddedServer) -> str:
    """For tests that only need one backend (pages, browser)."""
    return f"{embedded_server.url}?db={TEST_DB}"


async def _flushed(url: str) -> AsyncIterator[Redis]:
    # The same client as the app (a cluster one for a cluster URL); flushdb on a
    # cluster flushes every primary.
    r = open_client(url, pool_size=64)
    await r.flushdb()
    try:
        yield r
    finally:
        await r.flushdb()
        await close_client(r)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    async for r in _flushed(redis_url):
        yield r


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MORNING)


def make_settings(url: str, data_dir: Path, **kw: Any) -> Settings:
    # A full collection before each of hundreds of apps would cost the suite a minute.
    kw.setdefault("freeze_heap", False)
    return Settings(redis_url=url, data_dir=data_dir, secret="test-secret", **kw)


@pytest.fixture
def settings(redis_url: str, tmp_path: Path) -> Settings:
    return make_settings(redis_url, tmp_path, claim_idle_ms=50, api_token=API_TOKEN)


@pytest.fixture
async def store(redis: Redis, settings: Settings, clock: FixedClock) -> Store:
    s = Store(redis, settings, clock)
    await s.probe()
    return s


@pytest.fixture
async def matcher(store: Store) -> Matcher:
    m = Matcher(store, MARKETS, name="test-matcher")
    await m.ensure_groups()
    return m


async def drain(matcher: Matcher, market: str = "kaili") -> int:
    """Handle queue entries until none are left; returns how many were handled."""
    total = 0
    while n := await matcher.consume_once(market):
        total += n
    return total


class Client(httpx.AsyncClient):
    state: Any


@pytest.fixture
async def client(redis: Redis, settings: Settings, clock: FixedClock) -> AsyncIterator[Client]:
    """The app over ASGI with its lifespan running; the matcher is driven by tests."""
    app = create_app(settings, clock=clock, run_matcher=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with Client(transport=transport, base_url="http://kz.test") as c:
            c.state = app.state.kz
            # Like the kiosk in the hall: an enrolled device whose pages carry the CSRF
            # token (tests of the refusals use ``bare_client``).
            c.event_hooks["request"] = [csrf_hook(c)]
            await enrol(c)
            yield c


OpsLogin = Callable[..., Awaitable[str]]


@pytest.fixture
def ops_login(client: Client) -> OpsLogin:
    """``await ops_login(role="operator", markets=("kaili",))`` creates an operator
    account and logs ``client`` in as it; returns the username."""

    async def go(
        role: OpRole = "operator",
        markets: tuple[str, ...] = ("kaili",),
        username: str | None = None,
    ) -> str:
        return await login(client, role=role, markets=markets, username=username)

    return go


@pytest.fixture
async def bare_client(redis: Redis, settings: Settings, clock: FixedClock) -> AsyncIterator[Client]:
    """A browser nobody enrolled and that sends no CSRF token unless told to."""
    app = create_app(settings, clock=clock, run_matcher=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with Client(transport=transport, base_url="http://kz.test") as c:
            c.state = app.state.kz
            yield c


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


# -- the browser tests' shared pieces (imported lazily: most tests need no browser) ------


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    from support.browser import launch_chromium

    b = launch_chromium(playwright)
    yield b
    b.close()


@pytest.fixture
def server(valkey_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The whole app (web and matcher) under uvicorn on loopback, over a flushed db."""
    from support.browser import live_server

    with live_server(valkey_url, tmp_path) as s:
        yield s


@pytest.fixture
def device(browser: Browser, server: LiveServer) -> Iterator[Callable[..., Page]]:
    """A page on a new device (its own cookies): ``device(PORTRAIT)``, ``device(PHONE,
    3)``. Script errors on any page fail the test."""
    from support.browser import new_device

    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_page(viewport: ViewportSize, scale: float = 1) -> Page:
        context = new_device(browser, server.url, viewport, scale)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, errors
