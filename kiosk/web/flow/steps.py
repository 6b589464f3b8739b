"""The screens both kiosk flows share: phone number, skills, "say it", place.

Each screen is one question. GET shows it with what was answered before; POST stores
the answer in the session (``kiosk.web.flow.answers``) and redirects to the next screen, so the
browser's history holds only GETs and a reload never re-sends an answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kiosk.http.state import get_state
from kiosk.web.choices import (
    SKILLS_PER_PAGE,
    category_icon,
    grid_size,
    page_number,
    page_of,
    skill_icon,
    township_picker,
)
from kiosk.web.flow.answers import Answers
from kiosk.web.i18n import t
from kiosk.web.render import render
from kiosk.web.templating import request_lang
from kiosk.web.validation import PHONE_RE, InvalidInput, hall_closed, normalise_phone, screen_text
from matcher.desk.blocks import Blocked
from matcher.markets import Market
from matcher.store.scripts import ScriptError
from matcher.text.skills import Skill
from matcher.text.suggest import DEFAULT_LIMIT, suggest

_DIGITS = re.compile(r"\D")
# Skills offered for words that named none: with the tile of the whole picker, a
# screen's seven choices.
SUGGESTED = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class FlowDef:
    """How one flow strings the shared screens together."""

    kind: str  # "worker" | "employer"
    answers: type[Answers]
    step_route: str
    start_route: str
    # The main screens in order: the progress dots, "back" and "next".
    progress: tuple[str, ...]
    after_phone: Callable[[Request, Market, Any], Awaitable[str]]
    # What else a flow reads in the words said on the "say it" screen.
    on_text: Callable[[Any, str], None] | None = None

    def next_of(self, step: str, answers: Answers | None = None) -> str:
        if answers is not None and answers.revisit:
            return answers.revisit
        return self.progress[self.progress.index(step) + 1]

    def back_of(self, request: Request, market: Market, step: str) -> str | None:
        """Sub-screens go back to the question they belong to, main screens to the one
        before."""
        if step in PROGRESS_OF:
            return self.url(request, market, PROGRESS_OF[step])
        at = self.progress.index(step)
        return self.url(request, market, self.progress[at - 1]) if at > 0 else None

    def url(self, request: Request, market: Market, step: str, **query: object) -> str:
        if step == "phone":
            path = request.url_for(self.start_route, market=market.id).path
        else:
            path = request.url_for(self.step_route, market=market.id, step=step).path
        q = {k: v for k, v in query.items() if v is not None}
        return f"{path}?{urlencode(q)}" if q else path

    def go(self, request: Request, market: Market, step: str, **query: object) -> Response:
        return RedirectResponse(self.url(request, market, step, **query), status_code=303)

    def refused(
        self,
        request: Request,
        market: Market,
        answers: Answers,
        exc: InvalidInput | ScriptError,
        *,
        field_step: Mapping[str, str],
        invalid_step: str,
        script_step: str,
    ) -> Response:
        """A submission turned down: the reason is kept for the screen that can fix it
        (a field's own screen; the phone screen for an operator's block, where the
        number was given), and the flow goes back there."""
        if isinstance(exc, InvalidInput):
            field, error = next(iter(exc.errors.items()))
            answers.fail(error.key, **{k: str(v) for k, v in error.params.items()})
            step = field_step.get(field, invalid_step)
        elif isinstance(exc, Blocked):
            answers.fail(f"err.{exc.code}", **exc.params)
            step = "phone"
        else:
            answers.fail(f"err.{exc.code}")
            step = script_step
        answers.save(request, market.id)
        return self.go(request, market, step)


PROGRESS_OF = {
    "skill": "skills",
    "say": "skills",
    "confirm": "skills",
    "same": "phone",
    "mine": "phone",
}


def screen(
    request: Request,
    flow: FlowDef,
    market: Market,
    answers: Answers,
    step: str,
    template: str,
    *,
    status_code: int = 200,
    error: str = "",
    **extra: Any,
) -> Response:
    """Render one screen with what every screen has: the question, progress, the
    error to fix, the way back and the way out."""
    lang = request_lang(request)
    key, params = answers.take_error()
    if key and not error:
        error = t(key, lang, **params)
        answers.save(request, market.id)
    here = PROGRESS_OF.get(step, step)
    ctx = {
        "market": market,
        "kind": flow.kind,
        "flow": flow,
        "answers": answers,
        "step": step,
        "progress": flow.progress,
        "progress_at": flow.progress.index(here) if here in flow.progress else None,
        "error": error,
        "back_url": flow.back_of(request, market, step),
        "step_url": lambda s, **q: flow.url(request, market, s, **q),
        "request_id": answers.rid,
        "skill_icon": skill_icon,
        "category_icon": category_icon,
        "grid_size": grid_size,
        "taxonomy": get_state(request).taxonomy,
        # Past the hall's closing time the employer's screens say so (no desk is left).
        "hall_closed": hall_closed(market, get_state(request).clock.now()),
        **extra,
    }
    return render(request, template, ctx, status_code=status_code)


def _texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def phone_from(raw: str) -> str | None:
    """The mobile number in what the keypad or a scanner typed (a worker card may hold
    ``tel:+86…`` or the digits with spaces)."""
    value = normalise_phone(unicodedata.normalize("NFKC", raw))
    if PHONE_RE.match(value):
        return value
    digits = _DIGITS.sub("", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if PHONE_RE.match(digits) else None


# -- phone ----------------------------------------------------------------------------


async def phone_step(request: Request, flow: FlowDef, market: Market) -> Response:
    """The first screen. Showing it stores nothing (a stray request after a reset must
    not leave a session behind); the first answer starts the flow and mints its id."""
    answers = flow.answers.load(request, market.id) or flow.answers()
    typed = answers.phone
    if request.method == "POST":
        form = await request.form()
        typed = _text(form, "phone")[:40]
        phone = phone_from(typed)
        if phone is None:
            return screen(
                request,
                flow,
                market,
                answers,
                "phone",
                "steps/phone.html",
                status_code=422,
                error=t("err.phone", request_lang(request)),
                typed=typed,
            )
        if not answers.rid or phone != answers.phone:
            # A new flow, or another person's number: nothing before carries over.
            answers = flow.answers.begin(request, market.id)
            answers.phone = phone
        answers.save(request, market.id)
        nxt = await flow.after_phone(request, market, answers)
        return flow.go(request, market, nxt)
    return screen(request, flow, market, answers, "phone", "steps/phone.html", typed=typed)


# -- skills: categories, a category's tiles, or say it ---------------------------------


async def skills_step(
    request: Request, flow: FlowDef, market: Market, answers: Answers
) -> Response:
    if request.method == "POST":
        if not answers.skills:
            answers.fail("err.no_skill")
            return flow.go(request, market, "skills")
        return flow.go(request, market, flow.next_of("skills", answers))
    tax = get_state(request).taxonomy
    chosen = [s for sid in answers.skills if (s := tax.get(sid)) is not None]
    return screen(
        request,
        flow,
        market,
        answers,
        "skills",
        "steps/categories.html",
        categories=tax.categories(),
        chosen=chosen,
    )


async def skill_step(request: Request, flow: FlowDef, market: Market, answers: Answers) -> Response:
    tax = get_state(request).taxonomy
    cats = [c[0] for c in tax.categories()]
    source = await request.form() if request.method == "POST" else request.query_params
    cat = str(source.get("cat") or "")
    if cat not in cats:
        return flow.go(request, market, "skills")
    skills = tax.by_category(cat)
    page = page_of(skills, page_number(str(source.get("page") or "1")), SKILLS_PER_PAGE)
    if request.method == "POST":
        assert isinstance(source, FormData)
        shown = [s.id for s in page.items]
        checked = _texts(source, "skills")
        others = [s for s in answers.skills if s not in shown]
        if len(others) + len({c for c in checked if c in shown}) > answers.max_skills:
            answers.fail("err.too_many", max=str(answers.max_skills))
            answers.save(request, market.id)
            return flow.go(request, market, "skill", cat=cat, page=page.number)
        answers.toggle_skills(shown, checked)
        # Chosen from the whole picker: what was offered for unclear words is moot.
        answers.unsure = None
        answers.save(request, market.id)
        go = _text(source, "go")
        if go == "prev" and page.prev:
            return flow.go(request, market, "skill", cat=cat, page=page.prev)
        if go == "next" and page.next:
            return flow.go(request, market, "skill", cat=cat, page=page.next)
        if go == "done":
            if not answers.skills:
                answers.fail("err.no_skill")
                answers.save(request, market.id)
                return flow.go(request, market, "skill", cat=cat, page=page.number)
            return flow.go(request, market, flow.next_of("skills", answers))
        return flow.go(request, market, "skills")
    names = {c[0]: (c[1], c[2]) for c in tax.categories()}
    return screen(
        request,
        flow,
        market,
        answers,
        "skill",
        "steps/skills.html",
        cat=cat,
        cat_name=names[cat],
        page=page,
    )


def closest_skills(request: Request, answers: Answers) -> list[Skill]:
    """The skills offered for words that named none ("是不是这些？"), best first: not
    those the person turned down or already chose, never more than a screen's tiles
    leave room for (the last tile is the whole picker)."""
    if answers.unsure is None:
        return []
    tax = get_state(request).taxonomy
    skip = set(answers.declined) | set(answers.skills)
    found = suggest(tax, answers.unsure, limit=SUGGESTED + len(skip))
    skills = [s for f in found if f.skill_id not in skip and (s := tax.get(f.skill_id))]
    return skills[:SUGGESTED]


async def say_step(request: Request, flow: FlowDef, market: Market, answers: Answers) -> Response:
    if request.method == "POST":
        form = await request.form()
        pick = _text(form, "pick")
        if pick:
            return picked(request, flow, market, answers, pick)
        text = _text(form, "text").strip()[:100]
        refused = screen_text("say", text) if flow.kind == "employer" else None
        if refused is not None:
            # The words would be the job's title: screened as a post is, before the next
            # question, and kept nowhere but on this screen to be said again.
            lang = request_lang(request)
            return say_screen(
                request,
                flow,
                market,
                answers,
                status_code=422,
                error=t(refused.key, lang, **refused.params),
                typed=text,
            )
        hits = get_state(request).taxonomy.parse(text) if text else []
        answers.declined = []
        if not hits:
            # Not a dead end: the closest skills are offered as tiles, one tap each.
            answers.unsure = text
            answers.save(request, market.id)
            return say_screen(
                request,
                flow,
                market,
                answers,
                status_code=422,
                error=t("err.no_skill", request_lang(request)),
            )
        answers.text = text
        answers.unsure = None
        if flow.on_text is not None:
            flow.on_text(answers, text)
        answers.heard = [h.skill_id for h in hits if h.band == "accept"]
        answers.pending = [h.skill_id for h in hits if h.band == "confirm"][:3]
        answers.save(request, market.id)
        return flow.go(request, market, "confirm")
    return say_screen(request, flow, market, answers)


def say_screen(
    request: Request,
    flow: FlowDef,
    market: Market,
    answers: Answers,
    *,
    status_code: int = 200,
    error: str = "",
    typed: str | None = None,
) -> Response:
    """``typed``: words refused as they stand (screening), shown again to be changed;
    no skills are offered for them."""
    refused = typed is not None
    if typed is None:
        typed = answers.unsure if answers.unsure is not None else answers.text
    return screen(
        request,
        flow,
        market,
        answers,
        "say",
        "steps/say.html",
        status_code=status_code,
        error=error,
        suggestions=[] if refused else closest_skills(request, answers),
        typed=typed,
    )


def picked(request: Request, flow: FlowDef, market: Market, answers: Answers, sid: str) -> Response:
    """A suggested skill tapped: chosen as from the picker, and on to the next question."""
    if sid not in get_state(request).taxonomy:
        return flow.go(request, market, "say")
    if sid not in answers.skills:
        if len(answers.skills) >= answers.max_skills:
            answers.fail("err.too_many", max=str(answers.max_skills))
            answers.save(request, market.id)
            return flow.go(request, market, "say")
        answers.skills.append(sid)
    answers.unsure, answers.declined = None, []
    answers.save(request, market.id)
    return flow.go(request, market, flow.next_of("skills", answers))


async def confirm_step(
    request: Request, flow: FlowDef, market: Market, answers: Answers
) -> Response:
    """Ask about each unsure guess ("您是说 泥瓦工 吗?"), then show all that was
    understood, to confirm or untick."""
    tax = get_state(request).taxonomy
    if request.method == "POST":
        form = await request.form()
        answer = _text(form, "answer")
        if answer in ("yes", "no") and answers.pending:
            sid = answers.pending.pop(0)
            if answer == "yes" and sid not in answers.heard:
                answers.heard.append(sid)
            elif answer == "no":
                answers.declined.append(sid)
            answers.save(request, market.id)
            return flow.go(request, market, "confirm")
        if _text(form, "go") == "again":
            answers.heard, answers.pending = [], []
            answers.save(request, market.id)
            return flow.go(request, market, "say")
        understood = list(answers.heard)
        checked = [s for s in _texts(form, "skills") if s in understood]
        keep = [s for s in answers.skills if s not in understood]
        answers.skills = list(dict.fromkeys(keep + checked))[: answers.max_skills]
        answers.heard = []
        answers.save(request, market.id)
        if not answers.skills:
            # All of it unticked: the words named nothing after all; offer the closest.
            answers.declined += [s for s in understood if s not in checked]
            answers.unsure = answers.text
            answers.fail("err.no_skill")
            answers.save(request, market.id)
            return flow.go(request, market, "say")
        return flow.go(request, market, flow.next_of("skills", answers))
    if not answers.pending and not answers.heard:
        if answers.text:
            # Every guess was "no": ask again rather than show an empty list, with the
            # closest skills but those guesses to tap.
            answers.unsure = answers.text
            answers.fail("err.no_skill")
            answers.save(request, market.id)
        return flow.go(request, market, "say")
    asking = tax.get(answers.pending[0]) if answers.pending else None
    heard = [s for sid in answers.heard if (s := tax.get(sid)) is not None]
    return screen(
        request,
        flow,
        market,
        answers,
        "confirm",
        "steps/confirm.html",
        asking=asking,
        heard=heard,
    )


# -- place ----------------------------------------------------------------------------


async def place_step(request: Request, flow: FlowDef, market: Market, answers: Answers) -> Response:
    gaz = get_state(request).gazetteer
    townships = gaz.townships(market.county_adcode)
    county = gaz.get(market.county_adcode)
    valid = {p.adcode for p in townships} | {market.county_adcode}
    if request.method == "POST":
        form = await request.form()
        chosen = _text(form, "township")
        if chosen not in valid:
            answers.fail("err.unknown_place", value=chosen[:20])
            answers.save(request, market.id)
            return flow.go(request, market, "place")
        answers.township = chosen
        answers.save(request, market.id)
        return flow.go(request, market, flow.next_of("place", answers))
    # The whole county on one screen, narrowed by the pinyin letters typed (?q=).
    picker = township_picker(townships, request.query_params.get("q", ""))
    return screen(
        request,
        flow,
        market,
        answers,
        "place",
        "steps/place.html",
        picker=picker,
        county=county,
    )


SHARED_STEPS = {
    "skills": skills_step,
    "skill": skill_step,
    "say": say_step,
    "confirm": confirm_step,
    "place": place_step,
}


async def dispatch(
    request: Request,
    flow: FlowDef,
    market: Market,
    own: dict[str, Callable[[Request, FlowDef, Market, Any], Awaitable[Response]]],
    step: str | None = None,
) -> Response:
    """One of the flow's screens; without a flow in progress (never started, or the
    session was reset) every screen but the first sends the person to the start."""
    step = step or request.path_params["step"]
    if step == "phone":
        return await phone_step(request, flow, market)
    handler = own.get(step) or SHARED_STEPS.get(step)
    if handler is None:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    answers = flow.answers.load(request, market.id)
    if answers is None or not answers.phone:
        return flow.go(request, market, "phone")
    back_to = request.query_params.get("then")
    if request.method == "GET" and back_to in flow.progress and back_to != step:
        answers.revisit = back_to
        answers.save(request, market.id)
    elif request.method == "GET" and step == answers.revisit:
        answers.revisit = ""
        answers.save(request, market.id)
    return await handler(request, flow, market, answers)
