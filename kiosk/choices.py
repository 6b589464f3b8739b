"""What the kiosk's screens offer to choose from: pages of tiles, pictograms, times.

One screen never shows more than seven choices, so long lists (a category's skills,
a county's townships) are cut into pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from matcher.skills import Skill

T = TypeVar("T")

MAX_CHOICES = 7
SKILLS_PER_PAGE = 7
# Six townships and "in the county town / not sure" on every page.
PLACES_PER_PAGE = 6

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


def page_holding(items: Sequence[T], item: T, size: int) -> int:
    """The page a chosen item is on, so coming back shows it."""
    try:
        return items.index(item) // size + 1
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
