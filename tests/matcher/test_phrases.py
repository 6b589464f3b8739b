"""Parser accuracy on the labelled phrase sets (dev: given; held-out: written before tuning)."""

from __future__ import annotations

import csv

import pytest

from matcher.sim.phrase_eval import NONE_LABEL, Report, evaluate
from matcher.text.skills import DATA_DIR, default_taxonomy
from matcher.text.textnorm import normalize

DEV = DATA_DIR / "phrases-dev.csv"
HELDOUT = DATA_DIR / "phrases-heldout.csv"


def _show(name: str, r: Report) -> str:
    lines = [
        f"{name}: top-1 {r['top1']}/{r['n']} = {r['top1_rate']:.1%}, "
        f"NONE rejected {r['none_rejected']}/{r['none_n']} = {r['none_rejected_rate']:.0%}"
    ]
    lines += [
        f"  miss: {m['phrase']!r} expected {m['expected']} got {m['got'][:2]}" for m in r["misses"]
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def dev() -> Report:
    return evaluate(DEV)


@pytest.fixture(scope="module")
def heldout() -> Report:
    return evaluate(HELDOUT)


def test_dev_accuracy(dev: Report) -> None:
    report = _show("dev", dev)
    print("\n" + report)
    assert dev["top1_rate"] >= 0.95, report
    assert dev["none_n"] >= 5
    assert dev["none_rejected_rate"] == 1.0, report


def test_heldout_accuracy(heldout: Report) -> None:
    report = _show("held-out", heldout)
    print("\n" + report)
    assert heldout["top1_rate"] >= 0.85, report
    assert heldout["none_rejected_rate"] == 1.0, report


def _rows(path: object) -> list[dict[str, str]]:
    with DATA_DIR.joinpath(str(path)).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_heldout_set_is_well_formed() -> None:
    tax = default_taxonomy()
    rows = _rows(HELDOUT.name)
    dev_rows = _rows(DEV.name)
    assert list(rows[0]) == list(dev_rows[0])  # same columns as the dev set
    assert len(rows) >= 60
    assert sum(r["expected"] == NONE_LABEL for r in rows) >= 12
    for r in rows:
        ids = [r["expected"]] if r["expected"] != NONE_LABEL else []
        ids += [a for a in r["acceptable_alt"].split("|") if a]
        assert all(i in tax for i in ids), r
    phrases = [r["phrase"] for r in rows]
    assert len(set(phrases)) == len(phrases)
    assert not set(phrases) & {r["phrase"] for r in dev_rows}


def test_heldout_phrases_were_not_copied_into_synonyms() -> None:
    tax = default_taxonomy()
    keys = {normalize(w).replace(" ", "") for s in tax.all() for w in (s.name_zh, *s.synonyms)}
    copied = [r["phrase"] for r in _rows(HELDOUT.name) if normalize(r["phrase"]) in keys]
    assert copied == []


def test_evaluate_report_shape(dev: Report) -> None:
    assert set(dev) >= {"n", "top1", "top1_rate", "none_rejected_rate", "misses"}
    assert dev["n"] == 58
    assert 0.0 <= dev["top1_rate"] <= 1.0
