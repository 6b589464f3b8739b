"""JSON API for what happens after the interview: pay confirmation and wage arrears,
the worker's confirmation or dispute, ratings and blocks (issue: fair posts and
protected workers). Operators read the arrears and dispute queues here too."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.api.endpoints import (
    ApiError,
    _body,
    _market,
    _principal,
    _remembered,
    invalid,
    script_error,
)
from kiosk.http.state import get_state
from kiosk.web.validation import AnswerIn, InvalidInput, PayIn, RatingIn, parse_model
from matcher.store.facade import Store
from matcher.store.scripts import ScriptError

_M = TypeVar("_M", PayIn, AnswerIn, RatingIn)

ARREARS_COLUMNS = (
    "id",
    "status",
    "employer_name",
    "employer_phone_masked",
    "place",
    "work",
    "day",
    "start_at",
    "end_at",
    "agreed_yuan",
    "paid_yuan",
    "worker_phone_masked",
    "ticket",
)


def _errors(exc: ScriptError) -> ApiError:
    if exc.code == "no_ticket":
        return ApiError(404, "no_ticket", "err.no_ticket")
    if exc.code == "not_hired":
        return ApiError(409, "not_hired", "err.not_hired")
    return script_error(exc)


async def _ticket_write(
    request: Request,
    model: type[_M],
    ability: Callable[[_M], str],
    act: Callable[[Store, str, str, _M], Awaitable[dict[str, Any]]],
) -> Response:
    """Validate the body, check the token may do it, run it once per Idempotency-Key."""
    market = _market(request)
    body = await _body(request)
    try:
        data = parse_model(model, body)
    except InvalidInput as exc:
        raise invalid(exc) from None
    await _principal(request, market, ability(data))
    ref = request.path_params["ref"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            ticket = await act(store, market.id, ref, data)
        except ScriptError as exc:
            raise _errors(exc) from None
        return 200, {"ticket": ticket}

    return await _remembered(request, market.id, {request.url.path: ref, **body}, run)


async def report_pay(request: Request) -> Response:
    return await _ticket_write(
        request,
        PayIn,
        lambda _d: "answer_offer",
        lambda store, m, ref, d: store.report_pay(m, ref, paid=d.paid, paid_yuan=d.paid_yuan),
    )


async def worker_answer(request: Request) -> Response:
    return await _ticket_write(
        request,
        AnswerIn,
        lambda _d: "answer_offer",
        lambda store, m, ref, d: store.worker_answer(m, ref, answer=d.answer, reason=d.reason),
    )


async def rate(request: Request) -> Response:
    return await _ticket_write(
        request,
        RatingIn,
        # Each side rates the other: workers through kiosks, employers with their token.
        lambda d: "answer_offer" if d.by == "worker" else "manage_job",
        lambda store, m, ref, d: store.rate(
            m, ref, by=d.by, thumbs=d.thumbs, reason=d.reason, block=d.block
        ),
    )


async def arrears(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "moderate")
    records = await get_state(request).store.arrears(
        market.id, open_only=request.query_params.get("all") != "1"
    )
    if request.url.path.endswith(".csv"):
        return arrears_csv(market.id, records)
    return JSONResponse(records)


def arrears_csv(market: str, records: list[dict[str, Any]]) -> Response:
    """The arrears records as the national complaint channel asks for them (the API's
    export and the operators' page share it)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ARREARS_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(records)
    # A BOM so that the spreadsheet programs operators use read the Chinese right.
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="arrears-{market}.csv"'},
    )


async def disputes(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "moderate")
    return JSONResponse(await get_state(request).store.disputes(market.id))


routes = [
    Route("/markets/{market}/tickets/{ref}/pay", report_pay, methods=["POST"], name="api_pay"),
    Route(
        "/markets/{market}/tickets/{ref}/answer", worker_answer, methods=["POST"], name="api_answer"
    ),
    Route("/markets/{market}/tickets/{ref}/rating", rate, methods=["POST"], name="api_rating"),
    Route("/markets/{market}/arrears", arrears, name="api_arrears"),
    Route("/markets/{market}/arrears.csv", arrears, name="api_arrears_csv"),
    Route("/markets/{market}/disputes", disputes, name="api_disputes"),
]
