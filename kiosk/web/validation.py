"""Turning people's input (API JSON or form fields) into validated specs.

Both the JSON API and the kiosk forms go through here, so a bad phone number gets the
same plain message everywhere. Errors are collected per field: ``{"field": key}``
with catalog keys that ``kiosk.web.i18n`` renders in either language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from kiosk.web.i18n import t
from matcher.clock import TZ, Clock, day_end, local_day
from matcher.markets import Market
from matcher.specs import CheckinSpec, JobSpec
from matcher.text.places import Gazetteer
from matcher.text.screening import (
    FLOOR_HOURS,
    SCREENED_FIELDS,
    Finding,
    check_pay,
    day_floor,
    paid_hours,
    screen,
    screen_post,
    shown_rate,
)
from matcher.text.skills import Taxonomy
from matcher.text.suggest import Suggestion, suggest

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Control characters (except tab/newline in long text) never belong in a posting; they
# can hide text from a reviewer or break a thermal printer.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
WAGE_MAX = {"day": 3000.0, "hour": 300.0, "piece": 10000.0}
PAST_TOLERANCE = timedelta(minutes=5)
# The longest shift a post may give: a night shift ends the next day, never later.
MAX_SHIFT = timedelta(hours=16)
# Where an interview that is not at a desk takes place (printed on tickets and called
# out in the hall, so in the hall's language whatever the screen's).
ONSITE_PLACE = "干活现场"
# A market desk as the kiosk names it ("3号洽谈桌"): an interview anywhere else is on site
# and needs an address or landmark, or the worker cannot find it.
DESK_RE = re.compile(r"^\d{1,2}号洽谈桌$")
# An address says where: at least two characters that are letters or CJK, not only
# digits and punctuation ("3号" alone finds nothing).
_PLACE_WORD_RE = re.compile(r"[A-Za-z\u4e00-\u9fff]")


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
    refusal is not a dead end (``matcher.text.suggest``); nothing is stored for them."""

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
    interview_address: str = Field(
        default="", max_length=60, description="address or landmark of an on-site interview"
    )
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
    again: bool = False


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
    start = data.start_at.astimezone(TZ)
    if local_day(start) != today:
        errors["start_at"] = FieldError("err.not_today")
    elif start < now - PAST_TOLERANCE:
        errors["start_at"] = FieldError("err.past")
    last = day_end(now) - timedelta(minutes=1)
    end = data.end_at.astimezone(TZ) if data.end_at else min(start + timedelta(hours=9), last)
    if data.end_at and end <= start:
        # Named with the times as the poster wrote them; a night shift is not guessed.
        errors["end_at"] = FieldError(
            "err.end_before_start_at",
            {"start": hhmm_of(data.start_at), "end": hhmm_of(data.end_at)},
        )
    elif end - start > MAX_SHIFT:
        errors["end_at"] = FieldError("err.shift_too_long", {"max": _hours(MAX_SHIFT)})
    if data.interview_at:
        interview = data.interview_at.astimezone(TZ)
        if local_day(interview) != today:
            errors["interview_at"] = FieldError("err.not_today")
        elif interview < now - PAST_TOLERANCE:
            errors["interview_at"] = FieldError(
                "err.interview_past", {"at": hhmm_of(data.interview_at)}
            )
        elif interview > start:
            errors["interview_at"] = FieldError("err.interview_after_start")
        # A few minutes late on the wire is now, never a time already gone.
        interview = max(interview, now)
    else:
        # Same-day interview: half an hour before the start, but never in the past.
        interview = max(
            min(start - timedelta(minutes=30), start), min(now + timedelta(minutes=15), start)
        )
    place = clean_text(data.interview_place)
    if not place:
        # The market's desk while the hall is open, else where the work is.
        desk_closed = hall_hours_error(ctx.market, interview) is not None
        place = ONSITE_PLACE if desk_closed else "1号洽谈桌"
    if DESK_RE.match(place) and "interview_at" not in errors:
        closed = hall_hours_error(ctx.market, interview)
        if closed is not None:
            errors["interview_at"] = closed
    hours = paid_hours(start, end) if not {"start_at", "end_at"} & errors.keys() else FLOOR_HOURS
    _check_floor(data.wage_yuan, data.wage_unit, hours, ctx, errors)
    address = clean_text(data.interview_address)
    if DESK_RE.match(place):
        address = ""
    elif len(_PLACE_WORD_RE.findall(address)) < 2:
        errors["interview_address"] = FieldError("err.interview_address")
    texts = {name: clean_text(str(getattr(data, name))) for name in SCREENED_FIELDS}
    review = screen_fields(
        {**texts, "interview_place": place, "interview_address": address}, errors
    )
    if errors:
        raise _refused(errors, said, ctx)
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
        interview_address=address,
        employer_name=clean_text(data.employer_name),
        employer_phone=phone,
        meals=data.meals,
        transport=data.transport,
        tools=data.tools,
        review=review,
    )


def screen_fields(texts: dict[str, str], errors: dict[str, FieldError]) -> tuple[str, ...]:
    """Screen every free-text field of a post (``SCREENED_FIELDS``). Blocking findings
    become the field's error, naming the field, what was written and a better wording;
    the others hold the post for an operator (returned: the rules that hold it)."""
    review: list[str] = []
    for name, found in screen_post(texts).items():
        blocks = [f for f in found if f.action == "block"]
        if blocks:
            errors.setdefault(name, screening_error(name, blocks))
        review += [f.rule for f in found if f.action != "block"]
    return tuple(dict.fromkeys(review))


def screening_error(name: str, blocks: list[Finding]) -> FieldError:
    """One refusal for a field, with a reason per ground it breaks ("an age limit and an
    ethnic exclusion" are both said), in the poster's own words."""
    grounds: dict[str, Finding] = {}
    for f in blocks:
        grounds.setdefault(f.category, f)
    field_zh, field_en = t(f"screen.field.{name}", "zh"), t(f"screen.field.{name}", "en")
    why_zh = [
        t("screen.found", "zh", why=f.explanation_zh, field=field_zh, match=f.match)
        for f in grounds.values()
    ]
    why_en = [
        t("screen.found", "en", why=f.explanation_en, field=field_en, match=f.match)
        for f in grounds.values()
    ]
    fix_zh = dict.fromkeys(f.suggestion_zh for f in grounds.values())
    fix_en = dict.fromkeys(f.suggestion_en for f in grounds.values())
    return FieldError(
        "err.screening",
        {
            "why_zh": "；".join(why_zh),
            "why_en": "; ".join(why_en),
            "fix_zh": "；".join(fix_zh),
            "fix_en": "; ".join(fix_en),
            "match": next(iter(grounds.values())).match,
            "grounds": " ".join(grounds),
        },
    )


def screen_text(name: str, text: str) -> FieldError | None:
    """The refusal of one free text as a post would be refused (the kiosk's "说一说"
    screen asks before the next question), or None when nothing blocks it."""
    blocks = [f for f in screen(text) if f.action == "block"]
    return screening_error(name, blocks) if blocks else None


def pay_error(wage: float, unit: str, hours: float, wage_class: int) -> FieldError | None:
    """Pay below the market's minimum wage, judged per hour of the job: a day rate over
    the scheduled hours (counted up to 8). The refusal states the hourly figure."""
    pay = check_pay(wage, unit, hours, wage_class)
    if pay.lawful or pay.hourly is None:
        return None
    rate = shown_rate(pay.hourly)
    if unit == "day":
        params = {"wage": f"{wage:g}", "hours": _hours(timedelta(hours=pay.hours)), "rate": rate}
        detail_zh, detail_en = (
            t("pay.per_hour.day", "zh", **params),
            t("pay.per_hour.day", "en", **params),
        )
    else:
        detail_zh, detail_en = (
            t("pay.per_hour.hour", "zh", rate=rate),
            t("pay.per_hour.hour", "en", rate=rate),
        )
    return FieldError(
        "err.wage_floor",
        {
            "detail_zh": detail_zh,
            "detail_en": detail_en,
            "rate": rate,
            "hour": pay.floor,
            "day": day_floor(wage_class),
        },
    )


def _check_floor(
    wage: float, unit: str, hours: float, ctx: Context, errors: dict[str, FieldError]
) -> None:
    error = pay_error(wage, unit, hours, ctx.market.wage_class)
    if error is not None:
        errors.setdefault("wage_yuan", error)


def hall_hours_error(market: Market, at: datetime) -> FieldError | None:
    """A desk interview outside the hall's opening hours (a market setting): the desks
    are staffed only while the hall is open."""
    minute = at.astimezone(TZ).hour * 60 + at.astimezone(TZ).minute
    opens, closes = _minute_of(market.opens), _minute_of(market.closes)
    if closes is not None and minute > closes:
        return FieldError("err.interview_after_hours", {"closes": market.closes})
    if opens is not None and minute < opens:
        return FieldError("err.interview_before_hours", {"opens": market.opens})
    return None


def hall_closed(market: Market, now: datetime) -> bool:
    """Past the hall's closing time today: no desk interview is left."""
    closes = _minute_of(market.closes)
    local = now.astimezone(TZ)
    return closes is not None and local.hour * 60 + local.minute > closes


def _minute_of(hhmm: str) -> int | None:
    try:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)
    except ValueError:
        return None


def hhmm_of(at: datetime) -> str:
    """A time as the poster wrote it (in the offset they gave), for a refusal that must
    never show a time nobody entered."""
    return at.strftime("%H:%M")


def _hours(span: timedelta) -> str:
    return f"{round(span.total_seconds() / 3600, 2):g}"


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
        again=data.again,
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
    """An operator's correction of a post that screening held back: its free texts
    (the same fields and limits as a post) and its pay."""

    title: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=500)
    employer_name: str = Field(min_length=1, max_length=20)
    interview_place: str = Field(default="", max_length=40)
    interview_address: str = Field(default="", max_length=60)
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
    # Every screened free text as corrected (``SCREENED_FIELDS``), title and
    # description included.
    texts: dict[str, str] = field(default_factory=dict)


def parse_correction(body: Any, ctx: Context, *, hours: float = FLOOR_HOURS) -> Correction:
    """Screen a corrected post as a new one is screened: blocking wording in any free
    text and pay below the market's floor (per hour of the job's ``hours``) are
    refused, other findings keep it held."""
    data = parse_model(CorrectionIn, body)
    errors: dict[str, FieldError] = {}
    texts = {name: clean_text(str(getattr(data, name))) for name in SCREENED_FIELDS}
    for name in ("title", "employer_name", "interview_place"):
        if not texts[name]:
            errors[name] = FieldError("err.required")
    if data.wage_yuan > WAGE_MAX[data.wage_unit]:
        errors["wage_yuan"] = FieldError("err.wage", {"max": int(WAGE_MAX[data.wage_unit])})
    review = screen_fields(texts, errors)
    _check_floor(data.wage_yuan, data.wage_unit, hours, ctx, errors)
    if errors:
        raise InvalidInput(errors)
    return Correction(
        texts["title"],
        texts["description"],
        round(data.wage_yuan, 2),
        data.wage_unit,
        review,
        texts,
    )


def parse_outcome(body: Any) -> OutcomeIn:
    if not isinstance(body, dict):
        raise InvalidInput({"body": FieldError("err.body")})
    try:
        return OutcomeIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput(_pydantic_errors(exc)) from None
