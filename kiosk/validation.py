"""Turning people's input (API JSON or form fields) into validated specs.

Both the JSON API and the kiosk forms go through here, so a bad phone number gets the
same plain message everywhere. Errors are collected per field: ``{"field": key}``
with catalog keys that ``kiosk.i18n`` renders in either language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from matcher.clock import TZ, Clock, day_end, local_day
from matcher.markets import Market
from matcher.places import Gazetteer
from matcher.screening import day_floor, hourly_floor, screen
from matcher.skills import Taxonomy
from matcher.specs import CheckinSpec, JobSpec
from matcher.suggest import Suggestion, suggest

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Control characters (except tab/newline in long text) never belong in a posting; they
# can hide text from a reviewer or break a thermal printer.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
WAGE_MAX = {"day": 3000.0, "hour": 300.0, "piece": 10000.0}
PAST_TOLERANCE = timedelta(minutes=5)


def clean_text(value: str) -> str:
    return _CONTROL_RE.sub("", unicodedata.normalize("NFKC", value)).strip()


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


@dataclass(frozen=True, slots=True)
class FieldError:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class InvalidInput(Exception):
    """``errors``: field name → what is wrong with it. ``suggestions``: when a text named
    no known skill (``err.no_skill``), the skills it probably meant, best first, so the
    refusal is not a dead end (``matcher.suggest``); nothing is stored for them."""

    def __init__(
        self, errors: dict[str, FieldError], suggestions: tuple[Suggestion, ...] = ()
    ) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors
        self.suggestions = suggestions


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_M = TypeVar("_M", bound=_Strict)


class JobIn(_Strict):
    title: str = Field(min_length=1, max_length=60, description="what the work is, one line")
    description: str = Field(default="", max_length=500)
    skills: list[str] | None = Field(default=None, max_length=5, description="skill ids")
    headcount: int = Field(ge=1, le=50)
    wage_yuan: float = Field(gt=0)
    wage_unit: Literal["day", "hour", "piece"] = "day"
    township: str = Field(min_length=1, max_length=40, description="adcode or place name")
    start_at: AwareDatetime
    end_at: AwareDatetime | None = None
    interview_at: AwareDatetime | None = None
    interview_place: str = Field(default="", max_length=40)
    employer_name: str = Field(min_length=1, max_length=20)
    employer_phone: str = Field(max_length=20)
    meals: bool = False
    transport: bool = False
    tools: bool = False


class CheckinIn(_Strict):
    phone: str = Field(max_length=20)
    name: str = Field(default="", max_length=20)
    skills: list[str] | None = Field(default=None, max_length=8)
    skills_text: str = Field(default="", max_length=100)
    township: str | None = Field(default=None, max_length=40)
    reach: Literal["township", "county", "prefecture"] = "county"
    min_wage_yuan: float = Field(default=0, ge=0, le=2000)
    available_until: AwareDatetime | None = None
    priority_groups: list[
        Literal["long_waiting", "low_income", "disabled", "older", "relocated", "veteran"]
    ] = Field(default_factory=list, max_length=6)
    priority_consent: bool = False


class OutcomeIn(_Strict):
    worker_id: str = Field(min_length=1, max_length=40)
    outcome: Literal["hired", "not_hired", "no_show"]
    reason: str = Field(default="", max_length=200)


_NUMERIC_KEYS = {
    "headcount": "err.headcount",
    "wage_yuan": "err.wage",
    "min_wage_yuan": "err.min_wage",
}


def _pydantic_errors(exc: ValidationError) -> dict[str, FieldError]:
    out: dict[str, FieldError] = {}
    for e in exc.errors():
        name = str(e["loc"][0]) if e["loc"] else "body"
        if name in out:
            continue
        kind, ctx = e["type"], e.get("ctx") or {}
        if kind == "missing":
            out[name] = FieldError("err.required")
        elif kind == "extra_forbidden":
            out[name] = FieldError("err.unknown_field")
        elif kind == "string_too_short":
            out[name] = FieldError("err.required")
        elif kind == "string_too_long":
            out[name] = FieldError("err.too_long", {"max": ctx.get("max_length")})
        elif kind == "too_long":
            out[name] = FieldError("err.too_many", {"max": ctx.get("max_length")})
        elif name == "wage_yuan":
            out[name] = FieldError("err.wage", {"max": 3000})
        elif name in _NUMERIC_KEYS:
            out[name] = FieldError(_NUMERIC_KEYS[name])
        elif kind.startswith(("datetime", "timezone")):
            out[name] = FieldError("err.time_format")
        elif kind == "literal_error":
            out[name] = FieldError("err.choice", {"choices": ctx.get("expected", "")})
        elif kind.startswith(("int", "float")):
            out[name] = FieldError("err.number")
        else:
            out[name] = FieldError("err.invalid")
    return out


def _with_phone_check(
    errors: dict[str, FieldError], body: dict[str, Any], name: str
) -> dict[str, FieldError]:
    """Show a bad phone number together with the other mistakes, not one round later."""
    value = body.get(name)
    if name not in errors and isinstance(value, str) and not PHONE_RE.match(normalise_phone(value)):
        errors[name] = FieldError("err.phone")
    return errors


@dataclass(frozen=True, slots=True)
class Context:
    clock: Clock
    market: Market
    taxonomy: Taxonomy
    gazetteer: Gazetteer


def _resolve_place(
    value: str, ctx: Context, errors: dict[str, FieldError], name: str
) -> tuple[str, str]:
    place = ctx.gazetteer.resolve(value, county_hint=ctx.market.county_adcode)
    if place is None or place.level == "prefecture":
        errors[name] = FieldError("err.unknown_place", {"value": value})
        return "", ""
    return place.adcode, place.county_adcode


def _check_skills(
    ids: list[str] | None, text: str, ctx: Context, errors: dict[str, FieldError], name: str
) -> tuple[str, ...]:
    if ids:
        unknown = [s for s in ids if s not in ctx.taxonomy]
        if unknown:
            errors[name] = FieldError("err.unknown_skill", {"value": ", ".join(unknown)})
            return ()
        return tuple(dict.fromkeys(ids))
    hits = [h.skill_id for h in ctx.taxonomy.parse(text) if h.band == "accept"]
    if not hits:
        errors[name] = FieldError("err.no_skill")
    return tuple(hits[:5])


def _refused(errors: dict[str, FieldError], text: str, ctx: Context) -> InvalidInput:
    """The refusal of a post or check-in; one whose text named no skill carries the
    closest skills to that text."""
    if any(e.key == "err.no_skill" for e in errors.values()):
        return InvalidInput(errors, tuple(suggest(ctx.taxonomy, text)))
    return InvalidInput(errors)


def parse_job(body: Any, ctx: Context) -> JobSpec:
    if not isinstance(body, dict):
        raise InvalidInput({"body": FieldError("err.body")})
    try:
        data = JobIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(
            _with_phone_check(_pydantic_errors(exc), body, "employer_phone")
        ) from None
    errors: dict[str, FieldError] = {}
    now = ctx.clock.now()
    today = local_day(now)
    title = clean_text(data.title)
    description = clean_text(data.description)
    said = f"{title} {description}".strip()
    skills = _check_skills(data.skills, said, ctx, errors, "skills")
    phone = normalise_phone(data.employer_phone)
    if not PHONE_RE.match(phone):
        errors["employer_phone"] = FieldError("err.phone")
    if data.wage_yuan > WAGE_MAX[data.wage_unit]:
        errors["wage_yuan"] = FieldError("err.wage", {"max": int(WAGE_MAX[data.wage_unit])})
    township, county = _resolve_place(data.township, ctx, errors, "township")
    review = _screen(title, description, errors)
    _check_floor(data.wage_yuan, data.wage_unit, ctx, errors)
    start = data.start_at.astimezone(TZ)
    if local_day(start) != today:
        errors["start_at"] = FieldError("err.not_today")
    elif start < now - PAST_TOLERANCE:
        errors["start_at"] = FieldError("err.past")
    last = day_end(now) - timedelta(minutes=1)
    end = data.end_at.astimezone(TZ) if data.end_at else min(start + timedelta(hours=9), last)
    if data.end_at and local_day(end) != today and end != day_end(now):
        errors["end_at"] = FieldError("err.not_today")
    elif end <= start:
        errors["end_at"] = FieldError("err.end_before_start")
    if data.interview_at:
        interview = data.interview_at.astimezone(TZ)
        if local_day(interview) != today:
            errors["interview_at"] = FieldError("err.not_today")
        elif interview < now - PAST_TOLERANCE:
            errors["interview_at"] = FieldError("err.past")
        elif interview > start:
            errors["interview_at"] = FieldError("err.interview_after_start")
    else:
        # Same-day interview: half an hour before the start, but never in the past.
        interview = max(
            min(start - timedelta(minutes=30), start), min(now + timedelta(minutes=15), start)
        )
    if errors:
        raise _refused(errors, said, ctx)
    place = clean_text(data.interview_place) or "1号洽谈桌"
    return JobSpec(
        title=title,
        description=description,
        skills=skills,
        headcount=data.headcount,
        wage_yuan=round(data.wage_yuan, 2),
        wage_unit=data.wage_unit,
        township=township,
        county_adcode=county,
        start_at=start,
        end_at=end,
        interview_at=interview,
        interview_place=place,
        employer_name=clean_text(data.employer_name),
        employer_phone=phone,
        meals=data.meals,
        transport=data.transport,
        tools=data.tools,
        review=review,
    )


def _screen(title: str, description: str, errors: dict[str, FieldError]) -> tuple[str, ...]:
    """Blocking findings become field errors (with the rule's explanation and a better
    wording); the others hold the post for an operator."""
    review: list[str] = []
    for name, text in (("title", title), ("description", description)):
        for f in screen(text):
            if f.action == "block":
                errors.setdefault(
                    name,
                    FieldError(
                        "err.screening",
                        {
                            "why_zh": f.explanation_zh,
                            "why_en": f.explanation_en,
                            "fix_zh": f.suggestion_zh,
                            "fix_en": f.suggestion_en,
                            "match": f.match,
                        },
                    ),
                )
            else:
                review.append(f.rule)
    return tuple(dict.fromkeys(review))


def _check_floor(wage: float, unit: str, ctx: Context, errors: dict[str, FieldError]) -> None:
    """Refuse pay below the market's minimum wage (hourly floor x 8 for a day)."""
    hourly, daily = hourly_floor(ctx.market.wage_class), day_floor(ctx.market.wage_class)
    if (unit == "day" and wage < daily) or (unit == "hour" and wage < hourly):
        errors.setdefault("wage_yuan", FieldError("err.wage_floor", {"day": daily, "hour": hourly}))


def parse_checkin(body: Any, ctx: Context) -> CheckinSpec:
    if not isinstance(body, dict):
        raise InvalidInput({"body": FieldError("err.body")})
    try:
        data = CheckinIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(_with_phone_check(_pydantic_errors(exc), body, "phone")) from None
    errors: dict[str, FieldError] = {}
    now = ctx.clock.now()
    phone = normalise_phone(data.phone)
    if not PHONE_RE.match(phone):
        errors["phone"] = FieldError("err.phone")
    skills_text = clean_text(data.skills_text)
    if not data.skills and not skills_text:
        errors["skills"] = FieldError("err.required")
        skills: tuple[str, ...] = ()
    else:
        skills = _check_skills(
            data.skills, skills_text, ctx, errors, "skills" if data.skills else "skills_text"
        )
    if data.priority_groups and not data.priority_consent:
        errors["priority_consent"] = FieldError("err.consent")
    if data.township:
        township, county = _resolve_place(data.township, ctx, errors, "township")
    else:
        township, county = ctx.market.county_adcode, ctx.market.county_adcode
    if data.available_until:
        until = data.available_until.astimezone(TZ)
        if until <= now:
            errors["available_until"] = FieldError("err.past")
        elif until > day_end(now):
            errors["available_until"] = FieldError("err.not_today")
    else:
        until = datetime.combine(local_day(now), time(23, 59), tzinfo=TZ)
    if errors:
        raise _refused(errors, skills_text, ctx)
    return CheckinSpec(
        phone=phone,
        name=clean_text(data.name),
        skills=skills,
        skills_text=skills_text,
        township=township,
        county_adcode=county,
        reach=data.reach,
        min_wage_yuan=round(data.min_wage_yuan, 2),
        available_until=until,
        priority_groups=tuple(dict.fromkeys(data.priority_groups)),
    )


class PayIn(_Strict):
    paid: Literal["yes", "no", "partial"]
    paid_yuan: float | None = Field(default=None, ge=0, le=100_000)


class AnswerIn(_Strict):
    # explain: after a no-show (or before the employer marks one), "I had something on"
    # (reasons sick .. lost, other). attended: a booking the employer never marked, "I
    # went and had the interview".
    answer: Literal["confirm", "dispute", "explain", "attended"]
    reason: Literal[
        "", "boss_absent", "no_job", "not_as_posted", "other", "sick", "family", "lost"
    ] = ""


class RatingIn(_Strict):
    by: Literal["worker", "employer"]
    thumbs: Literal["up", "down"]
    reason: str = Field(default="", max_length=100)
    block: bool = False


def parse_model(model: type[_M], body: Any) -> _M:
    if not isinstance(body, dict):
        raise InvalidInput({"body": FieldError("err.body")})
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(_pydantic_errors(exc)) from None


class ReviewIn(_Strict):
    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=200)


def parse_review(body: Any) -> ReviewIn:
    try:
        return ReviewIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(_pydantic_errors(exc)) from None


class CorrectionIn(_Strict):
    """An operator's correction of a post that screening held back."""

    title: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=500)
    wage_yuan: float = Field(gt=0)
    wage_unit: Literal["day", "hour", "piece"] = "day"


@dataclass(frozen=True, slots=True)
class Correction:
    title: str
    description: str
    wage_yuan: float
    wage_unit: str
    # Screening rules that still hold the post (empty: it may go out).
    review: tuple[str, ...]


def parse_correction(body: Any, ctx: Context) -> Correction:
    """Screen a corrected post as a new one is screened: blocking wording and pay
    below the market's floor are refused, other findings keep it held."""
    data = parse_model(CorrectionIn, body)
    errors: dict[str, FieldError] = {}
    title, description = clean_text(data.title), clean_text(data.description)
    if not title:
        errors["title"] = FieldError("err.required")
    if data.wage_yuan > WAGE_MAX[data.wage_unit]:
        errors["wage_yuan"] = FieldError("err.wage", {"max": int(WAGE_MAX[data.wage_unit])})
    review = _screen(title, description, errors)
    _check_floor(data.wage_yuan, data.wage_unit, ctx, errors)
    if errors:
        raise InvalidInput(errors)
    return Correction(title, description, round(data.wage_yuan, 2), data.wage_unit, review)


def parse_outcome(body: Any) -> OutcomeIn:
    if not isinstance(body, dict):
        raise InvalidInput({"body": FieldError("err.body")})
    try:
        return OutcomeIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(_pydantic_errors(exc)) from None
