"""Screening of job posts at posting time: discrimination, fraud, the wage floor.

The rules are data (``matcher/data/screening.csv``: a pattern, an optional "unless"
pattern for lawful wording, a plain explanation and a suggested rewording in Chinese
and English, and an action). ``block`` refuses the post with the explanation;
``moderate`` sends it to an operator before anyone is offered it. Genuine physical or
licence requirements ("能扛 50 斤", "持电工证", "C1 驾照") match no rule.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

DATA = Path(__file__).parent / "data" / "screening.csv"

Action = Literal["block", "moderate"]

# Guizhou's hourly minimum wage by area class (2023 figures, unverified here: a
# market setting operators confirm, see shared/data/SOURCES.md).
HOURLY_FLOOR_YUAN = {1: 19.6, 2: 18.3, 3: 17.2}
FLOOR_HOURS = 8


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    category: str
    action: Action
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    explanation_zh: str
    explanation_en: str
    suggestion_zh: str
    suggestion_en: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    kind: str
    category: str
    action: Action
    match: str
    explanation_zh: str
    explanation_en: str
    suggestion_zh: str
    suggestion_en: str


@cache
def rules(path: Path = DATA) -> tuple[Rule, ...]:
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            action = row["action"]
            if action not in ("block", "moderate"):
                raise ValueError(f"screening rule {row['id']}: unknown action {action!r}")
            out.append(
                Rule(
                    id=row["id"],
                    kind=row["kind"],
                    category=row["category"],
                    action="block" if action == "block" else "moderate",
                    pattern=re.compile(row["pattern"]),
                    unless=re.compile(row["unless"]) if row["unless"] else None,
                    explanation_zh=row["explanation_zh"],
                    explanation_en=row["explanation_en"],
                    suggestion_zh=row["suggestion_zh"],
                    suggestion_en=row["suggestion_en"],
                )
            )
    return tuple(out)


def _normalise(text: str) -> str:
    # Full-width digits and letters (１８岁, ＶＸ) must not slip past the patterns.
    return unicodedata.normalize("NFKC", text)


def screen(text: str) -> list[Finding]:
    """Every rule the text breaks, blocking ones first."""
    norm = _normalise(text)
    found = []
    for rule in rules():
        cleaned = rule.unless.sub(" ", norm) if rule.unless is not None else norm
        m = rule.pattern.search(cleaned)
        if m:
            found.append(
                Finding(
                    rule=rule.id,
                    kind=rule.kind,
                    category=rule.category,
                    action=rule.action,
                    match=m.group(0),
                    explanation_zh=rule.explanation_zh,
                    explanation_en=rule.explanation_en,
                    suggestion_zh=rule.suggestion_zh,
                    suggestion_en=rule.suggestion_en,
                )
            )
    return sorted(found, key=lambda f: f.action != "block")


def day_floor(wage_class: int) -> float:
    """The lowest lawful pay for an 8-hour day in a market of this wage class."""
    return round(HOURLY_FLOOR_YUAN.get(wage_class, HOURLY_FLOOR_YUAN[3]) * FLOOR_HOURS, 1)


def hourly_floor(wage_class: int) -> float:
    return HOURLY_FLOOR_YUAN.get(wage_class, HOURLY_FLOOR_YUAN[3])


CASES = Path(__file__).parent / "data" / "screening-cases.csv"


def evaluate(path: Path = CASES) -> dict[str, object]:
    """Precision and recall of the rules on the labelled cases: a case counts as found
    when a rule of its expected category fires; any rule firing on a lawful post (or
    one of another category) is a false alarm."""
    tp = fp = fn = n = 0
    wrong: list[tuple[str, str, list[str]]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            n += 1
            got = {f.category for f in screen(row["text"])}
            expected = row["expected"]
            hit = expected != "NONE" and expected in got
            tp += hit
            fn += expected != "NONE" and not hit
            false_alarm = bool(got - {expected})
            fp += false_alarm
            if false_alarm or (expected != "NONE" and not hit):
                wrong.append((row["text"], expected, sorted(got)))
    return {
        "cases": n,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "wrong": wrong,
    }
