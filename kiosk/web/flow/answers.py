"""The answers of a kiosk flow, kept in the server session between its screens.

A flow asks one question per screen; each answer is stored here, and the last screen
posts them all at once. The request id is minted when the flow starts, so a double
tap on the last screen, or a resubmission, creates nothing twice (the store replays
the first result for the same id and body).

The session is a signed cookie: nothing here is trusted beyond the signature, and the
final post still goes through ``kiosk.web.validation`` like any other input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from starlette.requests import Request

from kiosk.http.state import get_state
from matcher.clock import to_ms
from matcher.store.records import new_id

A = TypeVar("A", bound="Answers")

# Far longer than anyone takes over one question, and longer than the kiosk's idle
# overlay (90 s + 30 s), which resets the screen first.
IDLE_MS = 10 * 60 * 1000


def _now_ms(request: Request) -> int:
    return to_ms(get_state(request).clock.now())


@dataclass
class Answers:
    """What both flows ask: a phone number, skills, a place."""

    kind: ClassVar[str] = ""
    max_skills: ClassVar[int] = 8

    rid: str = ""
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    # What the person said or wrote, and what of it still awaits a yes/no.
    text: str = ""
    heard: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    # Words that named no skill (the "say it" screen then offers the closest skills),
    # and the guesses the person turned down since, which are not offered again.
    # (None: nothing unsure; "" when nothing was said at all.)
    unsure: str | None = None
    declined: list[str] = field(default_factory=list)
    township: str = ""
    # Set when a screen is opened to change one answer (from a review): answering it
    # goes straight back there.
    revisit: str = ""
    # A catalog key shown once on the next screen (the step that must be fixed).
    error: str = ""
    error_params: dict[str, str] = field(default_factory=dict)
    # When the last answer was given (app clock, ms).
    touched: int = 0

    @classmethod
    def key(cls, market: str) -> str:
        return f"flow:{cls.kind}:{market}"

    @classmethod
    def load(cls: type[A], request: Request, market: str) -> A | None:
        raw = request.session.get(cls.key(market))
        if not isinstance(raw, dict):
            return None
        names = {f.name for f in dataclasses.fields(cls)}
        try:
            answers = cls(**{k: v for k, v in raw.items() if k in names})
        except TypeError:
            return None
        if not isinstance(answers.touched, int) or _now_ms(request) - answers.touched > IDLE_MS:
            # Left half-done long ago (the kiosk's own reset did not run: no script, a
            # crash): the next person must not find the last one's number.
            cls.discard(request, market)
            return None
        return answers if answers.rid else None

    @classmethod
    def begin(cls: type[A], request: Request, market: str) -> A:
        answers = cls(rid=new_id("f", 16))
        answers.save(request, market)
        return answers

    @classmethod
    def discard(cls, request: Request, market: str) -> None:
        request.session.pop(cls.key(market), None)

    def save(self, request: Request, market: str) -> None:
        self.touched = _now_ms(request)
        request.session[self.key(market)] = dataclasses.asdict(self)

    def fail(self, key: str, **params: str) -> None:
        self.error, self.error_params = key, params

    def take_error(self) -> tuple[str, dict[str, str]]:
        """The pending error, cleared: it is shown once, on the screen that fixes it."""
        out = (self.error, self.error_params)
        self.error, self.error_params = "", {}
        return out

    def toggle_skills(self, shown: list[str], checked: list[str]) -> None:
        """One page of tiles was answered: what is checked there replaces what was
        chosen among the tiles shown; choices on other pages stay."""
        on = [s for s in checked if s in shown]
        kept = [s for s in self.skills if s not in shown or s in on]
        self.skills = (kept + [s for s in on if s not in kept])[: self.max_skills]


@dataclass
class WorkerAnswers(Answers):
    kind: ClassVar[str] = "worker"

    name: str = ""
    reach: str = "county"
    wage: int = 150
    # Filled from last time's profile: the "same as last time?" screen can be shown.
    returning: bool = False


@dataclass
class JobAnswers(Answers):
    kind: ClassVar[str] = "employer"
    max_skills: ClassVar[int] = 5

    name: str = ""
    title: str = ""
    headcount: int = 1
    wage: float = 200
    unit: str = "day"
    start: str = ""
    end: str = ""
    interview: str = ""
    interview_set: bool = False
    # A night shift: the end is on the next day (said explicitly, never guessed).
    overnight: bool = False
    desk: int = 1
    onsite: bool = False
    # Where an on-site interview is (an address or landmark): asked with "on site".
    address: str = ""
    # Today's jobs of this phone number, offered again on the kiosk.
    mine: list[str] = field(default_factory=list)
    meals: bool = False
    transport: bool = False
    tools: bool = False


def done_key(kind: str, market: str) -> str:
    return f"done:{kind}:{market}"


def remember_done(request: Request, kind: str, market: str, rid: str, result: str) -> None:
    """The finished flow's request id and what it made: a resubmission of the last
    screen after the answers are gone lands on the same result."""
    request.session[done_key(kind, market)] = [rid, result]


def done_result(request: Request, kind: str, market: str, rid: str) -> str | None:
    raw: Any = request.session.get(done_key(kind, market))
    if isinstance(raw, list) and len(raw) == 2 and raw[0] == rid and isinstance(raw[1], str):
        return raw[1]
    return None
