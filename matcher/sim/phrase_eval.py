"""Accuracy of the skill parser on a labelled phrase file (phrases-dev.csv, phrases-heldout.csv).

A phrase counts as right when the top hit is the expected skill or one of the acceptable
alternatives (``|``-separated); for ``NONE`` rows right means no hit in the accept band.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TypedDict

from matcher.text.skills import Taxonomy, default_taxonomy

__all__ = ["Miss", "Report", "evaluate"]

NONE_LABEL = "NONE"


class Miss(TypedDict):
    phrase: str
    expected: str
    acceptable: list[str]
    kind: str
    got: list[tuple[str, float, str]]  # (skill id, score, band) as parsed, best first


class Report(TypedDict):
    n: int
    top1: int
    top1_rate: float
    none_n: int
    none_rejected: int
    none_rejected_rate: float
    misses: list[Miss]


def evaluate(path: str | Path, taxonomy: Taxonomy | None = None) -> Report:
    tax = taxonomy or default_taxonomy()
    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    top1 = none_n = none_rejected = 0
    misses: list[Miss] = []
    for row in rows:
        phrase = row["phrase"]
        expected = row["expected"].strip()
        alts = [a.strip() for a in (row.get("acceptable_alt") or "").split("|") if a.strip()]
        hits = tax.parse(phrase)
        if expected == NONE_LABEL:
            none_n += 1
            ok = not any(h.band == "accept" for h in hits)
            none_rejected += ok
        else:
            ok = bool(hits) and hits[0].skill_id in (expected, *alts)
        top1 += ok
        if not ok:
            misses.append(
                Miss(
                    phrase=phrase,
                    expected=expected,
                    acceptable=alts,
                    kind=row.get("kind") or "",
                    got=[(h.skill_id, h.score, h.band) for h in hits],
                )
            )
    n = len(rows)
    return Report(
        n=n,
        top1=top1,
        top1_rate=top1 / n if n else 0.0,
        none_n=none_n,
        none_rejected=none_rejected,
        # With no NONE rows there is nothing to get wrong.
        none_rejected_rate=none_rejected / none_n if none_n else 1.0,
        misses=misses,
    )
