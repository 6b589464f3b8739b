"""axe-core on every page, in Debian Chromium at 1080×1920 and 1920×1080.

No page may have a ``serious`` or ``critical`` violation, and axe's color-contrast rule
(4.5:1 for body text) must have run on each of them. axe is vendored
(kiosk/static/vendor/axe-<version>.min.js) and loaded by these tests only, as an init
script of the test browser: it bypasses the pages' CSP without weakening it and no app
page ever references it.

Which pages: ``PAGES`` (extend it freely; ``{job}`` and the like are filled in from
data made through the JSON API, and the browser carries a session signed as the app
signs it, so the worker's offers and the employer's own job show as they do to them),
every same-site link found on those, and every screen of the worker and employer flows
as a walker answers them one by one (``FLOWS``). Each page is checked at both sizes. A
failure lists each violation as size, page, impact, rule id, selector and axe's message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from conftest import API_TOKEN, MORNING, TEST_DB, make_settings
from itsdangerous import TimestampSigner
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support.browser import LANDSCAPE, PORTRAIT, LiveServer, live_server, new_device
from support.builders import at, checkin_body, job_body

from matcher.desk.accounts import account_json, new_account
from matcher.store.embedded import EmbeddedServer
from matcher.store.keys import ACCOUNTS, OP_SESSION_TTL_S, op_session

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).resolve().parents[2] / "kiosk" / "static" / "vendor"
AXE_FILES = sorted(VENDOR.glob("axe-*.min.js"))
FAILING_IMPACTS = ("serious", "critical")
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
SESSION_COOKIE = "kz_session"  # kiosk.app's SessionMiddleware
OPS_COOKIE = "kz_ops"  # kiosk.auth.operators

# The pages to check, by name. Extend freely; placeholders come from ``Site.ids``.
# Each must answer 200 (after redirects) unless listed in ``STATUS``.
PAGES: list[tuple[str, str]] = [
    ("market picker", "/"),
    ("kiosk home", "/m/kaili/"),
    ("worker check-in", "/m/kaili/worker"),
    ("employer post", "/m/kaili/employer"),
    ("hall board", "/m/kaili/board"),
    ("operators' login", "/ops/login"),
    ("kiosk enrolment", "/enrol"),
    ("operators: prefecture today", "/ops/"),
    ("operators: market today", "/ops/m/kaili/"),
    ("operators: history", "/ops/m/kaili/history"),
    ("operators: all markets' history", "/ops/history"),
    ("operators: daily report", "/ops/m/kaili/daily/2026-11-27"),
    ("operators: moderation", "/ops/m/kaili/moderation"),
    ("operators: pay and disputes", "/ops/m/kaili/aftercare"),
    ("operators: blocks", "/ops/m/kaili/blocks"),
    ("operators: market settings", "/ops/m/kaili/settings"),
    ("operators: kiosks", "/ops/m/kaili/kiosks"),
    ("operators: accounts", "/ops/accounts"),
    ("operators: API tokens", "/ops/tokens"),
    ("operators: audit trail", "/ops/audit"),
    ("worker offers", "/m/kaili/worker/offers"),
    ("ticket", "/m/kaili/tickets/{ticket}?k={ticket_key}"),
    ("employer job, owner's view", "/m/kaili/jobs/{own_job}"),
    ("employer job, public view", "/m/kaili/jobs/{job}"),
    ("page not found", "/m/nowhere/"),
    ("kiosk home in English", "/lang/en?next=/m/kaili/"),
    ("back to Chinese", "/lang/zh?next=/"),
]
STATUS = {"/m/nowhere/": 404}
VIEWPORTS = {"1080x1920": PORTRAIT, "1920x1080": LANDSCAPE}


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    end: str  # where the flow is done (a pattern of the address)
    phone: str


# Flows walked screen by screen from their first page, with the phone typed in.
FLOWS = [
    Flow("worker flow", "/m/kaili/worker", r"/worker/offers$", "13911112222"),
    Flow("employer flow", "/m/kaili/employer", r"/jobs/\w+$", "13833334444"),
]
MAX_FLOW_SCREENS = 14
MAX_DISCOVERED = 12
# Links worth following: this market's pages and the operators' page.
FOLLOW = re.compile(r"^/(m/kaili/.*|ops/.*)?$")
# Not pages: language switches, files, the API, and downloads (exports).
SKIP = re.compile(r"^/(lang|static|api)/|\.(csv|xlsx)(\?|$)")

# Started in both screens' pages at once (each its own renderer), collected after.
_START_AXE = """
() => { window.__kzAxe = (async () => {
  // Live regions poll every few seconds: hold them still while axe looks.
  if (!window.__kzHeld) {
    document.addEventListener("htmx:beforeRequest", e => e.preventDefault(), true);
    window.__kzHeld = true;
  }
  // Fonts, two frames of layout after a resize, and the board's refit.
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const board = document.getElementById("board");
  for (let i = 0; board && !board.dataset.fitted && i < 100; i++) {
    await new Promise(r => setTimeout(r, 20));
  }
  const r = await axe.run(document, {
    rules: {"color-contrast": {enabled: true}},
    resultTypes: ["violations"],
    // Preloading serves only the experimental css-orientation-lock (off by default) and
    // audio/video, which no page has: skipping it halves the time of a run.
    preload: false,
  });
  return {
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact,
                                summary: (n.failureSummary || "").replace(/\\s+/g, " ")})),
    })),
    contrastRan: [...r.passes, ...r.violations, ...r.incomplete]
      .some(x => x.id === "color-contrast"),
  };
})(); }
"""

# Answer the screen (the phone number, the first choice of every group that has none)
# and press what moves it on: its primary button, else its first tile. One call per
# screen, and the click returns at once, so both screens' requests go out together.
_ANSWER_AND_PRESS = """
([phone, start]) => {
  for (const el of document.querySelectorAll("input[name*=phone]")) {
    if (!el.value) el.value = phone;
  }
  for (const el of document.querySelectorAll("input[type=text][required], textarea[required]")) {
    if (!el.value) el.value = "招两个搬砖的小工";
  }
  const groups = {};
  for (const el of document.querySelectorAll("input[type=radio], input[type=checkbox]")) {
    (groups[el.name] = groups[el.name] || []).push(el);
  }
  for (const els of Object.values(groups)) {
    const first = els.find(e => !e.disabled);
    if (first && !els.some(e => e.checked)) first.checked = true;
  }
  const press = [
    ".btn-next",
    "form:not(.quit) button[type=submit].btn-primary",
    "main form:not(.quit) button[type=submit].tile-btn",
    `main a.tile-btn[href^='${start}/']`,
  ].map(s => document.querySelector(s)).find(Boolean);
  if (press) press.click();
  return !!press;
}
"""

# A flow screen: its question and whether it can go on (the skills screen comes back
# with the chosen skills and a "next" button).
_SCREEN_STATE = """
() => [document.querySelector("h1")?.textContent.trim(),
       !!document.querySelector(".btn-next")].join(" ")
"""

_LINKS = """
() => [...document.querySelectorAll("a[href]")]
  .map(a => new URL(a.getAttribute("href"), location.href))
  .filter(u => u.origin === location.origin)
  .map(u => u.pathname + u.search)
"""


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        sizes = " and ".join(VIEWPORTS)
        lines = [f"axe {AXE_FILES[0].name} on {len(self.checked)} pages, each at {sizes}:"]
        lines += [f"  {c}" for c in self.checked]
        lines += [f"  note: {n}" for n in self.notes]
        lines += self.problems
        return "\n".join(lines)


@dataclass
class Site:
    server: LiveServer
    ids: dict[str, str]
    session: str  # a signed session: the checked-in worker, the employer's own job
    ops_session: str  # an administrator signed in to /ops/


def test_axe_is_vendored_with_its_licence() -> None:
    assert len(AXE_FILES) == 1, AXE_FILES
    version = re.fullmatch(r"axe-(\d+\.\d+\.\d+)\.min\.js", AXE_FILES[0].name)
    assert version, AXE_FILES[0].name
    head = AXE_FILES[0].read_text(encoding="utf-8")[:200]
    assert head.startswith(f"/*! axe v{version.group(1)}"), head
    assert "Mozilla Public" in (VENDOR / "axe-LICENSE.txt").read_text(encoding="utf-8")
    # Tests load it; no app page does.
    templates = Path(__file__).resolve().parents[2] / "templates"
    for page in templates.rglob("*.html"):
        assert "axe" not in page.read_text(encoding="utf-8"), page.name


def _api(context: BrowserContext, method: str, path: str, body: Any = None) -> Any:
    r = context.request.fetch(
        f"/api/v1/markets/kaili{path}", method=method, data=body, headers=AUTH
    )
    assert r.ok, f"{method} {path}: {r.status} {r.text()}"
    return r.json()


def _pending_offer(context: BrowserContext, worker_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        offers = _api(context, "GET", f"/workers/{worker_id}/offers")
        pending = [o for o in offers if o["status"] == "pending"]
        if pending:
            return dict(pending[0])
        time.sleep(0.05)
    raise AssertionError(f"the matcher made no offer to {worker_id}")


def _signed_session(secret: str, data: dict[str, Any]) -> str:
    """What Starlette's SessionMiddleware would set after these people used the kiosk."""
    raw = base64.b64encode(json.dumps(data).encode("utf-8"))
    return TimestampSigner(secret).sign(raw).decode("utf-8")


def _admin_session(redis_url: str) -> str:
    """An administrator's account and a live session, as logging in would leave them."""
    account = new_account(
        username="a11y-admin",
        password="a11y admin password",
        role="admin",
        created_at=MORNING.isoformat(),
    )
    session_id = secrets.token_urlsafe(32)
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset(ACCOUNTS, account.username, account_json(account))
        client.set(
            op_session(hashlib.sha256(session_id.encode()).hexdigest()),
            json.dumps({"username": account.username, "since": MORNING.isoformat()}),
            ex=OP_SESSION_TTL_S,
        )
    finally:
        client.close()
    return session_id


@pytest.fixture(scope="module")
def site(
    browser: Browser, embedded_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The app with something on every page: an open job with a pending offer to a
    checked-in worker, and an employer's job with a booked worker (the ticket)."""
    data_dir = tmp_path_factory.mktemp("a11y")
    with live_server(f"{embedded_server.url}?db={TEST_DB}", data_dir) as server:
        context = new_device(browser, server.url, LANDSCAPE)
        job = _api(context, "POST", "/jobs", job_body(headcount=3, interview_at=at("09:40")))
        own = _api(
            context,
            "POST",
            "/jobs",
            job_body(title="砌墙师傅", skills=["bricklayer"], interview_place="2号洽谈桌"),
        )
        waiting = _api(context, "POST", "/checkins", checkin_body(1))
        booked = _api(context, "POST", "/checkins", checkin_body(2, skills=["bricklayer"]))
        offer = _pending_offer(context, booked["worker_id"])
        ticket = _api(context, "POST", f"/offers/{offer['id']}/accept")["ticket"]
        _pending_offer(context, waiting["worker_id"])
        context.close()
        secret = make_settings(server.redis_url, data_dir).secret
        ops_session = _admin_session(server.redis_url)
        session = {"worker:kaili": waiting["worker_id"], "jobs": [own["id"]]}
        yield Site(
            server=server,
            ids={
                "job": job["id"],
                "own_job": own["id"],
                "ticket": ticket["ref"],
                "ticket_key": offer["id"],
            },
            session=_signed_session(secret, session),
            ops_session=ops_session,
        )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Device:
    """One screen size: its own browser context (cookies, session) and page."""

    size: str
    page: Page


def _load(devices: list[Device], path: str | None = None) -> None:
    """Both screens load (the same address, or where their last press took them)."""
    if path is not None:
        for d in devices:
            d.page.goto(path, wait_until="commit")
    for d in devices:
        d.page.wait_for_load_state()


def _check(devices: list[Device], name: str, report: Report) -> None:
    """axe on each screen's page as it stands, the runs side by side; problems go to the
    report."""
    for d in devices:
        d.page.evaluate(_START_AXE)
    for d in devices:
        result: dict[str, Any] = d.page.evaluate("window.__kzAxe")
        where = f"[{d.size}] {name} {_path(d.page.url)}"
        if not result["contrastRan"]:
            report.problems.append(f"{where}: color-contrast did not run")
        for v in result["violations"]:
            if v["impact"] not in FAILING_IMPACTS:
                continue
            report.problems.append(f"{where}\n  {v['impact']} {v['id']}: {v['help']}")
            report.problems += [f"    {n['target']}\n      {n['summary']}" for n in v["nodes"]]
    report.checked.append(f"{name} {_path(devices[0].page.url)}")


def _screen_key(page: Page) -> str:
    return f"{_path(page.url)} {page.evaluate(_SCREEN_STATE)}"


def _walk(devices: list[Device], flow: Flow, report: Report, checked: set[str]) -> int:
    """Answer a flow's screens one by one on both screens (the phone number, the first
    choice of every group), pressing on each time; axe on every screen reached that was
    not checked before. Returns how many screens the first screen size went through."""
    _load(devices, flow.start)
    walking = list(devices)
    seen: dict[str, set[str]] = {d.size: set() for d in devices}
    for _ in range(MAX_FLOW_SCREENS):
        fresh = []
        for d in list(walking):
            key = _screen_key(d.page)
            if key in seen[d.size]:
                report.notes.append(f"{flow.name} stopped at {_path(d.page.url)}: came back")
                walking.remove(d)
            else:
                seen[d.size].add(key)
                if f"{d.size} {key}" not in checked:
                    checked.add(f"{d.size} {key}")
                    fresh.append(d)
        if fresh:
            _check(fresh, f"{flow.name} screen", report)
        walking = [d for d in walking if not re.search(flow.end, d.page.url)]
        pressed: list[tuple[Device, str]] = []
        for d in walking:
            before = d.page.url
            if d.page.evaluate(_ANSWER_AND_PRESS, [flow.phone, flow.start]):
                pressed.append((d, before))
            else:
                report.notes.append(f"{flow.name} stopped at {_path(before)}: nothing to press")
        walking = []
        for d, before in pressed:

            def moved(url: str, before: str = before) -> bool:
                return url != before

            try:
                d.page.wait_for_url(moved, timeout=3000)
                walking.append(d)
            except PlaywrightTimeout:
                d.page.wait_for_load_state()
                _check([d], f"{flow.name} screen after a refused answer", report)
                report.notes.append(f"{flow.name} stopped at {_path(before)}: answer refused")
        _load(walking)
        if not walking:
            break
    else:
        report.notes.append(f"{flow.name} stopped after {MAX_FLOW_SCREENS} screens")
    return len(seen[devices[0].size])


def test_no_serious_violations_anywhere(browser: Browser, site: Site) -> None:
    report = Report()
    contexts: list[BrowserContext] = []

    def devices() -> list[Device]:
        """A fresh pair of screens: 1080×1920 and 1920×1080."""
        pair = []
        for size, viewport in VIEWPORTS.items():
            context = new_device(browser, site.server.url, viewport)
            context.add_init_script(path=str(AXE_FILES[0]))
            contexts.append(context)
            pair.append(Device(size, context.new_page()))
        return pair

    try:
        screens = devices()
        for d in screens:
            d.page.context.add_cookies(
                [
                    {"name": SESSION_COOKIE, "value": site.session, "url": site.server.url},
                    {"name": OPS_COOKIE, "value": site.ops_session, "url": site.server.url},
                ]
            )
        first = screens[0].page
        visited: set[str] = set()
        checked: set[str] = set()  # flow screens checked already, by size
        found: list[str] = []

        def visit(name: str, path: str) -> None:
            responses = [d.page.goto(path, wait_until="commit") for d in screens]
            _load(screens)
            status = responses[0].status if responses[0] is not None else 0
            if status != STATUS.get(path, 200):
                report.problems.append(f"{name} {path}: HTTP {status}")
            # The same page in another language is another page.
            landed = (
                first.evaluate("document.documentElement.lang") + " " + urlsplit(first.url).path
            )
            if landed in visited:
                return
            visited.add(landed)
            checked.update(f"{d.size} {_screen_key(d.page)}" for d in screens)
            _check(screens, name, report)
            for link in first.evaluate(_LINKS):
                if FOLLOW.match(urlsplit(link).path) and not SKIP.search(link):
                    found.append(link)

        for name, path in PAGES:
            visit(name, path.format(**site.ids))
        known = {key.split(" ", 1)[1] for key in visited}
        extra = [p for p in dict.fromkeys(found) if urlsplit(p).path not in known]
        for path in extra[:MAX_DISCOVERED]:
            visit("linked from a page above", path)
        for flow in FLOWS:
            count = _walk(devices(), flow, report, checked)
            report.notes.append(f"{flow.name}: {count} screens")
    except PlaywrightError as exc:  # a page that broke the walk is a finding too
        report.problems.append(f"browser error: {exc}")
    finally:
        for context in contexts:
            context.close()
    print(report.text())
    assert not report.problems, report.text()
