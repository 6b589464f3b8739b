"""Pages of the hall: the market picker, a market's kiosk home, the hall board, and
the operators' overview of today's counts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.htmx import is_htmx
from kiosk.pages import market_or_404, render
from kiosk.state import get_state
from matcher.markets import MARKETS, Market

BOARD_CALLS = 8


async def picker(request: Request) -> Response:
    return render(request, "picker.html", {"markets": list(MARKETS.values())})


async def home(request: Request) -> Response:
    market = market_or_404(request)
    store = get_state(request).store
    stats = await store.stats(market.id, store.today())
    jobs = await store.list_jobs(market.id, status="open")
    return render(request, "home.html", {"market": market, "stats": stats, "open_jobs": len(jobs)})


async def _board_context(request: Request, market: Market) -> dict[str, Any]:
    state = get_state(request)
    store = state.store
    jobs = await store.list_jobs(market.id, status="open")
    booked = [j for j in await store.list_jobs(market.id) if j["bookings"]]
    calls = []
    for job in booked:
        for b in job["bookings"]:
            if b["status"] == "booked":
                calls.append(
                    {
                        "phone": b["worker_phone_masked"],
                        "place": job["interview_place"],
                        "at": job["interview_at"][11:16],
                        "ticket": b["ticket"],
                    }
                )
    calls.sort(key=lambda c: (c["at"], c["ticket"]))
    return {
        "market": market,
        "jobs": jobs,
        "calls": calls[:BOARD_CALLS],
        "stats": await store.stats(market.id, store.today()),
        "taxonomy": state.taxonomy,
        "gazetteer": state.gazetteer,
    }


async def board(request: Request) -> Response:
    market = market_or_404(request)
    ctx = await _board_context(request, market)
    if is_htmx(request):
        return render(request, "_board.html", ctx)
    return render(request, "board.html", ctx)


async def ops(request: Request) -> Response:
    store = get_state(request).store
    day = store.today()
    rows = [(m, await store.stats(m.id, day)) for m in MARKETS.values()]
    totals: dict[str, float] = {
        k: sum(int(s[k]) for _, s in rows)
        for k in (
            "jobs_posted",
            "headcount_posted",
            "checkins",
            "offers",
            "bookings",
            "hired",
            "no_shows",
        )
    }
    totals["fill_rate"] = (
        round(totals["hired"] / totals["headcount_posted"], 4)
        if totals["headcount_posted"]
        else 0.0
    )
    ctx = {"rows": rows, "day": day, "totals": totals}
    if is_htmx(request):
        return render(request, "_ops_counts.html", ctx)
    return render(request, "ops.html", ctx)


routes = [
    Route("/", picker, name="picker"),
    Route("/m/{market}/", home, name="home"),
    Route("/m/{market}/board", board, name="board"),
    Route("/ops/", ops, name="ops"),
]
