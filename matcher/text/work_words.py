"""Work named by what is done to what: 摘杨梅, 照顾瘫痪老人, 开货车送货, 刮腻子.

People in a county hall rarely say a trade's name. They say the verb and its object, and
the object is usually a crop, a person, a vehicle or a material that no synonym list can
hold in every combination. ``matcher/data/vocabulary`` holds the parts instead, from
systematic sources (see its SOURCES.md): object nouns and verbs, each with a class, and
frames saying which skill a verb class with an object class means (harvest + fruit →
fruit_picker, process + tea → tea_processing, care + elder → elder_care).

Text is segmented with jieba (the rjieba binding of jieba-rs), its dictionary taught the
taxonomy's words and the vocabulary's, so 帮人摘杨梅一天150 splits into 帮人 / 摘 / 杨梅 /
一天 / 150 and the phrase resolves by its head pair (摘, 杨梅). An object with no verb near
it resolves by the object alone, where a frame says what it implies, and only as a
suggestion to confirm (杨梅 alone could be selling them).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import rjieba

VOCABULARY_DIR = Path(__file__).resolve().parents[1] / "data" / "vocabulary"
ANY = "*"
# A verb belongs to the object within this many tokens before it (摘了两天杨梅) or after
# it (杨梅采摘, 老人需要照顾).
VERB_BEFORE = 3
VERB_AFTER = 2
# Where work happens, not what it is done to: 在工地打过混凝土 is concrete work done at a
# site, not work "on" the site. A place takes only a verb before it (看仓库).
PLACES = frozenset(
    {
        "worksite", "restaurant", "hotel", "homestay", "shop", "supermarket", "factory",
        "warehouse", "parcel_station", "orchard", "tea_garden", "greenhouse", "farm",
        "slaughterhouse",
    }
)  # fmt: skip
# Effort, not a trade: 有力气, 下力, 干粗活 say someone will do hard work, and next to a
# trade (有力气 搬运) they add nothing to it. Such descriptions act like the taxonomy's
# generic words: alone they earn a question, beside a trade they are ignored.
_EFFORT_SOURCE = "effort description"
_EFFORT_MARKS = ("力", "活", "苦", "累", "粗", "零工")
# jieba's frequency for the words it is taught: high enough to win over its own splits.
_TAUGHT_FREQ = 100_000


@dataclass(frozen=True, slots=True)
class WordHit:
    skills: tuple[str, ...]  # main skill first, then the acceptable alternatives
    start: int
    end: int
    framed: bool  # a verb and its object (sure), or an object alone (to confirm)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


class WorkWords:
    def __init__(
        self,
        occupations: dict[str, tuple[str, ...]],
        objects: dict[str, tuple[str, ...]],
        verbs: dict[str, tuple[str, ...]],
        frames: dict[tuple[str, str], tuple[str, ...]],
        taught: Iterable[str] = (),
        effort: Iterable[str] = (),
    ) -> None:
        self.occupations = occupations
        self.effort = frozenset(effort)
        self.objects = objects
        self.verbs = verbs
        self.frames = frames
        self._seg = rjieba.Jieba()
        for word in {*taught, *occupations, *objects, *verbs}:
            if len(word) >= 2:
                self._seg.add_word(word, _TAUGHT_FREQ, None)

    @classmethod
    def load(cls, directory: Path | None = None, *, taught: Iterable[str] = ()) -> WorkWords:
        d = directory or VOCABULARY_DIR

        def grouped(rows: list[dict[str, str]], key: str, value: str) -> dict[str, tuple[str, ...]]:
            out: dict[str, list[str]] = {}
            for row in rows:
                if row[key] and row[value] and row[value] not in out.get(row[key], []):
                    out.setdefault(row[key], []).append(row[value])
            return {k: tuple(v) for k, v in out.items()}

        frames: dict[tuple[str, str], tuple[str, ...]] = {}
        for row in _rows(d / "frames.csv"):
            alts = [a for a in row.get("alt_skill_ids", "").split("|") if a]
            frames.setdefault((row["verb_class"], row["object_class"]), (row["skill_id"], *alts))
        occupations = _rows(d / "occupations.csv")
        effort = [
            row["word"]
            for row in occupations
            if row.get("source", "").startswith(_EFFORT_SOURCE)
            and any(mark in row["word"] for mark in _EFFORT_MARKS)
        ]
        return cls(
            grouped(occupations, "word", "skill_id"),
            grouped(_rows(d / "objects.csv"), "word", "class"),
            grouped(_rows(d / "verbs.csv"), "word", "class"),
            frames,
            taught,
            effort,
        )

    def frame(self, verb: str, obj: str) -> tuple[str, ...] | None:
        for vc in self.verbs.get(verb, ()):
            for oc in self.objects.get(obj, ()):
                found = self.frames.get((vc, oc))
                if found:
                    return found
        return None

    def _alone(self, obj: str) -> tuple[str, ...] | None:
        for oc in self.objects.get(obj, ()):
            found = self.frames.get((ANY, oc))
            if found:
                return found
        return None

    @staticmethod
    def _bind_first(
        order: Iterable[int],
        used: set[int],
        is_verb: Callable[[int], bool],
        bind: Callable[[int, int], bool],
        obj: int,
    ) -> bool:
        """Bind to the nearest free verb in ``order``; the first verb met ends the
        search whether it binds or not (a verb in between owns the object)."""
        for n in order:
            if n in used or not is_verb(n):
                continue
            return bind(n, obj)
        return False

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        return [(w, a, b) for w, a, b in self._seg.tokenize(text) if w.strip()]

    def object_spans(self, tokens: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
        """Spans of objects and places the segmenter kept whole (快递站, 月子餐): a trade word
        inside one (快递 in 快递站) is part of a name, not a mention of that trade."""
        return [(a, b) for w, a, b in tokens if b - a >= 2 and w in self.objects]

    def find(
        self, text: str, covered: list[bool], tokens: list[tuple[str, int, int]] | None = None
    ) -> list[WordHit]:
        """Frames in ``text`` (normalised), only where no earlier stage explained it.

        A verb takes the nearest object after it first (摘杨梅, 打过混凝土: Chinese puts the
        object after its verb), then an object left over takes a verb after or before it
        (杨梅采摘, 老人需要照顾); an object left over after that stands alone."""
        toks = [(w, a, b) for w, a, b in (tokens or self.tokens(text)) if not any(covered[a:b])]
        hits: list[WordHit] = []
        used: set[int] = set()

        def bind(verb_at: int, obj_at: int) -> bool:
            skills = self.frame(toks[verb_at][0], toks[obj_at][0])
            if not skills:
                return False
            lo = min(toks[verb_at][1], toks[obj_at][1])
            hi = max(toks[verb_at][2], toks[obj_at][2])
            hits.append(WordHit(skills, lo, hi, True))
            used.update((verb_at, obj_at))
            return True

        def verb_only(n: int) -> bool:
            return toks[n][0] in self.verbs and toks[n][0] not in self.objects

        for i, (word, _a, _b) in enumerate(toks):
            if i in used or word not in self.verbs:
                continue
            for n in range(i + 1, min(len(toks), i + 1 + VERB_BEFORE)):
                if n not in used and toks[n][0] in self.objects and bind(i, n):
                    break
                if verb_only(n):
                    break  # 做小工 摘杨梅: the nearer verb owns what follows it
        for i, (word, a, b) in enumerate(toks):
            if i in used or word not in self.objects:
                continue
            place = all(c in PLACES for c in self.objects[word])
            after = range(i + 1, i + 1 if place else min(len(toks), i + 1 + VERB_AFTER))
            before = range(i - 1, max(-1, i - 1 - VERB_BEFORE), -1)
            if self._bind_first(after, used, verb_only, bind, i):
                continue
            if self._bind_first(before, used, verb_only, bind, i):
                continue
            skills = self._alone(word)
            if skills:
                hits.append(WordHit(skills, a, b, False))
                used.add(i)
        for i, (word, a, b) in enumerate(toks):
            if i in used or word not in self.verbs:
                continue
            for vc in self.verbs[word]:
                skills = self.frames.get((vc, ANY))
                if skills:
                    hits.append(WordHit(skills, a, b, False))
                    break
        return hits
