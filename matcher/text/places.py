"""Gazetteer of Qiandongnan prefecture (16 counties, 217 townships) and a place resolver.

Places are keyed on the civil-affairs adcode, never on pinyin: eight pairs of townships share
toneless pinyin (浪洞镇/朗洞镇, 彦洞乡/岩洞镇, ...), and 注溪/三江/水尾 are the same characters in
two counties. So a name that could be more than one place resolves only with a county hint, and
otherwise to None — the kiosk then asks, rather than sending a worker to the wrong valley.

Township coordinates come from GeoNames (CC BY 4.0): credit "GeoNames" wherever they are shown.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from matcher.text.textnorm import is_han, normalize

__all__ = ["Gazetteer", "Place", "PlaceLevel", "default_gazetteer"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

PlaceLevel = Literal["prefecture", "county", "township"]
_LEVELS: tuple[PlaceLevel, ...] = ("prefecture", "county", "township")

_EARTH_RADIUS_KM = 6371.0088

# People drop the administrative suffix, and with it any ethnic-township qualifier
# (三江水族乡 → 三江, 尚寨土家族乡 → 尚寨).
_ETHNIC = "(?:苗|侗|水|瑶|壮|布依|土家)族"
_HAN_SUFFIX_RE = re.compile(rf"(?:{_ETHNIC})*(?:镇|乡|街道|办事处|县|市|自治州|州)$")
_PINYIN_SUFFIX_RE = re.compile(r"(?:zhen|xiang|jiedao|xian|shi|zhou)$")


@dataclass(frozen=True, slots=True)
class Place:
    adcode: str
    level: PlaceLevel
    county_adcode: str  # the county's own adcode for a county; "" for the prefecture
    county: str
    name: str
    variant: str  # the spelling people type when the official one is rare (舞阳镇 for 㵲阳镇)
    pinyin: str
    lat: float | None
    lon: float | None


def _short_forms(name: str) -> set[str]:
    """The official name and what people type for it (without suffix / ethnic qualifier)."""
    forms = {name}
    stripped = _HAN_SUFFIX_RE.sub("", name)
    if len(stripped) >= 2:
        forms.add(stripped)
    return {f for f in forms if len(f) >= 2}


def _parse_coord(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


class Gazetteer:
    def __init__(self, places: list[Place]) -> None:
        self._places = places
        self._by_code = {p.adcode: p for p in places}
        self._townships: dict[str, list[Place]] = defaultdict(list)
        self._by_name: dict[str, list[Place]] = defaultdict(list)
        self._by_pinyin: dict[str, list[Place]] = defaultdict(list)
        for p in places:
            if p.level == "township":
                self._townships[p.county_adcode].append(p)
            for form in _short_forms(p.name) | (_short_forms(p.variant) if p.variant else set()):
                key = normalize(form)
                if p not in self._by_name[key]:
                    self._by_name[key].append(p)
            if p.pinyin:
                self._by_pinyin[_pinyin_key(p.pinyin)].append(p)
        self._name_lengths = sorted({len(k) for k in self._by_name}, reverse=True)

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        path = path or DATA_DIR / "places.csv"
        places: list[Place] = []
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                level = row["level"].strip()
                if level not in _LEVELS:
                    raise ValueError(f"{path}: unknown level {level!r} for {row['adcode']}")
                name = row["township"].strip() or row["county"].strip()
                variant = row["name_variant"].strip()
                places.append(
                    Place(
                        adcode=row["adcode"].strip(),
                        level=_LEVELS[_LEVELS.index(level)],
                        county_adcode=row["county_adcode"].strip(),
                        county=row["county"].strip(),
                        name=name,
                        variant=variant,
                        pinyin=row["pinyin"].strip(),
                        lat=_parse_coord(row["lat"]),
                        lon=_parse_coord(row["lon"]),
                    )
                )
        return cls(places)

    # ---- lookups -------------------------------------------------------------------------

    def get(self, adcode: str) -> Place | None:
        return self._by_code.get(adcode.strip())

    def __len__(self) -> int:
        return len(self._places)

    def all(self) -> list[Place]:
        return list(self._places)

    def prefecture(self) -> Place | None:
        return next((p for p in self._places if p.level == "prefecture"), None)

    def counties(self) -> list[Place]:
        return [p for p in self._places if p.level == "county"]

    def townships(self, county_adcode: str) -> list[Place]:
        return list(self._townships.get(county_adcode, ()))

    # ---- resolving free text -------------------------------------------------------------

    def resolve(self, text: str, *, county_hint: str | None = None) -> Place | None:
        """The one place text names, or None when it names none or could be several.

        Accepts an adcode (6, 9 or 12 digits), a name with or without its suffix, a common
        variant (舞阳 → 㵲阳镇), toneless pinyin (guzhou, "gu zhou", Guzhou Zhen), or a longer
        text containing a name (凯里三棵树, 黎平县肇兴镇). county_hint (a county adcode or name)
        only breaks ties between same-named or same-sounding places; it never overrides a name
        that is unique.
        """
        s = normalize(text)
        if not s:
            return None
        hint = self._county_code(county_hint) if county_hint else None
        compact = s.replace(" ", "")
        if compact.isdigit():
            return self._by_adcode(compact)
        found = self._by_name.get(compact)
        if found:
            return self._pick(found, hint)
        if compact.isascii():
            return self._resolve_pinyin(compact, hint)
        return self._resolve_in_text(compact, hint)

    def _by_adcode(self, digits: str) -> Place | None:
        # Statistical codes pad townships to 12 digits (522601100000) and counties to 12 too.
        if len(digits) == 12 and digits.endswith("000"):
            digits = digits[:9]
        if len(digits) == 9 and digits.endswith("000"):
            digits = digits[:6]
        return self._by_code.get(digits)

    def _county_code(self, hint: str) -> str | None:
        hint = hint.strip()
        if hint.isdigit():
            return hint[:6]
        counties = [p for p in self._by_name.get(normalize(hint), ()) if p.level == "county"]
        if not counties:
            counties = [
                p for p in self._by_pinyin.get(_pinyin_key(hint), ()) if p.level == "county"
            ]
        return counties[0].adcode if len(counties) == 1 else None

    @staticmethod
    def _pick(candidates: list[Place], hint: str | None) -> Place | None:
        if len(candidates) == 1:
            return candidates[0]
        if hint is not None:
            in_county = [p for p in candidates if p.county_adcode == hint]
            if len(in_county) == 1:
                return in_county[0]
        return None

    def _resolve_pinyin(self, letters: str, hint: str | None) -> Place | None:
        key = _pinyin_key(letters)
        found = self._by_pinyin.get(key)
        if not found:
            found = self._by_pinyin.get(_PINYIN_SUFFIX_RE.sub("", key))
        return self._pick(found, hint) if found else None

    def _resolve_in_text(self, s: str, hint: str | None) -> Place | None:
        """Names inside a longer text: the most specific wins, and a county named alongside a
        township serves as its hint."""
        hits: list[Place] = []
        i = 0
        while i < len(s):
            if not is_han(s[i]):
                i += 1
                continue
            for length in self._name_lengths:
                found = self._by_name.get(s[i : i + length])
                if found:
                    hits.extend(found)
                    i += length
                    break
            else:
                i += 1
        if not hits:
            return None
        counties = {p.adcode for p in hits if p.level == "county"}
        if hint is None and len(counties) == 1:
            hint = next(iter(counties))
        for level in ("township", "county", "prefecture"):
            at_level = list({p.adcode: p for p in hits if p.level == level}.values())
            if at_level:
                return self._pick(at_level, hint)
        return None

    # ---- geometry ------------------------------------------------------------------------

    def distance_km(self, a: str, b: str) -> float | None:
        """Great-circle distance between two places, or None unless both have coordinates.

        A township without its own coordinate does not borrow its county seat's: the seat can
        be 30 km away, and a wrong distance is worse than an unknown one.
        """
        pa, pb = self.get(a), self.get(b)
        if pa is None or pb is None:
            return None
        if pa.lat is None or pa.lon is None or pb.lat is None or pb.lon is None:
            return None
        return _haversine_km(pa.lat, pa.lon, pb.lat, pb.lon)


def _pinyin_key(text: str) -> str:
    return re.sub(r"[^a-z]", "", normalize(text))


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@cache
def default_gazetteer() -> Gazetteer:
    return Gazetteer.load()
