"""Pages of the hall: the market picker, a market's kiosk home and the hall board
(the operators' view of today is kiosk/ops/today.py).

The hall board is a big public screen read from five metres: the view builds a small,
display-ready model (names, wages with units, masked phones, the market's local time
from the app clock) so the templates only lay it out. What it shows is read in bounded
time, whatever the day's volume, and kept a second (kiosk/web/board_view.py): the first
``BOARD_JOBS`` open jobs by the board's order and a count of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.auth.device_guard import may_act_as_kiosk
from kiosk.http.htmx import is_htmx
from kiosk.http.state import get_state
from kiosk.web.board_view import board_data
from kiosk.web.i18n import LANGS, Lang, t
from kiosk.web.render import live_market_or_404, render
from kiosk.web.templating import request_lang
from matcher.clock import TZ
from matcher.markets import MARKETS, Market
from matcher.store.records import mask_phone
from matcher.text.places import Gazetteer
from matcher.text.skills import Taxonomy

# The most calls the board receives; it shows as many of them as fit, newest first.
BOARD_CALLS = 8
# How often the board asks for fresh data, and how long a page of jobs stays up.
BOARD_POLL_S = 3
BOARD_PAGE_S = 10

ICONS_DIR = Path(__file__).resolve().parents[1] / "static" / "icons"
# Where a skill's pictogram lives under static/icons (the kiosk's tiles use the same):
# the skill's own, else its category's. The board shows the first that exists and the
# word alone when neither does.
ICON_NAMES = ("skills/{skill}.svg", "categories/{category}.svg")


@dataclass(frozen=True, slots=True)
class BoardJob:
    id: str
    skill: str
    icon: str | None  # a path under static/, or None
    wage: str
    remaining: int
    place: str


@dataclass(frozen=True, slots=True)
class BoardCall:
    ticket: str
    phone: str  # always masked
    place: str
    at: str


async def picker(request: Request) -> Response:
    # Names as the markets' operators set them.
    book = get_state(request).store.market_settings
    return render(
        request, "hall/picker.html", {"markets": [await book.effective(m) for m in MARKETS]}
    )


async def home(request: Request) -> Response:
    market = await live_market_or_404(request)
    store = get_state(request).store
    stats = await store.stats(market.id, store.today())
    ctx = {
        "market": market,
        "stats": stats,
        # Counted, not read: the start screen stays quick on a day of thousands.
        "open_jobs": await store.open_job_count(market.id),
        # Said on the start screen, not only after someone has typed their number.
        "enrolled": await may_act_as_kiosk(request, market.id),
    }
    return render(request, "hall/home.html", ctx)


@lru_cache(maxsize=512)
def skill_icon(icons_dir: Path, skill: str, category: str) -> str | None:
    """The pictogram for a skill as a path under static/, or None when there is none."""
    for pattern in ICON_NAMES:
        name = pattern.format(skill=skill, category=category)
        if (icons_dir / name).is_file():
            return f"icons/{name}"
    return None


def yuan(amount: float) -> str:
    """200.0 -> "200", 22.5 -> "22.5": no trailing zeros on a wage."""
    return f"{amount:.1f}".removesuffix(".0")


def public_phone(phone: str) -> str:
    """A phone as the hall may see it: masked, whatever the record holds."""
    return phone if "*" in phone else mask_phone(phone)


def board_job(
    job: dict[str, Any], market: Market, taxonomy: Taxonomy, gazetteer: Gazetteer, lang: Lang
) -> BoardJob:
    skill = taxonomy.get(job["skills"][0]) if job.get("skills") else None
    place = gazetteer.get(job.get("township", ""))
    place_name = ""
    if place is not None:
        place_name = place.name
        if place.level == "township" and place.county_adcode != market.county_adcode:
            place_name = f"{place.county}{place.name}"
    unit = t(f"unit.{job['wage_unit']}", lang)
    return BoardJob(
        id=job["id"],
        skill=(skill.name_zh if lang == "zh" else skill.name_en) if skill else job["title"],
        icon=skill_icon(ICONS_DIR, skill.id, skill.category) if skill else None,
        wage=t("board.wage", lang, amount=yuan(float(job["wage_yuan"])), unit=unit),
        remaining=int(job["remaining"]),
        place=place_name,
    )


def board_order(job: dict[str, Any]) -> tuple[str, str]:
    """The soonest interview first; among equals, the earliest posted."""
    return (job.get("interview_at", ""), job.get("created_at", ""))


def _ticket_seq(ref: str) -> int:
    """KL1127-012 -> 12: tickets are numbered in booking order within a market day."""
    tail = ref.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0


def board_calls(tickets: list[dict[str, Any]], limit: int = BOARD_CALLS) -> list[BoardCall]:
    """Workers booked for an interview and not yet seen, from the day's last bookings:
    the most recent booking first."""
    calls = [
        BoardCall(
            ticket=t["ref"],
            phone=public_phone(t.get("worker_phone_masked", "")),
            place=t.get("interview_place", ""),
            at=str(t.get("interview_at", ""))[11:16],
        )
        for t in tickets
        if t.get("status") == "booked"
    ]
    calls.sort(key=lambda c: (_ticket_seq(c.ticket), c.ticket), reverse=True)
    return calls[:limit]


def clock_face(now: datetime, lang: Lang) -> dict[str, str]:
    local = now.astimezone(TZ)
    return {
        "iso": local.isoformat(timespec="minutes"),
        "time": local.strftime("%H:%M"),
        "date": t(
            "board.date",
            lang,
            month=local.month,
            day=local.day,
            weekday=t(f"weekday.{local.weekday()}", lang),
        ),
    }


async def _board_context(request: Request, market: Market) -> dict[str, Any]:
    state = get_state(request)
    lang = request_lang(request)
    data = await board_data(request, market.id)
    return {
        "market": market,
        "jobs": [board_job(j, market, state.taxonomy, state.gazetteer, lang) for j in data.jobs],
        "jobs_total": data.open_total,
        "jobs_more": data.more,
        "calls": board_calls(list(data.tickets)),
        "stats": data.stats,
        "clock": clock_face(state.clock.now(), lang),
        "poll_s": BOARD_POLL_S,
        "page_s": BOARD_PAGE_S,
    }


async def board(request: Request) -> Response:
    market = await live_market_or_404(request)
    lang = request.query_params.get("lang")
    if lang in LANGS:
        # A board is set up once with a fixed address: ?lang=en chooses its language
        # through the usual cookie, then the board goes on at its plain address.
        back = request.url_for("board", market=market.id).path
        url = request.url_for("set_lang", lang=lang).include_query_params(next=back)
        return RedirectResponse(f"{url.path}?{url.query}", status_code=303)
    ctx = await _board_context(request, market)
    if is_htmx(request):
        return render(request, "hall/_board.html", ctx)
    return render(request, "hall/board.html", ctx)


routes = [
    Route("/", picker, name="picker"),
    Route("/m/{market}/", home, name="home"),
    Route("/m/{market}/board", board, name="board"),
]
