"""What the kiosk's screens offer to choose from: tiles, pictograms, times.

A question screen shows few choices (seven at most). The two pickers are the exception:
a category's skills and a county's townships are each shown whole, on one screen,
grouped and sized to their count. Paging through three or four screens of seven, with
half of each screen empty, lost older people on the way (issue 14); one screen they
can look over, and townships can also be found by the initials of their pinyin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

from matcher.text.places import Place
from matcher.text.skills import Skill
from matcher.text.textnorm import fold_joined, is_han, normalize, syllables

T = TypeVar("T")

MAX_CHOICES = 7
# A category of skills on one screen (the biggest, construction, has 20); a category
# that ever grew past this would page rather than shrink its tiles below the floor.
SKILLS_PER_PAGE = 24

# Pictograms drawn for the categories and the most asked-for skills; the rest show
# their category's.
CATEGORY_ICONS = frozenset(
    {"construction", "services", "agriculture", "factory", "logistics", "tourism_culture"}
)
SKILL_ICONS = frozenset(
    {
        "general_laborer",
        "bricklayer",
        "plasterer",
        "formwork_carpenter",
        "rebar_worker",
        "carpenter",
        "electrician",
        "plumber_electrician",
        "welder",
        "painter",
        "tiler",
        "porter",
        "tea_picker",
        "fruit_picker",
        "farm_hand",
        "livestock_keeper",
        "forestry_worker",
        "cleaner",
        "housekeeper",
        "elder_care",
        "security_guard",
        "chef",
        "dishwasher",
        "waiter",
        "driver",
        "truck_driver",
        "courier",
        "factory_worker",
        "sewing_worker",
        "packer",
        "miao_embroidery",
        "tour_guide",
    }
)


def skill_icon(skill: Skill) -> str:
    """The static path of the skill's pictogram."""
    if skill.id in SKILL_ICONS:
        return f"icons/skills/{skill.id}.svg"
    return category_icon(skill.category)


def category_icon(category: str) -> str:
    name = category if category in CATEGORY_ICONS else "construction"
    return f"icons/categories/{name}.svg"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int  # 1-based
    count: int

    @property
    def prev(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    count = max(1, -(-len(items) // size))
    number = min(max(1, number), count)
    start = (number - 1) * size
    return Page(tuple(items[start : start + size]), number, count)


def page_number(raw: str | None) -> int:
    try:
        return int(raw or "1")
    except ValueError:
        return 1


# -- times of day, in minutes since local midnight, stepped by a quarter hour ------------

TIME_STEP = 15
LAST_MINUTE = 23 * 60 + 45


def minutes(hhmm: str) -> int | None:
    try:
        h, m = hhmm.split(":")
        value = int(h) * 60 + int(m)
    except ValueError:
        return None
    return value if 0 <= value < 24 * 60 else None


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def earliest(now: datetime) -> int:
    """The first quarter hour from now: nothing today can start before it."""
    value = now.hour * 60 + now.minute
    return min(-(-value // TIME_STEP) * TIME_STEP, LAST_MINUTE)


def clamp_time(value: int, now: datetime) -> int:
    return min(max(value, earliest(now)), LAST_MINUTE)


def step_value(value: float, delta: float, low: float, high: float) -> float:
    return min(max(value + delta, low), high)


def parse_delta(raw: str) -> tuple[str, float]:
    """A stepper's −/+ sent without script: ``"wage:-10"`` → ``("wage", -10.0)``."""
    name, _, amount = raw.partition(":")
    try:
        value = float(amount)
    except ValueError:
        return name, 0.0
    return name, value if math.isfinite(value) else 0.0


def money(value: float) -> str:
    """Yuan as people write them: 200, 2.5."""
    return f"{value:g}"


_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_COUNT_RE = re.compile(r"([0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个|名|位|人)")


def _numeral(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if "十" not in word:
        return _DIGIT.get(word) if len(word) == 1 else None
    tens, _, ones = word.partition("十")
    if (tens and tens not in _DIGIT) or (ones and ones not in _DIGIT):
        return None
    return (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0)


def headcount_in(text: str) -> int | None:
    """How many people a line asks for: 招两个搬砖的 → 2, 要3名焊工 → 3."""
    m = _COUNT_RE.search(text)
    return _numeral(m.group(1)) if m else None


# -- the pickers: a whole list on one screen ----------------------------------------------


def grid_size(count: int) -> Literal["roomy", "dense", "packed"]:
    """How tightly a picker's tiles are laid out (kiosk.css sizes each for the portrait
    kiosk and the phone): a few big tiles, up to twenty with pictograms, or more."""
    if count <= 9:
        return "roomy"
    return "dense" if count <= 20 else "packed"


# What people leave off a township's name: the administrative suffix and any ethnic
# qualifier before it (舟溪镇 → 舟溪, 雷洞瑶族水族乡 → 雷洞). Tiles show the short name big;
# a phone hides the rest under its group's heading (乡镇, 街道).
_SUFFIX_RE = re.compile(r"(?:(?:苗|侗|水|瑶|壮|布依|土家)族)*(?:街道|镇|乡)$")

Area = Literal["city", "county"]
GroupKind = Literal["urban", "towns"]


@dataclass(frozen=True, slots=True)
class Township:
    place: Place
    short: str  # 舟溪
    suffix: str  # 镇
    syllables: tuple[str, ...]  # of the short name, toneless: ("zhou", "xi")

    @property
    def urban(self) -> bool:
        """A 街道: a district of the city, or of the county town."""
        return self.suffix == "街道"


def township(place: Place) -> Township:
    found = _SUFFIX_RE.search(place.name)
    cut = found.start() if found and found.start() >= 2 else len(place.name)
    short = place.name[:cut]
    return Township(place, short, place.name[cut:], syllables(short))


def _covers(query: str, syls: tuple[str, ...]) -> bool:
    """Whether the letters are the start of each syllable in turn, from the first: all of
    it (kaitang), the initials (kt), or a mix (kait, kaitan)."""
    if not query:
        return True
    if not syls:
        return False
    head = syls[0]
    for k in range(min(len(query), len(head)), 0, -1):
        if head.startswith(query[:k]) and _covers(query[k:], syls[1:]):
            return True
    return False


def township_matches(query: str, town: Township) -> bool:
    """Typed letters find a township by its pinyin (initials, whole, or a mix); typed
    characters by its name. Guizhou speakers merge zh/z, ch/c, sh/s and l/n, so either
    spelling finds the place (炉山 by ls or ns)."""
    q = normalize(query).replace(" ", "")
    if not q:
        return True
    if any(is_han(ch) for ch in q):
        return q in town.place.name
    letters = "".join(ch for ch in q if "a" <= ch <= "z")
    if not letters:
        return False
    return _covers(letters, town.syllables) or _covers(
        fold_joined(letters), tuple(fold_joined(s) for s in town.syllables)
    )


def initials(towns: Sequence[Township]) -> list[str]:
    """The letters any syllable of these townships starts with: the kiosk's letter keys
    (a touchscreen has no keyboard; a phone uses its own)."""
    return sorted({s[0] for t in towns for s in t.syllables if s and "a" <= s[0] <= "z"})


@dataclass(frozen=True, slots=True)
class TownshipGroup:
    kind: GroupKind
    towns: tuple[Township, ...]


@dataclass(frozen=True, slots=True)
class TownshipPicker:
    groups: tuple[TownshipGroup, ...]  # the 街道 (always), the 乡镇 when any is shown
    total: int  # townships of the county
    query: str  # as typed (letters lower-cased)
    # The part of the query the townships shown answer: the whole query, or (when it
    # finds nothing, a letter tapped wrong) its longest start that finds some.
    matched: str
    letters: tuple[str, ...]

    @property
    def shown(self) -> int:
        return sum(len(g.towns) for g in self.groups)

    @property
    def count(self) -> int:
        """Tiles on the screen: the townships shown and "in the county town"."""
        return self.shown + 1

    @property
    def size(self) -> str:
        """Sized for the whole county, so that narrowing it does not resize the tiles."""
        return grid_size(self.total + 1)


MAX_QUERY = 12


def township_picker(places: Sequence[Place], query: str = "") -> TownshipPicker:
    """A county's townships for one screen: its 街道 (city districts or the county
    town's) and its 乡镇, each in the gazetteer's order, narrowed by what was typed."""
    towns = [township(p) for p in places]
    query = normalize(query).replace(" ", "")[:MAX_QUERY]
    matched, found = query, [t for t in towns if township_matches(query, t)]
    # A wrong last tap should not empty the screen: fall back to the longest start of
    # the query that finds something, and say so.
    while not found and matched:
        matched = matched[:-1]
        found = [t for t in towns if township_matches(matched, t)]
    urban = TownshipGroup("urban", tuple(t for t in found if t.urban))
    rural = TownshipGroup("towns", tuple(t for t in found if not t.urban))
    return TownshipPicker(
        # The 街道 group is always there: "in the county town / the city centre" (or
        # "not sure") ends it, whatever was typed.
        groups=(urban, rural) if rural.towns else (urban,),
        total=len(towns),
        query=query,
        matched=matched,
        letters=tuple(initials(towns)),
    )
