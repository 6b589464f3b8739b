"""What the screens offer: pages of at most seven, pictograms that exist, times, counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from kiosk.web.choices import (
    CATEGORY_ICONS,
    MAX_CHOICES,
    SKILLS_PER_PAGE,
    earliest,
    headcount_in,
    hhmm,
    minutes,
    money,
    page_of,
    parse_delta,
    skill_icon,
)
from matcher.clock import TZ
from matcher.text.skills import default_taxonomy

STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "static"


def test_every_skill_has_a_pictogram_file() -> None:
    tax = default_taxonomy()
    assert {c for c, _, _ in tax.categories()} == CATEGORY_ICONS
    drawn = 0
    for skill in tax.all():
        path = STATIC / skill_icon(skill)
        assert path.is_file(), (skill.id, path)
        svg = path.read_text()
        # Vendored and self-contained: nothing fetched, nothing scripted.
        assert svg.startswith("<svg") and "http" not in svg.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        assert "<script" not in svg
        drawn += skill_icon(skill).startswith("icons/skills/")
    assert drawn >= 20


def test_a_category_shows_whole_and_pages_only_past_a_screen() -> None:
    # Every category's skills on one screen (issue 14); pages only for one that ever
    # outgrew it.
    tax = default_taxonomy()
    assert max(len(tax.by_category(c)) for c, _, _ in tax.categories()) <= SKILLS_PER_PAGE
    assert MAX_CHOICES == 7  # every other screen's choices
    items = list(range(20))
    pages = [page_of(items, n, 7) for n in (1, 2, 3)]
    assert [p.items for p in pages] == [tuple(range(7)), tuple(range(7, 14)), tuple(range(14, 20))]
    assert (pages[0].prev, pages[0].next, pages[2].next, pages[2].count) == (None, 2, None, 3)
    assert page_of(items, 99, 7).number == 3 and page_of(items, -1, 7).number == 1
    assert page_of([], 1, 7).count == 1


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("招两个搬砖的小工", 2),
        ("要3名焊工", 3),
        ("十二个人", 12),
        ("二十五个", 25),
        ("一个", 1),
        ("招人", None),
        ("砌墙", None),
    ],
)
def test_headcount_in(text: str, n: int | None) -> None:
    assert headcount_in(text) == n


def test_times_and_money() -> None:
    assert minutes("09:30") == 570 and minutes("24:00") is None and minutes("x") is None
    assert hhmm(570) == "09:30"
    assert earliest(datetime(2026, 11, 27, 9, 1, tzinfo=TZ)) == 9 * 60 + 15
    assert earliest(datetime(2026, 11, 27, 9, 0, tzinfo=TZ)) == 9 * 60
    assert earliest(datetime(2026, 11, 27, 23, 59, tzinfo=TZ)) == 23 * 60 + 45
    assert (money(200.0), money(2.5)) == ("200", "2.5")
    assert parse_delta("wage:-10") == ("wage", -10.0) and parse_delta("x:y") == ("x", 0.0)
