"""Helpers for the browser tests: the app on a real port, Chromium, devices, measuring.

The app runs under uvicorn in a background thread with its own event loop, the
in-process matcher ticking fast, on the pinned morning of ``conftest.MORNING``.
Chromium is the system's (``chromium`` on PATH); nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import redis
import uvicorn
from conftest import API_TOKEN, MORNING, make_settings, unavailable
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, ViewportSize

from kiosk.app import create_app
from matcher.clock import FixedClock
from matcher.desk.accounts import OpRole, account_json, new_account
from matcher.store.keys import ACCOUNTS, DEVICES

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PORTRAIT = ViewportSize(width=1080, height=1920)
LANDSCAPE = ViewportSize(width=1920, height=1080)
PHONE = ViewportSize(width=390, height=844)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The design's floor for a touchscreen used with work-worn hands.
MIN_TARGET_PX = 60
MIN_TEXT_PX = 24
MIN_GAP_PX = 8
MIN_CONTRAST = 4.5
MAX_CHOICES = 7
TARGETS = (".btn", ".door", ".tile-btn", ".key", ".lang", ".brand")

# An unmasked mainland mobile number, not part of a longer token.
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
MASKED_PHONE = re.compile(r"1[3-9]\d\*{4}\d{4}")


@dataclass(frozen=True)
class LiveServer:
    url: str
    redis_url: str
    # The server's own clock: a test may move the morning on (e.g. to age open jobs).
    clock: FixedClock


# Every browser context is a kiosk enrolled for all markets (tests/support/ops.py
# enrols through the real pages; here the record is written the way redeem() does).
DEVICE_TOKEN = "kzd_browser-tests-kiosk-0000000000000000000000"


def _flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def _enrol_test_kiosk(url: str) -> None:
    digest = hashlib.sha256(DEVICE_TOKEN.encode()).hexdigest()
    record = {
        "id": digest[:12],
        "market": "*",
        "name": "browser tests",
        "enrolled_at": MORNING.isoformat(),
        "enrolled_by": "tests",
    }
    client = redis.Redis.from_url(url)
    try:
        client.hset(DEVICES, digest, json.dumps(record))
    finally:
        client.close()


@contextmanager
def live_server(redis_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """The whole app (web + matcher task) on 127.0.0.1, over a flushed db."""
    _flush(redis_url)
    _enrol_test_kiosk(redis_url)
    settings = make_settings(redis_url, data_dir, claim_idle_ms=50, api_token=API_TOKEN)
    clock = FixedClock(MORNING)
    app = create_app(settings, clock=clock, run_matcher=True, matcher_tick_s=0.2)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=3,
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="kz-uvicorn", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the app did not start (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not start within 15 s")
            time.sleep(0.02)
        yield LiveServer(url=f"http://127.0.0.1:{port}", redis_url=redis_url, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        _flush(redis_url)


OPS_PASSWORD = "correct horse battery"


def ops_sign_in(
    page: Page,
    server: LiveServer,
    *,
    role: OpRole = "operator",
    markets: tuple[str, ...] = ("kaili",),
    next_path: str = "/ops/",
) -> None:
    """Create an operator account (as ``kuaizhao user create`` does) and log the page's
    browser in through the real login form."""
    username = f"{role}-{'-'.join(markets) or 'all'}"
    account = new_account(
        username=username,
        password=OPS_PASSWORD,
        role=role,
        markets=markets,
        display_name=username,
        created_at=MORNING.isoformat(),
    )
    client = redis.Redis.from_url(server.redis_url)
    try:
        client.hset(ACCOUNTS, account.username, account_json(account))
    finally:
        client.close()
    page.goto(f"/ops/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", OPS_PASSWORD)
    page.locator("form.ops-login button[type=submit]").click()
    page.wait_for_url(f"**{next_path}")


def launch_chromium(playwright: Playwright) -> Browser:
    path = shutil.which("chromium")
    if path is None:
        unavailable("chromium not installed")
        raise AssertionError("unreachable")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


def new_device(
    browser: Browser, base_url: str, viewport: ViewportSize, scale: float = 1
) -> BrowserContext:
    """One device: a kiosk screen, or a phone when the viewport is narrow; ``scale`` is
    the device pixel ratio (a phone's is 3; sizes are measured in CSS px either way)."""
    phone = viewport["width"] < 600
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,
        has_touch=True,
        is_mobile=phone,
        device_scale_factor=scale,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "kz_device", "value": DEVICE_TOKEN, "url": base_url}])
    return context


def shot(page: Page, name: str) -> None:
    """A full-page screenshot for docs/screenshots (overwritten on every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    y = page.evaluate("window.scrollY")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    # A full-page capture resizes the view and leaves the compositor's scroll offset
    # behind the page's: the click of the next tap would then land on whatever sat
    # there before. Scrolling explicitly puts both back in step.
    page.evaluate("y => window.scrollTo(0, y)", y)


def tile(page: Page, name: str, value: str) -> Locator:
    """The big tile (a label) around the radio/checkbox ``name=value``."""
    return page.locator(f"label.tile:has(input[name='{name}'][value='{value}'])")


def tile_by_text(page: Page, text: str) -> Locator:
    return page.locator("label.tile").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


class Box(TypedDict):
    selector: str
    text: str
    width: float
    height: float


class TextSize(TypedDict):
    tag: str
    cls: str
    text: str
    size: float


_MEASURE_TARGETS = """
(selectors) => {
  const out = [];
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (cs.display === "none" || cs.visibility === "hidden" || r.width === 0) continue;
      out.push({selector, text: el.textContent.trim().replace(/\\s+/g, " ").slice(0, 40),
                width: r.width, height: r.height});
    }
  }
  return out;
}
"""

_MEASURE_TEXT = """
() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (["SCRIPT", "STYLE", "OPTION", "svg", "path", "rect"].includes(el.tagName)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const control = ["INPUT", "SELECT", "BUTTON", "TEXTAREA"].includes(el.tagName)
      && !["hidden", "checkbox", "radio"].includes(el.type);
    if (!own && !control) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest("svg")) continue;
    out.push({tag: el.tagName.toLowerCase(), cls: el.className.toString(),
              text: (own ? el.textContent : (el.value || el.name || "")).trim().slice(0, 30),
              size: parseFloat(getComputedStyle(el).fontSize)});
  }
  return out;
}
"""


def touch_targets(page: Page) -> list[Box]:
    boxes: list[Box] = page.evaluate(_MEASURE_TARGETS, list(TARGETS))
    return boxes


def small_targets(page: Page) -> list[Box]:
    return [
        b for b in touch_targets(page) if b["width"] < MIN_TARGET_PX or b["height"] < MIN_TARGET_PX
    ]


def small_text(page: Page) -> list[TextSize]:
    sizes: list[TextSize] = page.evaluate(_MEASURE_TEXT)
    return [s for s in sizes if s["size"] < MIN_TEXT_PX]


def body_font_px(page: Page) -> float:
    size: Any = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    return float(size)


_MEASURE_GAPS = """
(selectors) => {
  const els = [...document.querySelectorAll(selectors.join(","))].filter(el => {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    return cs.display !== "none" && cs.visibility !== "hidden" && r.width > 0
      && !el.closest("[hidden]");
  });
  // Nested targets (a button inside a tile) are one target.
  const outer = els.filter(el => !els.some(o => o !== el && o.contains(el)));
  const boxes = outer.map(el => ({el, r: el.getBoundingClientRect(),
    text: el.textContent.trim().replace(/\\s+/g, " ").slice(0, 20)}));
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const dx = Math.max(b.left - a.right, a.left - b.right);
      const dy = Math.max(b.top - a.bottom, a.top - b.bottom);
      // Side by side (rows overlap) or one above the other (columns overlap).
      const gap = dy < 0 ? dx : dx < 0 ? dy : Math.max(dx, dy);
      if (gap < 8 - 0.5) out.push({a: boxes[i].text, b: boxes[j].text, gap});
    }
  }
  return out;
}
"""

_MEASURE_CONTRAST = """
() => {
  const parse = c => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[hidden], [disabled], .is-off, svg")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(el).visibility === "hidden") continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const text = el.textContent.trim().slice(0, 20);
    if (ratio < 4.5) out.push({text, ratio: Math.round(ratio * 100) / 100});
  }
  return out;
}
"""


def crowded_targets(page: Page) -> list[dict[str, Any]]:
    """Pairs of touch targets closer than ``MIN_GAP_PX`` (or overlapping)."""
    pairs: list[dict[str, Any]] = page.evaluate(_MEASURE_GAPS, list(TARGETS))
    return pairs


def low_contrast(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(_MEASURE_CONTRAST)
    return found


def screen_problems(page: Page, viewport: ViewportSize) -> list[str]:
    """Everything the design's floor forbids, measured on the page as it is shown."""
    where = page.url.split("/m/", 1)[-1]
    problems = [
        f"{where} {b['selector']} {b['text']!r}: {b['width']:.0f}x{b['height']:.0f}"
        for b in small_targets(page)
    ]
    problems += [
        f"{where} gap {p['gap']:.0f}px: {p['a']!r} / {p['b']!r}" for p in crowded_targets(page)
    ]
    problems += [
        f"{where} <{s['tag']} class={s['cls']!r}> {s['text']!r}: {s['size']}px"
        for s in small_text(page)
    ]
    problems += [f"{where} contrast {c['ratio']}: {c['text']!r}" for c in low_contrast(page)]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"]:
        problems.append(f"{where} is {width}px wide, wider than the screen")
    # A picker ([data-picker]: a category's skills, a county's townships) is the one
    # screen that shows a whole list; it must fit the screen instead (tests/
    # test_pickers_browser.py). Every other screen offers a few choices.
    choices = page.locator(".tile-btn:not([data-picker] .tile-btn)").count()
    if choices > MAX_CHOICES:
        problems.append(f"{where} offers {choices} choices")
    return problems
