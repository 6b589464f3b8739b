"""Skill taxonomy and the free-text skill parser.

Parsing runs in stages, each only on what the earlier ones left unexplained:

1. synonym dictionary over the normalised text (longest cover wins, so 建筑普工 beats 普工, and
   a phrase may name several skills: 会砌墙也会贴砖);
2. pinyin typed in ascii (wagong, "wa gong"), matched on syllable boundaries;
3. homophone typos in Chinese (泥瓦攻 → ni wa gong), then the same with Guizhou dialect merges;
4. initials (wg, bj) — too ambiguous to ever be accepted without asking;
5. rapidfuzz over names and synonyms, as a last resort, confirm band only.

Scores are 0–100. "accept" hits can be used directly; "confirm" hits must be shown to the person
("您是说 泥瓦工 吗?").
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from rapidfuzz import fuzz, process

from matcher.text.textnorm import (
    fold_joined,
    fold_syllable,
    is_han,
    normalize,
    pinyin_boundaries,
    split_fillers,
    syllables,
)
from matcher.text.work_words import WorkWords

__all__ = [
    "ACCEPT_SCORE",
    "CONFIRM_SCORE",
    "Skill",
    "SkillHit",
    "Taxonomy",
    "default_taxonomy",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

ACCEPT_SCORE: float = 80.0
CONFIRM_SCORE: float = 50.0

# Kiosk order: the trades with the most day work in Qiandongnan markets come first.
_CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "construction": ("建筑装修", "Construction & fit-out"),
    "services": ("生活服务", "Services"),
    "agriculture": ("农林种养", "Farming & forestry"),
    "factory": ("工厂制造", "Factory"),
    "logistics": ("物流运输", "Logistics & driving"),
    "tourism_culture": ("文旅手艺", "Tourism & crafts"),
}

# Synonyms so broad they say "a worker" more than a trade. Alone they only earn a confirm; next
# to a specific skill (砌墙工人) they are ignored.
_GENERIC_KEYS = frozenset({"工人", "零工", "临时工", "大工", "驾照", "阿姨"})

# 普工 alone is a factory hand (the file's sense); on a building site it is a labourer.
_SITE_CONTEXT = ("工地", "建筑", "工程", "施工", "搬砖", "项目部", "盖房", "建房")
_CONTEXT_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "普工": (_SITE_CONTEXT, "general_laborer"),
    "工人": (_SITE_CONTEXT, "general_laborer"),
}

_K = TypeVar("_K", bound=Hashable)
_P = TypeVar("_P")
_ASCII_TOKEN = re.compile(r"[a-z]+[0-9]*|[0-9]+")

_FUZZY_ZH_CUTOFF = 75.0
_REORDERED_RATIO = 84.0
_REORDER_SLACK = 4
_FUZZY_PINYIN_CUTOFF = 82.0
_INITIALS_MAX = 8


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    name_zh: str
    name_en: str
    category: str
    synonyms: tuple[str, ...]
    pinyin: str
    initials: str
    csco_code: str
    csco_name: str


@dataclass(frozen=True, slots=True)
class SkillHit:
    skill_id: str
    score: float
    band: Literal["accept", "confirm"]


class _Kind(Enum):
    EXACT = "exact"
    GENERIC = "generic"
    ASCII_PINYIN = "ascii_pinyin"
    HAN_PINYIN = "han_pinyin"
    FOLDED = "folded"
    INITIALS_NAME = "initials_name"
    INITIALS_SYNONYM = "initials_synonym"
    OBJECT = "object"  # a crop, person or material named with no verb: to confirm
    FUZZY = "fuzzy"


@dataclass(slots=True)
class _Match:
    skills: tuple[str, ...]
    kind: _Kind
    units: float
    pos: int
    quality: float = 1.0  # share of identical characters (homophones) or fuzzy ratio / 100


@dataclass(slots=True)
class _PinyinKey:
    skills: tuple[str, ...]
    n_syllables: int
    han: tuple[str, ...]  # the Chinese spellings, to count identical characters


@dataclass(slots=True)
class _Indexes:
    zh: dict[str, tuple[str, ...]] = field(default_factory=dict)
    zh_lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ascii: dict[str, tuple[str, ...]] = field(default_factory=dict)
    syl: dict[tuple[str, ...], _PinyinKey] = field(default_factory=dict)
    syl_folded: dict[tuple[str, ...], _PinyinKey] = field(default_factory=dict)
    syl_max: int = 0
    joined: dict[str, _PinyinKey] = field(default_factory=dict)
    joined_folded: dict[str, _PinyinKey] = field(default_factory=dict)
    joined_max: int = 0
    initials_name: dict[str, tuple[str, ...]] = field(default_factory=dict)
    initials_synonym: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fuzzy_zh: list[str] = field(default_factory=list)
    fuzzy_zh_skill: list[str] = field(default_factory=list)
    fuzzy_py: list[str] = field(default_factory=list)
    fuzzy_py_skill: list[str] = field(default_factory=list)
    by_char: dict[str, tuple[int, ...]] = field(default_factory=dict)
    distinct: list[int] = field(default_factory=list)  # distinct characters per fuzzy_zh key


def _add(index: dict[str, tuple[str, ...]], key: str, skill_id: str) -> None:
    have = index.get(key, ())
    if skill_id not in have:
        index[key] = (*have, skill_id)


def _add_pinyin(index: dict[_K, _PinyinKey], key: _K, skill_id: str, han: str, n: int) -> None:
    if key not in index:
        index[key] = _PinyinKey((skill_id,), n, (han,))
        return
    entry = index[key]
    if skill_id not in entry.skills:
        entry.skills = (*entry.skills, skill_id)
    if han not in entry.han:
        entry.han = (*entry.han, han)


_SOLID = frozenset({_Kind.EXACT, _Kind.ASCII_PINYIN})
_SOUND_ALIKE = frozenset({_Kind.HAN_PINYIN, _Kind.FOLDED})


def _same_share(text: str, spellings: tuple[str, ...]) -> float:
    best = 0
    for han in spellings:
        if len(han) == len(text):
            best = max(best, sum(a == b for a, b in zip(text, han, strict=True)))
    return best / len(text)


def _best_cover(n: int, candidates: list[tuple[int, int, float, _P]]) -> list[tuple[int, int, _P]]:
    """Non-overlapping candidates covering the most weight (ties: fewest pieces)."""
    by_start: dict[int, list[tuple[int, float, _P]]] = defaultdict(list)
    for start, end, weight, payload in candidates:
        by_start[start].append((end, weight, payload))
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    choice: list[tuple[int, _P] | None] = [None] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = best[i + 1]
        choice[i] = None
        for end, weight, payload in by_start.get(i, ()):
            w, pieces = best[end]
            cand = (w + weight, pieces - 1)
            if cand >= best[i]:  # a tie goes to the leftmost word (forward maximum matching)
                best[i] = cand
                choice[i] = (end, payload)
    picked: list[tuple[int, int, _P]] = []
    i = 0
    while i < n:
        c = choice[i]
        if c is None:
            i += 1
        else:
            picked.append((i, c[0], c[1]))
            i = c[0]
    return picked


class Taxonomy:
    def __init__(self, skills: list[Skill], words: WorkWords | None = None) -> None:
        # Words the vocabulary adds (matcher.text.work_words) are matched as written and by
        # their pinyin, but never by their initials: initials are a last resort, and
        # hundreds of long-tail words would drown the curated ones (wg is 瓦工).
        added: frozenset[str] = frozenset()
        if words is not None:
            before = {w for s in skills for w in s.synonyms}
            skills = _with_occupations(skills, words)
            added = frozenset(w for s in skills for w in s.synonyms) - before
        self._by_id = {s.id: s for s in skills}
        self._order = {s.id: i for i, s in enumerate(skills)}
        self._skills = skills
        self._ix = self._build(skills, added)
        self._words = words
        self._generic = _GENERIC_KEYS | (words.effort if words is not None else frozenset())

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        path = path or DATA_DIR / "skills.csv"
        skills: list[Skill] = []
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                synonyms = tuple(s.strip() for s in row["synonyms_zh"].split("|") if s.strip())
                skills.append(
                    Skill(
                        id=row["skill_id"].strip(),
                        name_zh=row["name_zh"].strip(),
                        name_en=row["name_en"].strip(),
                        category=row["category"].strip(),
                        synonyms=synonyms,
                        pinyin=row["pinyin"].strip(),
                        initials=row["pinyin_initials"].strip().lower(),
                        csco_code=row["csco2022_code"].strip(),
                        csco_name=row["csco2022_name"].strip(),
                    )
                )
        if path != DATA_DIR / "skills.csv":
            return cls(skills)
        # The shipped taxonomy reads work named by verb + object too (matcher.text.work_words).
        taught = [w for s in skills for w in (s.name_zh, *s.synonyms)]
        return cls(skills, WorkWords.load(taught=taught))

    # ---- lookups -------------------------------------------------------------------------

    def get(self, skill_id: str) -> Skill | None:
        return self._by_id.get(skill_id)

    def __contains__(self, skill_id: object) -> bool:
        return isinstance(skill_id, str) and skill_id in self._by_id

    def __len__(self) -> int:
        return len(self._skills)

    def all(self) -> list[Skill]:
        return list(self._skills)

    def categories(self) -> list[tuple[str, str, str]]:
        present = list(dict.fromkeys(s.category for s in self._skills))
        known = [c for c in _CATEGORY_NAMES if c in present]
        unknown = [c for c in present if c not in _CATEGORY_NAMES]
        out = [(c, *_CATEGORY_NAMES[c]) for c in known]
        out += [(c, c, c.replace("_", " ").capitalize()) for c in unknown]
        return out

    def by_category(self, category: str) -> list[Skill]:
        return [s for s in self._skills if s.category == category]

    # ---- index building --------------------------------------------------------------------

    @staticmethod
    def _build(skills: list[Skill], added: frozenset[str] = frozenset()) -> _Indexes:
        ix = _Indexes()
        for skill in skills:
            words = [skill.name_zh, *skill.synonyms]
            for rank, word in enumerate(words):
                key = normalize(word).replace(" ", "")
                if not key:
                    continue
                if any(is_han(ch) for ch in key):
                    _add(ix.zh, key, skill.id)
                else:
                    _add(ix.ascii, key, skill.id)
                    continue
                if not all(is_han(ch) for ch in key):
                    continue  # mixed keys such as c1驾照 only match literally
                syl = syllables(key)
                joined = "".join(syl)
                _add_pinyin(ix.syl, syl, skill.id, key, len(syl))
                folded = tuple(fold_syllable(s) for s in syl)
                _add_pinyin(ix.syl_folded, folded, skill.id, key, len(syl))
                _add_pinyin(ix.joined, joined, skill.id, key, len(syl))
                _add_pinyin(ix.joined_folded, fold_joined(joined), skill.id, key, len(syl))
                initials = "".join(s[0] for s in syl)
                if rank == 0:
                    _add(ix.initials_name, skill.initials or initials, skill.id)
                else:
                    if word not in added:
                        _add(ix.initials_synonym, initials, skill.id)
                ix.fuzzy_zh.append(key)
                ix.fuzzy_zh_skill.append(skill.id)
                ix.fuzzy_py.append(joined)
                ix.fuzzy_py_skill.append(skill.id)
        by_char: dict[str, list[int]] = defaultdict(list)
        for key_id, key in enumerate(ix.fuzzy_zh):
            for ch in set(key):
                by_char[ch].append(key_id)
        ix.by_char = {ch: tuple(ids) for ch, ids in by_char.items()}
        ix.distinct = [len(set(key)) for key in ix.fuzzy_zh]
        lengths: dict[str, set[int]] = defaultdict(set)
        for key in ix.zh:
            lengths[key[0]].add(len(key))
        ix.zh_lengths = {ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()}
        ix.syl_max = max((len(k) for k in ix.syl), default=0)
        ix.joined_max = max((len(k) for k in ix.joined), default=0)
        return ix

    # ---- parsing ---------------------------------------------------------------------------

    def parse(self, text: str, *, limit: int = 5) -> list[SkillHit]:
        """Skills named in text, best first; empty when nothing plausible is named."""
        if limit <= 0:
            return []
        s = normalize(text)
        if not s:
            return []
        covered = [False] * len(s)
        matches: list[_Match] = []
        words = self._words
        tokens = words.tokens(s) if words is not None else []
        inside = words.object_spans(tokens) if words is not None else []
        self._match_dictionary(s, covered, matches, inside)
        if words is not None:
            # What the dictionary left: verbs with their objects, then either alone.
            for hit in words.find(s, covered, tokens):
                kind = _Kind.EXACT if hit.framed else _Kind.OBJECT
                matches.append(_Match(hit.skills[:1], kind, float(hit.end - hit.start), hit.start))
                for k in range(hit.start, hit.end):
                    covered[k] = True
        leftover_ascii = self._match_ascii(s, covered, matches)
        leftover_han, raw_han = self._match_han_pinyin(s, covered, matches)

        specific = [m for m in matches if m.kind is not _Kind.GENERIC]
        if specific:
            matches = specific
        leftover_units = float(len(leftover_han)) + sum(max(1, len(t) // 3) for t in leftover_ascii)
        if any(m.kind in _SOLID for m in matches):
            # Next to a word matched as written, a two-character homophone (施工 ~ 石工) is far
            # more often a real word than a typo; it stays in the count as unexplained text.
            weak = [m for m in matches if m.kind in _SOUND_ALIKE and m.units < 3]
            leftover_units += sum(m.units for m in weak)
            matches = [m for m in matches if not (m.kind in _SOUND_ALIKE and m.units < 3)]
        if not matches:
            matches = self._match_fuzzy(leftover_han, raw_han, leftover_ascii)
        if not matches:
            return []
        total = max(sum(m.units for m in matches) + leftover_units, 1.0)
        return self._rank(matches, total, limit)

    def _match_dictionary(
        self, s: str, covered: list[bool], out: list[_Match], inside: list[tuple[int, int]]
    ) -> None:
        ix = self._ix
        cands: list[tuple[int, int, float, str]] = []
        for i, ch in enumerate(s):
            for length in ix.zh_lengths.get(ch, ()):
                key = s[i : i + length]
                if any(a <= i and i + length <= b and b - a > length for a, b in inside):
                    continue  # part of a longer name the segmenter kept whole
                if len(key) == length and key in ix.zh:
                    weight = length * (0.6 if key in self._generic else 1.0)
                    cands.append((i, i + length, weight, key))
        for start, end, key in _best_cover(len(s), cands):
            skills = ix.zh[key]
            rule = _CONTEXT_RULES.get(key)
            kind = _Kind.GENERIC if key in self._generic else _Kind.EXACT
            if rule is not None and any(w in s for w in rule[0]):
                skills, kind = (rule[1],), _Kind.EXACT
            out.append(_Match(skills, kind, float(end - start), start))
            for k in range(start, end):
                covered[k] = True

    def _match_ascii(self, s: str, covered: list[bool], out: list[_Match]) -> list[str]:
        """Licence codes, typed pinyin and initials; returns the letters left unexplained."""
        ix = self._ix
        groups: list[list[tuple[int, str]]] = []
        prev_end = -1
        for tm in _ASCII_TOKEN.finditer(s):
            i, j, token = tm.start(), tm.end(), tm.group()
            if any(covered[i:j]):
                continue
            for k in range(i, j):
                covered[k] = True
            if token in ix.ascii:
                # A licence class (B2) is as telling as a two-character synonym.
                out.append(_Match(ix.ascii[token], _Kind.EXACT, 2.0, i))
                prev_end = -1
                continue
            if token.isdigit():
                prev_end = -1
                continue
            letters = token.rstrip("0123456789")
            if groups and prev_end >= 0 and not s[prev_end:i].strip():
                groups[-1].append((i, letters))
            else:
                groups.append([(i, letters)])
            prev_end = j
        leftover: list[str] = []
        for group in groups:
            leftover += self._match_pinyin_group(group, out)
        return leftover

    def _match_pinyin_group(self, group: list[tuple[int, str]], out: list[_Match]) -> list[str]:
        ix = self._ix
        joined = "".join(t for _, t in group)
        bounds: set[int] = set()
        valid = [False] * len(joined)  # letter belongs to a token that splits into syllables
        token_of: list[int] = []
        offset = 0
        for ti, (_, tok) in enumerate(group):
            tok_bounds = pinyin_boundaries(tok)
            bounds.update(offset + x for x in tok_bounds)
            for k in range(len(tok)):
                valid[offset + k] = bool(tok_bounds)
            token_of += [ti] * len(tok)
            offset += len(tok)
        ordered = sorted(bounds)
        cands: list[tuple[int, int, float, tuple[_PinyinKey, _Kind]]] = []
        for ai, a in enumerate(ordered):
            for b in ordered[ai + 1 :]:
                if b - a > ix.joined_max:
                    break
                if not all(valid[a:b]):
                    break
                piece = joined[a:b]
                hit = ix.joined.get(piece)
                kind = _Kind.ASCII_PINYIN
                if hit is None:
                    hit = ix.joined_folded.get(fold_joined(piece))
                    kind = _Kind.FOLDED
                if hit is not None and hit.n_syllables >= 2:
                    weight = hit.n_syllables * (1.0 if kind is _Kind.ASCII_PINYIN else 0.8)
                    cands.append((a, b, weight, (hit, kind)))
        token_hit = [False] * len(group)
        starts = [pos for pos, _ in group]
        for a, b, (hit, kind) in _best_cover(len(joined), cands):
            out.append(_Match(hit.skills, kind, float(hit.n_syllables), starts[token_of[a]]))
            for k in range(a, b):
                token_hit[token_of[k]] = True
        leftover: list[str] = []
        for ti, (pos, tok) in enumerate(group):
            if token_hit[ti]:
                continue
            if 2 <= len(tok) <= _INITIALS_MAX:
                if tok in ix.initials_name:
                    out.append(_Match(ix.initials_name[tok], _Kind.INITIALS_NAME, 1.0, pos))
                if tok in ix.initials_synonym:
                    skills = ix.initials_synonym[tok]
                    out.append(_Match(skills, _Kind.INITIALS_SYNONYM, 1.0, pos))
                if tok in ix.initials_name or tok in ix.initials_synonym:
                    continue
            leftover.append(tok)
        return leftover

    def _match_han_pinyin(self, s: str, covered: list[bool], out: list[_Match]) -> tuple[str, str]:
        """Homophone typos among the characters nothing has explained yet.

        Returns what is still unexplained, without and with the filler words."""
        spans: list[tuple[int, str]] = []
        i, n = 0, len(s)
        while i < n:
            if covered[i]:
                i += 1
                continue
            j = i
            while j < n and not covered[j]:
                j += 1
            spans.append((i, s[i:j]))
            i = j
        leftover: list[str] = []
        for span_start, span in spans:
            for chunk_start, chunk in split_fillers(span):
                base = span_start + chunk_start
                k = 0
                while k < len(chunk):
                    if not is_han(chunk[k]):
                        if not chunk[k].isspace():
                            leftover.append(chunk[k])
                        k += 1
                        continue
                    m = k
                    while m < len(chunk) and is_han(chunk[m]):
                        m += 1
                    leftover += self._homophones(chunk[k:m], base + k, out)
                    k = m
        raw = "".join(ch for _, span in spans for ch in span if is_han(ch))
        return "".join(leftover), raw

    def _homophones(self, run: str, pos: int, out: list[_Match]) -> list[str]:
        ix = self._ix
        if len(run) < 2:
            return [run]
        syl = syllables(run)
        folded = tuple(fold_syllable(x) for x in syl)
        cands: list[tuple[int, int, float, tuple[_PinyinKey, _Kind, float]]] = []
        for a in range(len(run)):
            for b in range(a + 2, min(len(run), a + ix.syl_max) + 1):
                hit = ix.syl.get(syl[a:b])
                kind = _Kind.HAN_PINYIN
                if hit is None:
                    hit = ix.syl_folded.get(folded[a:b])
                    kind = _Kind.FOLDED
                if hit is not None:
                    same = _same_share(run[a:b], hit.han)
                    if kind is _Kind.FOLDED and b - a < 3 and same == 0:
                        continue  # two dialect-blurred syllables alone match too much
                    weight = (b - a) * (0.9 if kind is _Kind.HAN_PINYIN else 0.7)
                    cands.append((a, b, weight, (hit, kind, same)))
        rest = [True] * len(run)
        for a, b, (hit, kind, same) in _best_cover(len(run), cands):
            out.append(_Match(hit.skills, kind, float(b - a), pos + a, same))
            for k in range(a, b):
                rest[k] = False
        return [ch for ch, r in zip(run, rest, strict=True) if r]

    def _match_fuzzy(self, han: str, raw_han: str, letters: list[str]) -> list[_Match]:
        ix = self._ix
        found: dict[str, float] = {}

        if len(han) >= 2:
            # WRatio tolerates a missing or extra character in short Chinese words. With one
            # character in common a key scores at most ~67, under the cutoff, so only keys
            # sharing two or more are worth handing to rapidfuzz.
            shared: dict[int, int] = defaultdict(int)
            for ch in set(han):
                for k in ix.by_char.get(ch, ()):
                    shared[k] += 1
            key_ids = [k for k, n in shared.items() if n >= 2]
            keys = [ix.fuzzy_zh[k] for k in key_ids]
            for _, ratio, i in process.extract(
                han, keys, scorer=fuzz.WRatio, score_cutoff=_FUZZY_ZH_CUTOFF, limit=None
            ):
                sid = ix.fuzzy_zh_skill[key_ids[i]]
                found[sid] = max(found.get(sid, 0.0), float(ratio))
        for sid in self._reordered(raw_han):
            found[sid] = max(found.get(sid, 0.0), _REORDERED_RATIO)
        word = "".join(letters)
        if len(word) >= 4:
            # Plain edit ratio for typed pinyin: stricter than WRatio, which it needs to be with
            # so many near-homophones among the keys.
            for _, ratio, idx in process.extract(
                word, ix.fuzzy_py, scorer=fuzz.ratio, score_cutoff=_FUZZY_PINYIN_CUTOFF, limit=10
            ):
                sid = ix.fuzzy_py_skill[idx]
                found[sid] = max(found.get(sid, 0.0), float(ratio))
        return [_Match((sid,), _Kind.FUZZY, 1.0, 0, r / 100) for sid, r in found.items()]

    def _reordered(self, text: str) -> set[str]:
        """Skills whose synonym appears with its parts in another order or split apart.

        Spoken Chinese fronts the object (老人需要照顾 for 照顾老人, 车要修 for 修车), which no
        substring or edit-distance match sees.
        """
        ix = self._ix
        if len(text) < 2:
            return set()
        positions: dict[str, list[int]] = defaultdict(list)
        for i, ch in enumerate(text):
            positions[ch].append(i)
        # A key qualifies only if every one of its distinct characters occurs in text: count
        # them per key through the character index instead of testing every key.
        present: dict[int, int] = defaultdict(int)
        for ch in positions:
            for key_id in ix.by_char.get(ch, ()):
                present[key_id] += 1
        out: set[str] = set()
        for key_id, count in present.items():
            if count < ix.distinct[key_id]:
                continue
            key = ix.fuzzy_zh[key_id]
            if any(len(positions[c]) < key.count(c) for c in set(key)):
                continue
            first = min(positions[c][0] for c in key)
            last = max(positions[c][-1] for c in key)
            if last - first + 1 <= len(key) + _REORDER_SLACK:
                out.add(ix.fuzzy_zh_skill[key_id])
        return out

    def _rank(self, matches: list[_Match], total: float, limit: int) -> list[SkillHit]:
        mentions: dict[str, int] = defaultdict(int)
        first: dict[str, int] = {}
        for m in matches:
            for sid in m.skills:
                mentions[sid] += 1
                first[sid] = min(first.get(sid, m.pos), m.pos)
        explained = min(1.0, sum(m.units for m in matches) / total)
        n_mentions = sum(mentions.values())
        best: dict[str, float] = {}
        for m in matches:
            for sid in m.skills:
                score = _score(m, explained, mentions[sid] / n_mentions)
                if score > best.get(sid, -1.0):
                    best[sid] = score
        # Equal scores keep the order the person named them in: the first is usually the main one.
        ranked = sorted(best, key=lambda sid: (-best[sid], first[sid], self._order.get(sid, 0)))
        hits: list[SkillHit] = []
        for sid in ranked[:limit]:
            score = round(min(100.0, max(0.0, best[sid])), 1)
            if score >= ACCEPT_SCORE:
                hits.append(SkillHit(sid, score, "accept"))
            elif score >= CONFIRM_SCORE:
                hits.append(SkillHit(sid, score, "confirm"))
        return hits


def _score(m: _Match, explained: float, share: float) -> float:
    """explained: how much of the phrase the matches account for; share: this skill's part of
    the mentions (a skill named twice, 搬砖的小工, is surer than one named in passing)."""
    shared = len(m.skills) - 1  # one spelling or pinyin naming several skills
    if m.kind is _Kind.EXACT:
        return 80.0 + 15.0 * explained + 5.0 * share - (8.0 + 2.0 * shared if shared else 0.0)
    if m.kind is _Kind.GENERIC:
        return 66.0 + 10.0 * explained - 2.0 * shared
    if m.kind is _Kind.ASCII_PINYIN:
        if shared:
            return 72.0 - 2.0 * shared
        return 78.0 + 10.0 * explained + 4.0 * share
    if m.kind is _Kind.HAN_PINYIN:
        score = 64.0 + 18.0 * m.quality + 6.0 * explained
        return min(score, 78.0) - 2.0 * shared if shared else score
    if m.kind is _Kind.FOLDED:
        return min(78.0, 60.0 + 12.0 * m.quality + 6.0 * explained) - 2.0 * shared
    if m.kind is _Kind.INITIALS_NAME:
        return 70.0 - 2.0 * shared
    if m.kind is _Kind.OBJECT:
        return min(ACCEPT_SCORE - 1.0, 68.0 + 10.0 * explained)
    if m.kind is _Kind.INITIALS_SYNONYM:
        return 62.0 - 2.0 * shared
    return min(ACCEPT_SCORE - 1.0, 75.0 * m.quality)


def _with_occupations(skills: list[Skill], words: WorkWords) -> list[Skill]:
    """Occupation and trade names from the vocabulary as synonyms, where no skill has
    the word already (a second owner would make a sure word ambiguous)."""
    known = {w for s in skills for w in (s.name_zh, *s.synonyms)}
    extra: dict[str, list[str]] = {}
    for word, owners in words.occupations.items():
        if word not in known and len(owners) == 1:
            extra.setdefault(owners[0], []).append(word)
    return [
        replace(s, synonyms=(*s.synonyms, *extra[s.id])) if s.id in extra else s for s in skills
    ]


@cache
def default_taxonomy() -> Taxonomy:
    return Taxonomy.load()
