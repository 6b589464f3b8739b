"""After the work, at the kiosk (issue 6): one question per screen about earlier
tickets, before a returning worker checks in again, or from a ticket's own link
("工钱没拿到?").

Screens: pay ("工钱拿到了吗?" 拿到 / 没拿到 / 部分) → paid (how much, on steppers) →
rate (好 / 不好) → rate_why (reason tiles) → block ("不再和这个老板配对?"); or, after a
no-show, noshow ("老板说您没来 — 对吗?" 我去了 / 我有事) → went (what happened: a
dispute) or why (生病 / 家里有事 / 找不到地方 / 其他: an explanation). Every answer is
written at once through the store (one Lua script each), so nothing is lost if the
worker walks away; then the next ticket, then back to where the worker came from.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.http.state import get_state
from kiosk.web.choices import parse_delta, step_value
from kiosk.web.flow.answers import Answers
from kiosk.web.flow.steps import FlowDef, screen
from kiosk.web.render import market_or_404, render
from matcher.desk.after_work import Question, question_for, questions_for
from matcher.markets import Market
from matcher.store.scripts import ScriptError

PAID = ("yes", "no", "partial")
RATE_REASONS = ("pay", "work", "manner", "unsafe", "other")
WENT_REASONS = ("boss_absent", "no_job", "not_as_posted", "other")
BUSY_REASONS = ("sick", "family", "lost", "other")
PAID_STEPS = ((10, 10), (50, 50))


@dataclass
class AfterAnswers(Answers):
    kind: ClassVar[str] = "after"

    worker_id: str = ""
    # Tickets still to ask about, the current one first.
    refs: list[str] = field(default_factory=list)
    # Where to go when all is asked ("" : the thank-you screen).
    then: str = ""
    paid: int = 0
    thumbs: str = ""
    why: str = ""
    answered: int = 0


async def _entry(request: Request, market: Market, answers: Any) -> str:
    # This flow starts from a worker's phone screen or a ticket, never its own.
    return "ask"


FLOW = FlowDef(
    kind="after",
    answers=AfterAnswers,
    step_route="after_step",
    start_route="after_step",
    # No progress is shown (see _show); the order only serves the shared machinery.
    progress=(
        "ask",
        "pay",
        "paid",
        "rate",
        "rate_why",
        "block",
        "noshow",
        "unmarked",
        "went",
        "why",
    ),
    after_phone=_entry,
)


def begin(request: Request, market: Market, worker_id: str, refs: list[str], then: str) -> str:
    """Start asking about ``refs``; returns the first screen's URL."""
    answers = AfterAnswers.begin(request, market.id)
    answers.worker_id, answers.refs, answers.then = worker_id, refs, then
    answers.save(request, market.id)
    return FLOW.url(request, market, "ask")


def _day_params(ticket: dict[str, Any], today: str) -> dict[str, str] | None:
    """None for today, else the month and day to name it by."""
    day = str(ticket.get("day", ""))
    if day == today:
        return None
    try:
        d = date.fromisoformat(day)
    except ValueError:
        return None
    return {"month": str(d.month), "day": str(d.day)}


async def _current(request: Request, market: Market, answers: AfterAnswers) -> Question | None:
    """The question about the ticket at the head of the list, dropping tickets that
    need nothing (answered meanwhile) or are not this worker's."""
    store = get_state(request).store
    while answers.refs:
        ticket = await store.get_ticket(market.id, answers.refs[0])
        if ticket is not None and ticket.get("worker_id") == answers.worker_id:
            q = question_for(ticket, store.clock.now())
            if q is not None:
                return q
        answers.refs.pop(0)
    return None


def _next_ticket(request: Request, market: Market, answers: AfterAnswers) -> Response:
    if answers.refs:
        answers.refs.pop(0)
    answers.paid, answers.thumbs, answers.why = 0, "", ""
    answers.save(request, market.id)
    return FLOW.go(request, market, "ask")


async def _ticket(request: Request, market: Market, answers: AfterAnswers) -> dict[str, Any] | None:
    if not answers.refs:
        return None
    ticket = await get_state(request).store.get_ticket(market.id, answers.refs[0])
    if ticket is None or ticket.get("worker_id") != answers.worker_id:
        return None
    return ticket


def _show(
    request: Request,
    market: Market,
    answers: AfterAnswers,
    step: str,
    template: str,
    ticket: dict[str, Any],
    **extra: Any,
) -> Response:
    today = get_state(request).store.today()
    return screen(
        request,
        FLOW,
        market,
        answers,
        step,
        template,
        ticket=ticket,
        on_day=_day_params(ticket, today),
        # Every answer is already written: there is no going back, and no progress
        # dots (how many questions depends on the answers).
        back_url=None,
        progress_at=None,
        **extra,
    )


async def _form_value(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    form = await request.form()
    value = form.get(name)
    return value if isinstance(value, str) and value in allowed else None


async def _skip(request: Request) -> bool:
    return (await request.form()).get("go") == "later"


def _failed(request: Request, market: Market, answers: AfterAnswers, exc: ScriptError) -> Response:
    # Answered meanwhile (another kiosk, the API): nothing more to ask about it.
    if exc.code in ("answered", "not_hired", "not_no_show", "not_booked", "no_ticket"):
        return _next_ticket(request, market, answers)
    answers.fail(f"err.{exc.code}")
    answers.save(request, market.id)
    return FLOW.go(request, market, "ask")


async def _kept(
    request: Request,
    market: Market,
    answers: AfterAnswers,
    write: Awaitable[object],
    then: str | None = None,
) -> Response:
    """Keep one answer in the store, then on to ``then`` (default: the next ticket's
    question); an answer the store turns down is said why, or skipped if settled."""
    try:
        await write
    except ScriptError as exc:
        return _failed(request, market, answers, exc)
    answers.answered += 1
    if then is None:
        return _next_ticket(request, market, answers)
    answers.save(request, market.id)
    return FLOW.go(request, market, then)


# -- the screens ----------------------------------------------------------------------


async def ask_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    q = await _current(request, market, answers)
    answers.save(request, market.id)
    if q is not None:
        return FLOW.go(request, market, q.ask)
    then = answers.then
    if then:
        AfterAnswers.discard(request, market.id)
        return RedirectResponse(then, status_code=303)
    return FLOW.go(request, market, "done")


async def pay_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    q = await _current(request, market, answers)
    if q is None or q.ask != "pay":
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        if await _skip(request):
            return _next_ticket(request, market, answers)
        paid = await _form_value(request, "paid", PAID)
        if paid is None:
            return FLOW.go(request, market, "pay")
        if paid == "partial":
            return FLOW.go(request, market, "paid")
        return await _kept(
            request,
            market,
            answers,
            get_state(request).store.report_pay(market.id, q.ticket["ref"], paid=paid),
            then="rate",
        )
    return _show(request, market, answers, "pay", "aftercare/pay.html", q.ticket, choices=PAID)


def _agreed(ticket: dict[str, Any]) -> int:
    try:
        wage = float(ticket.get("wage_yuan") or 0)
    except (TypeError, ValueError):
        wage = 0.0
    return max(10, int(wage)) if ticket.get("wage_unit") == "day" else 2000


async def paid_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    q = await _current(request, market, answers)
    if q is None or q.ask != "pay":
        return FLOW.go(request, market, "ask")
    high = _agreed(q.ticket)
    if request.method == "POST":
        form = await request.form()
        raw = form.get("paid_yuan")
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            # Junk or a non-finite number keeps the last amount.
            answers.paid = int(step_value(int(float(str(raw))), 0, 0, high))
        delta = form.get("delta")
        if isinstance(delta, str):
            # The stepper without script: each −/+ comes back here.
            _, amount = parse_delta(delta)
            answers.paid = int(step_value(answers.paid, amount, 0, high))
            answers.save(request, market.id)
            return FLOW.go(request, market, "paid")
        return await _kept(
            request,
            market,
            answers,
            get_state(request).store.report_pay(
                market.id, q.ticket["ref"], paid="partial", paid_yuan=answers.paid
            ),
            then="rate",
        )
    return _show(
        request,
        market,
        answers,
        "paid",
        "aftercare/paid.html",
        q.ticket,
        high=high,
        deltas=PAID_STEPS,
    )


async def rate_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    ticket = await _ticket(request, market, answers)
    if ticket is None or ticket.get("status") != "hired" or "worker" in ticket.get("ratings", {}):
        return _next_ticket(request, market, answers)
    if request.method == "POST":
        if await _skip(request):
            return _next_ticket(request, market, answers)
        thumbs = await _form_value(request, "thumbs", ("up", "down"))
        if thumbs == "up":
            try:
                await get_state(request).store.rate(
                    market.id, ticket["ref"], by="worker", thumbs="up", reason="", block=False
                )
            except ScriptError as exc:
                return _failed(request, market, answers, exc)
            return _next_ticket(request, market, answers)
        if thumbs == "down":
            answers.thumbs = "down"
            answers.save(request, market.id)
            return FLOW.go(request, market, "rate_why")
        return FLOW.go(request, market, "rate")
    return _show(request, market, answers, "rate", "aftercare/rate.html", ticket)


async def rate_why_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    ticket = await _ticket(request, market, answers)
    if ticket is None or answers.thumbs != "down":
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        why = await _form_value(request, "why", RATE_REASONS)
        if why is None:
            return FLOW.go(request, market, "rate_why")
        answers.why = why
        answers.save(request, market.id)
        return FLOW.go(request, market, "block")
    return _show(
        request,
        market,
        answers,
        "rate_why",
        "aftercare/rate_why.html",
        ticket,
        reasons=RATE_REASONS,
    )


async def block_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    ticket = await _ticket(request, market, answers)
    if ticket is None or answers.thumbs != "down":
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        block = await _form_value(request, "block", ("yes", "no"))
        if block is None:
            return FLOW.go(request, market, "block")
        return await _kept(
            request,
            market,
            answers,
            get_state(request).store.rate(
                market.id,
                ticket["ref"],
                by="worker",
                thumbs="down",
                reason=answers.why,
                block=block == "yes",
            ),
        )
    return _show(request, market, answers, "block", "aftercare/block.html", ticket)


async def noshow_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    q = await _current(request, market, answers)
    if q is None or q.ask != "noshow":
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        if await _skip(request):
            return _next_ticket(request, market, answers)
        went = await _form_value(request, "went", ("yes", "no"))
        if went is None:
            return FLOW.go(request, market, "noshow")
        return FLOW.go(request, market, "went" if went == "yes" else "why")
    return _show(request, market, answers, "noshow", "aftercare/noshow.html", q.ticket)


async def unmarked_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    q = await _current(request, market, answers)
    if q is None or q.ask != "unmarked":
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        if await _skip(request):
            return _next_ticket(request, market, answers)
        how = await _form_value(request, "how", ("attended", "trouble", "busy"))
        if how is None:
            return FLOW.go(request, market, "unmarked")
        if how == "trouble":
            return FLOW.go(request, market, "went")
        if how == "busy":
            return FLOW.go(request, market, "why")
        return await _kept(
            request,
            market,
            answers,
            get_state(request).store.worker_answer(
                market.id, q.ticket["ref"], answer="attended", reason=""
            ),
        )
    return _show(request, market, answers, "unmarked", "aftercare/unmarked.html", q.ticket)


async def _answer_step(
    request: Request,
    market: Market,
    answers: AfterAnswers,
    step: str,
    answer: str,
    reasons: tuple[str, ...],
) -> Response:
    q = await _current(request, market, answers)
    # After a no-show, or about an interview the employer never marked.
    if q is None or q.ask not in ("noshow", "unmarked"):
        return FLOW.go(request, market, "ask")
    if request.method == "POST":
        reason = await _form_value(request, "reason", reasons)
        if reason is None:
            return FLOW.go(request, market, step)
        return await _kept(
            request,
            market,
            answers,
            get_state(request).store.worker_answer(
                market.id, q.ticket["ref"], answer=answer, reason=reason
            ),
        )
    return _show(
        request,
        market,
        answers,
        step,
        "aftercare/reasons.html",
        q.ticket,
        reasons=reasons,
        prefix=f"after.{step}",
    )


async def went_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    return await _answer_step(request, market, answers, "went", "dispute", WENT_REASONS)


async def why_step(request: Request, market: Market, answers: AfterAnswers) -> Response:
    return await _answer_step(request, market, answers, "why", "explain", BUSY_REASONS)


STEPS = {
    "ask": ask_step,
    "pay": pay_step,
    "paid": paid_step,
    "rate": rate_step,
    "rate_why": rate_why_step,
    "block": block_step,
    "noshow": noshow_step,
    "unmarked": unmarked_step,
    "went": went_step,
    "why": why_step,
}


async def step(request: Request) -> Response:
    market = market_or_404(request)
    name = request.path_params["step"]
    answers = AfterAnswers.load(request, market.id)
    if name == "done":
        # The thank-you screen of a ticket's link; it needs no answers.
        answered = answers.answered if answers else 0
        AfterAnswers.discard(request, market.id)
        return render(
            request,
            "aftercare/done.html",
            {"market": market, "answered": answered, "kind": "after"},
        )
    handler = STEPS.get(name)
    if handler is None:
        raise HTTPException(404)
    if answers is None or not answers.worker_id:
        # Reset at the kiosk, or never started: the way in is the worker's phone.
        return RedirectResponse(request.url_for("worker_checkin", market=market.id).path, 303)
    return await handler(request, market, answers)


async def from_ticket(request: Request) -> Response:
    """A ticket's "工钱没拿到?" link (on the screen and behind the slip's QR code): the
    same questions, for that ticket, to whoever holds the ticket's key."""
    market = market_or_404(request)
    state = get_state(request)
    ticket = await state.store.get_ticket(market.id, request.path_params["ref"])
    if ticket is None:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    holder = request.session.get(f"worker:{market.id}") == ticket["worker_id"]
    if not holder and request.query_params.get("k") != ticket["offer_id"]:
        return render(request, "error.html", {"message_key": "error.not_found"}, 404)
    url = begin(request, market, str(ticket["worker_id"]), [str(ticket["ref"])], "")
    return RedirectResponse(url, status_code=303)


async def due_refs(request: Request, market: Market, worker_id: str) -> list[str]:
    """Tickets with a question for this worker now (the check-in asks them first)."""
    store = get_state(request).store
    return [q.ticket["ref"] for q in await questions_for(store, market.id, worker_id)]


routes = [
    Route("/m/{market}/after/{step}", step, methods=["GET", "POST"], name="after_step"),
    Route("/m/{market}/tickets/{ref}/after", from_ticket, name="ticket_after"),
]
