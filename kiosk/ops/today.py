"""The operators' live view of today: one market's page, updated over Server-Sent Events
(with a slow poll as a fallback), and the prefecture's view of every market the
operator may see, side by side.

The figures come from ``matcher.matching.funnel``; this module turns them into what the
templates lay out (names, minutes, bar geometry of the funnel chart, masked phones)
and pushes each swappable region as its own event when, and only when, it changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.auth.operators import Operator, require_operator
from kiosk.http import sse
from kiosk.http.htmx import is_htmx, version
from kiosk.http.state import AppState, get_state
from kiosk.web.i18n import Lang
from kiosk.web.render import market_or_404, render
from kiosk.web.templating import request_lang, templates
from matcher.clock import TZ, from_ms
from matcher.markets import Market
from matcher.matching.funnel import (
    FUNNEL_STAGES,
    RECOMMENDATIONS_GOAL,
    STALE_JOB_MIN,
    MarketToday,
    Stage,
    market_today,
)
from matcher.store.records import mask_phone

# The regions of a market's page, each its own ``_partial.html`` and its own event.
REGIONS = ("funnel", "jobs", "workers", "skills")
# The fallback poll when the event stream cannot be held open (a proxy that buffers).
POLL_S = 30
# The prefecture's view polls: one stream per market would hold a connection each.
PREFECTURE_POLL_S = 5
# Skills named as short on a market's card in the prefecture's view.
SHORT_SKILLS_SHOWN = 3
# The vendored htmx SSE extension (npm htmx-ext-sse; the version is in the name).
SSE_JS = "htmx-ext-sse-2.2.4.min.js"


# Geometry of the funnel chart (SVG user units; the chart scales to its box): the
# stage's name on the left, its bar, the count and share of the previous stage after it.
@dataclass(frozen=True, slots=True)
class ChartSize:
    width: int
    label_w: int  # the names' column
    value_w: int  # room after the longest bar for "12 · 75%"


CHART = ChartSize(640, 210, 130)
# A market's card in the prefecture's view draws the same chart narrower.
CARD_CHART = ChartSize(360, 130, 40)
BAR_H = 40
BAR_GAP = 10
LABEL_PAD = 10


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    count: int
    share: str  # "75%" of the previous stage, or ""
    x: float
    y: float
    width: float
    text_y: float  # the baseline middle of the bar's row
    label_x: float  # the name ends here
    value_x: float  # the count starts here


def funnel_bars(funnel: tuple[Stage, ...], size: ChartSize = CHART) -> list[Bar]:
    """One bar per stage from a common left edge, each as long as its count against the
    largest stage (the first, unless a worker was booked twice in a day)."""
    top = max((s.count for s in funnel), default=0)
    room = size.width - size.label_w - size.value_w
    bars = []
    for i, stage in enumerate(funnel):
        # An empty stage still shows as a hairline: the row is there, with nobody in it.
        w = max(room * stage.count / top if top else 0.0, 2.0)
        y = i * (BAR_H + BAR_GAP)
        share = "" if stage.of_previous is None else f"{stage.of_previous * 100:.0f}%"
        bars.append(
            Bar(
                key=stage.key,
                count=stage.count,
                share=share,
                x=size.label_w,
                y=y,
                width=round(w, 1),
                text_y=y + BAR_H / 2,
                label_x=size.label_w - LABEL_PAD,
                value_x=round(size.label_w + w + LABEL_PAD, 1),
            )
        )
    return bars


def chart_height(n: int) -> int:
    return n * BAR_H + (n - 1) * BAR_GAP if n else 0


def minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".removesuffix(".0")


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def public_phone(phone: str) -> str:
    return phone if "*" in phone or not phone else mask_phone(phone)


def _skill_name(state: AppState, skill: str, lang: Lang) -> str:
    found = state.taxonomy.get(skill) if skill else None
    if found is None:
        return skill
    return found.name_zh if lang == "zh" else found.name_en


def _updated(today: MarketToday) -> str:
    return from_ms(today.now_ms).astimezone(TZ).strftime("%H:%M:%S")


def market_context(
    state: AppState, market: Market, today: MarketToday, lang: Lang
) -> dict[str, Any]:
    """What every region of a market's page shows."""

    def name(skill: str) -> str:
        return _skill_name(state, skill, lang)

    return {
        "market": market,
        "today": today,
        "bars": funnel_bars(today.funnel),
        "chart_w": CHART.width,
        "chart_h": chart_height(len(today.funnel)),
        "bar_h": BAR_H,
        "fill_rate": percent(today.fill_rate),
        "to_first_booking": minutes(today.median_minutes_to_first_booking),
        "to_fill": minutes(today.median_minutes_to_fill),
        "updated": _updated(today),
        "skill_name": name,
        "phone": public_phone,
        "stale_min": STALE_JOB_MIN,
        "goal": RECOMMENDATIONS_GOAL,
    }


def _render_region(request: Request, region: str, ctx: dict[str, Any]) -> str:
    response = templates.TemplateResponse(request, f"ops/_{region}.html", ctx)
    return bytes(response.body).decode()


def region_versions(ctx: dict[str, Any]) -> dict[str, str]:
    """A digest of what each region shows; an unchanged region is not pushed again."""
    today: MarketToday = ctx["today"]
    return {
        "funnel": version(
            today.funnel, today.losses, today.fill_rate, ctx["to_fill"], ctx["to_first_booking"]
        ),
        "jobs": version(today.open_jobs, today.open_jobs_total, today.stale_jobs),
        "workers": version(
            today.waiting, today.waiting_no_offer, today.short_of_goal, today.looking
        ),
        "skills": version(today.skills),
    }


async def _market_ctx(request: Request, op: Operator, market: Market) -> dict[str, Any]:
    state = get_state(request)
    today = await market_today(state.store, market.id)
    ctx = market_context(state, market, today, request_lang(request))
    ctx.update(op=op, ops_market=market)
    return ctx


# -- views ----------------------------------------------------------------------------------


async def market_page(request: Request) -> Response:
    market = market_or_404(request)
    op = await require_operator(request, market.id)
    ctx = await _market_ctx(request, op, market)
    ctx.update(poll_s=POLL_S)
    if is_htmx(request):
        # The fallback poll: every region at once.
        return render(request, "ops/_live.html", ctx)
    return render(request, "ops/market.html", ctx)


async def stream(request: Request) -> Response:
    market = market_or_404(request)
    op = await require_operator(request, market.id)
    state = get_state(request)
    closing = sse.streams_of(request.app).closing
    key = state.store.keys(market.id).events

    async def body() -> AsyncIterator[str]:
        yield sse.retry()
        sent: dict[str, str] = {}

        async def push() -> AsyncIterator[str]:
            ctx = await _market_ctx(request, op, market)
            for region, digest in region_versions(ctx).items():
                if sent.get(region) != digest:
                    sent[region] = digest
                    yield sse.event(region, _render_region(request, region, ctx))

        async for chunk in push():
            yield chunk
        async for changed in sse.changes(state.store.redis, key, closing):
            if not changed:
                yield sse.comment("heartbeat")
                continue
            await asyncio.sleep(sse.COALESCE_S)
            async for chunk in push():
                yield chunk

    return sse.response(body())


@dataclass(frozen=True, slots=True)
class MarketCard:
    market: Market
    today: MarketToday
    bars: list[Bar]
    short_skills: list[str]


async def prefecture(request: Request) -> Response:
    op = await require_operator(request)
    state = get_state(request)
    lang = request_lang(request)
    seen = op.markets_seen()
    todays = await asyncio.gather(*(market_today(state.store, m.id) for m in seen))
    cards = [
        MarketCard(
            m,
            today,
            funnel_bars(today.funnel, CARD_CHART),
            [_skill_name(state, s, lang) for s in today.short_skills[:SHORT_SKILLS_SHOWN]],
        )
        for m, today in zip(seen, todays, strict=True)
    ]
    totals: dict[str, int] = {}
    for today in todays:
        for key, n in today.counts.items():
            totals[key] = totals.get(key, 0) + n
    headcount = totals.get("headcount_posted", 0)
    ctx = {
        "op": op,
        "cards": cards,
        "totals": totals,
        "total_fill_rate": percent(totals.get("hired", 0) / headcount if headcount else 0.0),
        "day": state.store.today(),
        "updated": state.clock.now().astimezone(TZ).strftime("%H:%M:%S"),
        "chart_w": CARD_CHART.width,
        "chart_h": chart_height(len(FUNNEL_STAGES)),
        "bar_h": BAR_H,
        "percent": percent,
        "minutes": minutes,
        "poll_s": PREFECTURE_POLL_S,
    }
    if is_htmx(request):
        return render(request, "ops/_prefecture.html", ctx)
    return render(request, "ops/today.html", ctx)


templates.env.globals["sse_js"] = SSE_JS

routes = [
    Route("/ops/", prefecture, name="ops"),
    Route("/ops/m/{market}/", market_page, name="ops_market"),
    Route("/ops/m/{market}/stream", stream, name="ops_stream"),
]
