"""The closest skills to text the parser did not understand: "是不是这些？".

A check-in whose text names no known skill used to be refused, and that worker was lost.
Instead the kiosk shows the nearest skill tiles and the API answers its 422 with the same
list, best first, so a person (or an integration) can pick one with a tap.

The list is built from, in order: the parser's own hits (accept and confirm bands, their
scores), then skill words sharing telling characters with the text, then skill words that
sound alike (toneless pinyin, syllable by syllable), then the trades with the most day
work in a county hall, so a list is never empty. Everything after the parser's hits scores
below the parser's confirm band (50): it is only offered, never assumed.

"Telling" characters: the filler words the parser ignores (我, 能, 干, 一点, 个…) are cut
first, and every character is weighed by how few skills use it, so 帮 in 帮工 counts and
工 (in half the taxonomy) hardly does. One shared 工 or 做 is noise, not a suggestion.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from matcher.text.skills import CONFIRM_SCORE, Taxonomy
from matcher.text.textnorm import fold_syllable, is_han, normalize, split_fillers, syllables

__all__ = [
    "COMMON_TRADES",
    "DEFAULT_LIMIT",
    "SUGGEST_BAND",
    "Suggestion",
    "parse_entries",
    "suggest",
]

DEFAULT_LIMIT = 6
# The band of an entry of ``parse_entries`` that the parser did not find: offer it only.
SUGGEST_BAND = "suggest"
# What most people in a county hall do, for the tail of a list that found nothing closer.
COMMON_TRADES = (
    "general_laborer",
    "porter",
    "cleaner",
    "farm_hand",
    "kitchen_helper",
    "fruit_picker",
)
# The best a suggestion that is not the parser's own hit can score: under its confirm band.
_TOP = 45.0
assert _TOP < CONFIRM_SCORE
# Share of a skill word's weight the text must hold (帮 of 帮工 holds ~0.9, 天 of 天麻 0.5).
_MIN_SHARE = 0.45
# A near syllable: the same initial, finals one letter apart (jian ~ jiang, not jian ~ xian).
_INITIALS: tuple[str, ...] = (
    *("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g"),
    *("k", "h", "j", "q", "x", "r", "z", "c", "s", "y", "w"),
)
_NEAR = 0.9  # a word with one near syllable, against one that sounds the same
# Longer text is cut here for the sound comparison (an API caller may send 200 characters).
_SOUND_MAX_CHARS = 60


@dataclass(frozen=True, slots=True)
class Suggestion:
    skill_id: str
    name_zh: str
    name_en: str
    score: float

    def as_json(self) -> dict[str, str | float]:
        return {
            "skill_id": self.skill_id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "score": self.score,
        }


@dataclass(slots=True)
class _Index:
    keys: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    by_char: dict[str, list[int]] = field(default_factory=dict)
    weight: dict[str, float] = field(default_factory=dict)
    # Skill words by their folded syllables with one left open ("*"): the words that
    # sound like a run of the text but for at most that one syllable.
    sounds: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    longest: int = 0


def _sound(han: str) -> tuple[str, ...]:
    return tuple(fold_syllable(s) for s in syllables(han))


def _split(syl: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if syl.startswith(initial) and len(syl) > len(initial):
            return initial, syl[len(initial) :]
    return "", syl


def _near(a: str, b: str) -> bool:
    (ia, fa), (ib, fb) = _split(a), _split(b)
    return ia == ib and _one_apart(fa, fb)


def _one_apart(a: str, b: str) -> bool:
    """One letter changed, added or dropped."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@lru_cache(maxsize=8)
def _index(taxonomy: Taxonomy) -> _Index:
    ix = _Index()
    used_by: dict[str, set[str]] = defaultdict(set)
    for skill in taxonomy.all():
        for word in (skill.name_zh, *skill.synonyms):
            key = normalize(word).replace(" ", "")
            if not key or not all(is_han(ch) for ch in key):
                continue
            for ch in set(key):
                ix.by_char.setdefault(ch, []).append(len(ix.keys))
                used_by[ch].add(skill.id)
            ix.keys.append(key)
            ix.owners.append(skill.id)
            if len(key) >= 2:
                sound = _sound(key)
                ix.longest = max(ix.longest, len(sound))
                for j in range(len(sound)):
                    open_slot = (*sound[:j], "*", *sound[j + 1 :])
                    ix.sounds.setdefault(open_slot, []).append((sound, skill.id))
    n = max(len(taxonomy), 1)
    # Inverse document frequency over skills: rare characters tell, common ones do not.
    ix.weight = {ch: math.log((n + 1) / len(ids)) for ch, ids in used_by.items()}
    return ix


def _han_runs(text: str) -> list[str]:
    runs: list[str] = []
    current: list[str] = []
    for ch in text:
        if is_han(ch):
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def _by_characters(ix: _Index, text: str, found: dict[str, float]) -> None:
    """Skill words most of whose weight is in characters of the text (fillers cut)."""
    chars = {ch for _, chunk in split_fillers(text) for run in _han_runs(chunk) for ch in run}
    seen: set[int] = set()
    for ch in chars:
        seen.update(ix.by_char.get(ch, ()))
    for key_id in seen:
        key = set(ix.keys[key_id])
        total = sum(ix.weight[c] for c in key)
        share = sum(ix.weight[c] for c in key & chars) / total if total else 0.0
        if share >= _MIN_SHARE:
            score = round(_TOP * share, 1)
            owner = ix.owners[key_id]
            found[owner] = max(found.get(owner, 0.0), score)


def _by_sound(ix: _Index, text: str, found: dict[str, float]) -> None:
    """Skill words that sound like a run of the text's syllables: all alike (帮橱 ~ 帮厨),
    or all but one, which is one letter off (木间 ~ 木匠). Fillers stay in: the parser cuts
    them, so a homophone spanning one (帮) escapes it."""
    for run in _han_runs(text[:_SOUND_MAX_CHARS]):
        sound = _sound(run)
        for n in range(2, min(len(sound), ix.longest) + 1):
            for start in range(len(sound) - n + 1):
                window = sound[start : start + n]
                for j in range(n):
                    open_slot = (*window[:j], "*", *window[j + 1 :])
                    for word, owner in ix.sounds.get(open_slot, ()):
                        if word == window:
                            score = _TOP
                        elif _near(word[j], window[j]):
                            score = round(_TOP * _NEAR, 1)
                        else:
                            continue
                        found[owner] = max(found.get(owner, 0.0), score)


def suggest(taxonomy: Taxonomy, text: str, *, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """Up to ``limit`` skills a person probably meant, best first; never empty for
    ``limit`` > 0 and a taxonomy with skills (the hall's common trades, then the
    taxonomy's own order, fill the end). Nothing is stored."""
    if limit <= 0 or len(taxonomy) == 0:
        return []
    parsed: dict[str, float] = {}
    for hit in taxonomy.parse(text, limit=limit):
        parsed.setdefault(hit.skill_id, hit.score)
    near: dict[str, float] = {}
    s = normalize(text)
    if len(parsed) < limit and s:
        ix = _index(taxonomy)
        _by_characters(ix, s, near)
        _by_sound(ix, s, near)
    ranked = list(parsed)
    # Equal scores keep the taxonomy's (the kiosk's) order.
    order = {sk.id: i for i, sk in enumerate(taxonomy.all())}
    ranked += sorted(
        (sid for sid in near if sid not in parsed), key=lambda sid: (-near[sid], order[sid])
    )
    ranked += [sid for sid in COMMON_TRADES if sid in taxonomy]
    ranked += list(order)
    out: list[Suggestion] = []
    for sid in dict.fromkeys(ranked):
        skill = taxonomy.get(sid)
        if skill is None:
            continue
        score = parsed.get(sid, near.get(sid, 0.0))
        out.append(Suggestion(sid, skill.name_zh, skill.name_en, score))
        if len(out) == limit:
            break
    return out


def parse_entries(taxonomy: Taxonomy, text: str) -> list[dict[str, str | float]]:
    """What ``GET /api/v1/skills/parse`` and ``kuaizhao skills parse --json`` answer: the
    parser's hits ``{"skill_id", "score", "band", "name_zh", "name_en"}`` best first
    (band "accept" or "confirm"); when none is in the accept band, the suggestions not
    already listed follow, band "suggest" and score under the confirm band, so an
    integration always has something to offer."""
    entries: list[dict[str, str | float]] = []
    for hit in taxonomy.parse(text):
        skill = taxonomy.get(hit.skill_id)
        entries.append(
            {
                "skill_id": hit.skill_id,
                "score": hit.score,
                "band": hit.band,
                "name_zh": skill.name_zh if skill else "",
                "name_en": skill.name_en if skill else "",
            }
        )
    if any(e["band"] == "accept" for e in entries):
        return entries
    listed = {e["skill_id"] for e in entries}
    for s in suggest(taxonomy, text):
        # A parser hit past the list's own limit is no suggestion: it is left out.
        if s.skill_id not in listed and s.score < CONFIRM_SCORE:
            entries.append(
                {
                    "skill_id": s.skill_id,
                    "score": s.score,
                    "band": SUGGEST_BAND,
                    "name_zh": s.name_zh,
                    "name_en": s.name_en,
                }
            )
    return entries
