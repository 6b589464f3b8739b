"""JSON API v1 (``docs/API.md``): the contract for integrations and phones.

Field names are fixed by the contract; new fields may be added, none renamed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kiosk.api.openapi import openapi_document
from kiosk.auth.tokens import Principal, bearer, lookup
from kiosk.http.state import AppState, get_state
from kiosk.web.i18n import message
from kiosk.web.validation import (
    Context,
    InvalidInput,
    parse_checkin,
    parse_job,
    parse_outcome,
    parse_review,
)
from matcher.desk.blocks import Blocked
from matcher.desk.market_settings import Ruled
from matcher.markets import MARKETS, Market
from matcher.specs import CheckinSpec, JobSpec
from matcher.store.records import body_hash, new_id
from matcher.store.scripts import Result, ScriptError
from matcher.text.suggest import parse_entries

JOB_STATUSES = ("open", "filled", "cancelled", "expired", "closed", "review", "rejected")
_IDEM_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
REPLAYED = {"Idempotent-Replayed": "true"}
# A write checked under remembered rules, then (rules changed) under fresh ones, then
# once more if they changed again in between.
_RULED_ATTEMPTS = 3
Spec = TypeVar("Spec", JobSpec, CheckinSpec)
SpecIn = TypeVar("SpecIn", JobSpec, CheckinSpec, contravariant=True)


class RuledWrite(Protocol[SpecIn]):
    """``Store.post_job`` / ``Store.check_in``: a parsed write and the rules' revision."""

    async def __call__(
        self, market: str, spec: SpecIn, *, request_id: str, fingerprint: Any, rules_rev: str = ""
    ) -> Result: ...


_NOT_FOUND = {"no_job", "no_offer", "no_booking", "no_checkin", "no_ticket"}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, key: str, fields: dict[str, str] | None = None, **kw: object
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message(key, **kw)
        self.fields = fields or {}
        # Answered next to "error" (an extension of the contract's error body).
        self.extra: dict[str, Any] = {}


def error_body(code: str, text: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": text}
    if fields is not None:
        err["fields"] = fields
    return {"error": err}


def error_response(status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    """An API error answered by a middleware, before any view: the code and its message
    in both languages (``err.<code>``)."""
    return JSONResponse(
        error_body(code, message(f"err.{code}")),
        status_code=status,
        headers=headers,
        media_type="application/json; charset=utf-8",
    )


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    body = {**error_body(exc.code, exc.message, exc.fields), **exc.extra}
    return JSONResponse(body, status_code=exc.status)


def invalid(exc: InvalidInput) -> ApiError:
    """A 422 with a reason per field; a text that named no skill also gets
    ``"suggestions"``, the closest skills best first (nothing is stored)."""
    fields = {name: message(e.key, **e.params) for name, e in exc.errors.items()}
    error = ApiError(422, "invalid_input", "error.fix_fields", fields)
    if exc.suggestions:
        error.extra["suggestions"] = [s.as_json() for s in exc.suggestions]
    return error


def script_error(exc: ScriptError) -> ApiError:
    code = exc.code
    if isinstance(exc, Blocked):
        # An operator's block, named with its last day.
        return ApiError(403, code, f"err.{code}", until=exc.params["until"])
    status = 404 if code in _NOT_FOUND else 403 if code == "employer_blocked" else 409
    key = f"err.{code}" if not code.startswith("job_") or code == "job_full" else "err.job_closed"
    if code.startswith("offer_") and code not in (
        "offer_expired",
        "offer_declined",
        "offer_withdrawn",
    ):
        key = "err.offer_expired"
    return ApiError(status, code, key)


# -- request plumbing ---------------------------------------------------------------


def _market(request: Request) -> Market:
    market = MARKETS.get(request.path_params.get("market", ""))
    if market is None:
        raise ApiError(404, "no_market", "err.no_market")
    return market


async def _principal(
    request: Request, market: Market, ability: str, under: Ruled | None = None
) -> Principal:
    """The request's token may do ``ability`` in ``market``, or 401 / 403. ``under``:
    the rules the caller's write is checked against; a token already looked up under
    them needs no read (revoking it moves them on)."""
    token = bearer(request)
    state = get_state(request)
    known = under.credentials if under is not None else None
    principal = (
        await lookup(state.store.redis, token, state.settings.api_token, known) if token else None
    )
    if principal is None:
        raise ApiError(401, "unauthorized", "err.auth")
    if not principal.may(ability, market.id):
        raise ApiError(403, "forbidden", "err.forbidden")
    return principal


async def _body(request: Request) -> Any:
    # Its size is already bounded: BodyLimit refuses a larger body before any view.
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid_input", "err.body", {"body": message("err.body")}) from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "err.body", {"body": message("err.body")})
    return body


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEM_RE.match(key):
        raise ApiError(
            422, "invalid_input", "err.invalid", {"Idempotency-Key": message("err.invalid")}
        )
    return "api:" + key


async def _replayed(
    state: AppState, market: str, key: str | None, fingerprint: Any
) -> Response | None:
    """An earlier response for this Idempotency-Key, or a 409 when the body differs."""
    if key is None:
        return None
    raw = await state.store.redis.get(state.store.keys(market).idem(key))
    return _replay_of(raw, fingerprint)


def _replay_of(raw: str | bytes | None, fingerprint: Any) -> Response | None:
    if raw is None:
        return None
    seen = json.loads(raw)
    if seen["hash"] != body_hash(fingerprint):
        raise ApiError(409, "idempotency_conflict", "err.idempotency_conflict")
    return Response(
        seen["response"],
        status_code=int(seen.get("status") or 201),
        media_type="application/json",
        headers=REPLAYED,
    )


async def _remembered(
    request: Request,
    market: str,
    fingerprint: Any,
    run: Callable[[], Awaitable[tuple[int, Any]]],
) -> Response:
    """Run an idempotent-by-nature write, keeping its response under the request's key."""
    state = get_state(request)
    key = _idempotency_key(request)
    replay = await _replayed(state, market, key, fingerprint)
    if replay is not None:
        return replay
    status, payload = await run()
    if key is not None:
        try:
            await state.store.scripts.remember_response(
                state.store.keys(market),
                request_id=key,
                body_hash=body_hash(fingerprint),
                response_json=json.dumps(payload, ensure_ascii=False),
                status=status,
            )
        except ScriptError as exc:
            raise ApiError(409, exc.code, "err.idempotency_conflict") from None
    return JSONResponse(payload, status_code=status)


# -- endpoints ----------------------------------------------------------------------


async def list_markets(request: Request) -> Response:
    # Names and counties as the markets' operators set them.
    book = get_state(request).store.market_settings
    return JSONResponse([(await book.effective(m)).public() for m in MARKETS])


async def _write_under_rules(
    request: Request,
    market: Market,
    ability: str,
    parse: Callable[[Any, Context], Spec],
    write: RuledWrite[Spec],
) -> Response:
    """A post or check-in, checked against the market's rules (its settings: wage
    floor, county; the API tokens that may write to it) as this process last read them.
    The write's script refuses it when the rules have moved on since (``rules_changed``:
    settings changed, a token revoked), and it is checked again under the new ones; a
    repeated key is answered by the script too. So the common case is one round trip,
    and the rules are never stale for a write."""
    state = get_state(request)
    book = state.store.market_settings
    ruled, fresh = await book.remembered(market.id)
    await _principal(request, market, ability, ruled)
    body = await _body(request)
    key = _idempotency_key(request)
    for attempt in range(_RULED_ATTEMPTS):
        try:
            spec = parse(body, state.context(ruled.market))
        except InvalidInput as exc:
            if not fresh:
                ruled, fresh = await book.current(market.id), True
                await _principal(request, market, ability, ruled)
                continue
            # A write accepted before the operators changed the rules is still
            # replayed, not refused by the new ones.
            replay = await _replayed(state, market.id, key, body)
            if replay is not None:
                return replay
            raise invalid(exc) from None
        # The last try, under rules read a moment ago, is not sent back again.
        rev = ruled.rev if attempt < _RULED_ATTEMPTS - 1 else ""
        try:
            result = await write(
                market.id, spec, request_id=key or new_id("once:"), fingerprint=body, rules_rev=rev
            )
        except ScriptError as exc:
            if exc.code == "rules_changed":
                ruled, fresh = await book.current(market.id), True
                await _principal(request, market, ability, ruled)
                continue
            raise script_error(exc) from None
        headers = REPLAYED if result.replay else None
        return JSONResponse(result.value, status_code=201, headers=headers)
    raise AssertionError("unreachable: the last attempt is never sent back")


async def post_job(request: Request) -> Response:
    store = get_state(request).store
    return await _write_under_rules(
        request, _market(request), "post_job", parse_job, store.post_job
    )


async def get_job(request: Request) -> Response:
    market = _market(request)
    job = await get_state(request).store.get_job(market.id, request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "no_job", "err.no_job")
    return JSONResponse(job)


async def list_jobs(request: Request) -> Response:
    market = _market(request)
    status = request.query_params.get("status")
    if status is not None and status not in JOB_STATUSES:
        raise ApiError(422, "invalid_input", "err.invalid", {"status": message("err.invalid")})
    day = request.query_params.get("date")
    if day is not None:
        _parse_date(day, "date")
    jobs = await get_state(request).store.list_jobs(market.id, status=status, day=day)
    return JSONResponse(jobs)


async def cancel_job(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "manage_job")
    job_id = request.path_params["job_id"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            await store.cancel_job(market.id, job_id)
        except ScriptError as exc:
            raise script_error(exc) from None
        return 200, await store.get_job(market.id, job_id)

    return await _remembered(request, market.id, {"cancel": job_id}, run)


async def post_outcome(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "manage_job")
    body = await _body(request)
    try:
        data = parse_outcome(body)
    except InvalidInput as exc:
        raise invalid(exc) from None
    job_id = request.path_params["job_id"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            ticket = await store.record_outcome(
                market.id, job_id, data.worker_id, data.outcome, data.reason
            )
        except ScriptError as exc:
            raise script_error(exc) from None
        return 200, {"ticket": ticket, "job": await store.get_job(market.id, job_id)}

    return await _remembered(request, market.id, {"job": job_id, **body}, run)


async def review_job(request: Request) -> Response:
    """An operator approves or rejects a post that screening held back."""
    market = _market(request)
    principal = await _principal(request, market, "moderate")
    body = await _body(request)
    try:
        data = parse_review(body)
    except InvalidInput as exc:
        raise invalid(exc) from None
    job_id = request.path_params["job_id"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            await store.review_job(
                market.id,
                job_id,
                approve=data.decision == "approve",
                reason=data.reason,
                who=principal.role,
            )
        except ScriptError as exc:
            if exc.code.startswith("job_"):
                raise ApiError(409, exc.code, "err.job_review") from None
            raise script_error(exc) from None
        return 200, await store.get_job(market.id, job_id)

    return await _remembered(request, market.id, {"review": job_id, **body}, run)


async def post_checkin(request: Request) -> Response:
    store = get_state(request).store
    return await _write_under_rules(
        request, _market(request), "check_in", parse_checkin, store.check_in
    )


async def worker_offers(request: Request) -> Response:
    market = _market(request)
    offers = await get_state(request).store.offers_for_worker(
        market.id, request.path_params["worker_id"]
    )
    return JSONResponse(offers)


async def accept_offer(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "answer_offer")
    offer_id = request.path_params["offer_id"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            ticket = await store.accept_offer(market.id, offer_id)
        except ScriptError as exc:
            raise script_error(exc) from None
        return 200, {"ticket": ticket}

    return await _remembered(request, market.id, {"accept": offer_id}, run)


async def decline_offer(request: Request) -> Response:
    market = _market(request)
    await _principal(request, market, "answer_offer")
    offer_id = request.path_params["offer_id"]
    store = get_state(request).store

    async def run() -> tuple[int, Any]:
        try:
            await store.decline_offer(market.id, offer_id)
        except ScriptError as exc:
            raise script_error(exc) from None
        return 200, {"id": offer_id, "status": "declined"}

    return await _remembered(request, market.id, {"decline": offer_id}, run)


def _parse_date(value: str, name: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError(
            422, "invalid_input", "err.invalid", {name: message("err.invalid")}
        ) from None


async def stats(request: Request) -> Response:
    market = _market(request)
    store = get_state(request).store
    day = request.query_params.get("date")
    day = _parse_date(day, "date") if day else store.today()
    return JSONResponse(await store.stats(market.id, day))


async def skills(request: Request) -> Response:
    taxonomy = get_state(request).taxonomy
    return JSONResponse(
        [
            {
                "id": s.id,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "category": s.category,
                "synonyms": list(s.synonyms),
                "pinyin": s.pinyin,
            }
            for s in taxonomy.all()
        ]
    )


async def parse_skills(request: Request) -> Response:
    text = request.query_params.get("text", "")
    if len(text) > 200:
        raise ApiError(
            422,
            "invalid_input",
            "err.too_long",
            {"text": message("err.too_long", max=200)},
            max=200,
        )
    return JSONResponse(parse_entries(get_state(request).taxonomy, text))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


routes = [
    Route("/openapi.json", openapi, name="api_openapi"),
    Route("/markets", list_markets, name="api_markets"),
    Route("/markets/{market}/jobs", post_job, methods=["POST"], name="api_post_job"),
    Route("/markets/{market}/jobs", list_jobs, methods=["GET"], name="api_list_jobs"),
    Route("/markets/{market}/jobs/{job_id}", get_job, name="api_job"),
    Route(
        "/markets/{market}/jobs/{job_id}/cancel", cancel_job, methods=["POST"], name="api_cancel"
    ),
    Route(
        "/markets/{market}/jobs/{job_id}/outcomes",
        post_outcome,
        methods=["POST"],
        name="api_outcome",
    ),
    Route(
        "/markets/{market}/jobs/{job_id}/review", review_job, methods=["POST"], name="api_review"
    ),
    Route("/markets/{market}/checkins", post_checkin, methods=["POST"], name="api_checkin"),
    Route("/markets/{market}/workers/{worker_id}/offers", worker_offers, name="api_worker_offers"),
    Route(
        "/markets/{market}/offers/{offer_id}/accept",
        accept_offer,
        methods=["POST"],
        name="api_accept",
    ),
    Route(
        "/markets/{market}/offers/{offer_id}/decline",
        decline_offer,
        methods=["POST"],
        name="api_decline",
    ),
    Route("/markets/{market}/stats", stats, name="api_stats"),
    Route("/skills", skills, name="api_skills"),
    Route("/skills/parse", parse_skills, name="api_skills_parse"),
]
