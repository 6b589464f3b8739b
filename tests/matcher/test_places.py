"""Gazetteer of Qiandongnan and the place resolver."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from matcher.text.places import DATA_DIR, Gazetteer, Place, default_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def code(p: Place | None) -> str | None:
    return p.adcode if p else None


def test_counts_and_structure(gaz: Gazetteer) -> None:
    counties = gaz.counties()
    assert len(counties) == 16
    assert [c.adcode for c in counties] == sorted(c.adcode for c in counties)
    assert all(c.level == "county" and c.county_adcode == c.adcode for c in counties)
    townships = [t for c in counties for t in gaz.townships(c.adcode)]
    assert len(townships) == 217
    assert all(t.adcode.startswith(t.county_adcode) and len(t.adcode) == 9 for t in townships)
    assert gaz.townships("999999") == []
    pref = gaz.get("522600")
    assert pref is not None and pref.level == "prefecture" and pref.county_adcode == ""
    assert default_gazetteer() is default_gazetteer()
    assert len(Gazetteer.load(DATA_DIR / "places.csv").counties()) == 16


def test_place_fields(gaz: Gazetteer) -> None:
    wuyang = gaz.get("522625100")
    assert wuyang == Place(
        adcode="522625100",
        level="township",
        county_adcode="522625",
        county="镇远县",
        name="㵲阳镇",
        variant="舞阳镇",
        pinyin="Wuyang",
        lat=None,
        lon=None,
    )
    zhaoxing = gaz.get("522631110")
    assert zhaoxing is not None and zhaoxing.lat == pytest.approx(25.91083)
    kaili = gaz.get(" 522601 ")
    assert kaili is not None and kaili.name == "凯里市" and kaili.lon is not None
    assert gaz.get("000000") is None


@pytest.mark.parametrize(
    ("text", "adcode"),
    [
        ("522632100", "522632100"),  # adcode
        ("522601", "522601"),
        ("522601100000", "522601100"),  # 12-digit statistical code
        ("522601000000", "522601"),
        ("古州镇", "522632100"),  # full name
        ("古州", "522632100"),  # without suffix
        ("三江水族乡", "522632204"),
        ("尚寨", "522625205"),  # ethnic-township qualifier dropped too
        ("达地", "522634203"),
        ("舞阳", "522625100"),  # common variant of 㵲阳
        ("舞阳镇", "522625100"),
        ("㵲阳", "522625100"),
        ("舞水", "522626001"),
        ("guzhou", "522632100"),  # pinyin
        ("Gu Zhou", "522632100"),
        ("ＧＵＺＨＯＵ", "522632100"),
        ("guzhouzhen", "522632100"),
        ("凯里", "522601"),
        ("凯里市", "522601"),
        ("Kaili", "522601"),
        ("kailishi", "522601"),
        ("黔东南", "522600"),
        ("黔东南州", "522600"),
        ("凯里三棵树", "522601100"),  # inside a longer text: most specific wins
        ("黎平县肇兴镇", "522631110"),
        ("榕江三江", "522632204"),  # county in the text disambiguates 三江
        ("我在凯里", "522601"),
    ],
)
def test_resolve(gaz: Gazetteer, text: str, adcode: str) -> None:
    assert code(gaz.resolve(text)) == adcode


@pytest.mark.parametrize("text", ["", "  ", "北京", "hello", "123", "522699", "你好"])
def test_resolve_unknown(gaz: Gazetteer, text: str) -> None:
    assert gaz.resolve(text) is None


def _homophone_groups() -> list[list[dict[str, str]]]:
    with (DATA_DIR / "places.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "township"]
    by_pinyin: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_pinyin[r["pinyin"].lower()].append(r)
    return [g for g in by_pinyin.values() if len(g) > 1]


def test_data_has_the_eight_homophone_pairs() -> None:
    assert len(_homophone_groups()) == 8


@pytest.mark.parametrize("group", _homophone_groups(), ids=lambda g: g[0]["pinyin"])
def test_homophones_need_a_county_hint(gaz: Gazetteer, group: list[dict[str, str]]) -> None:
    pinyin = group[0]["pinyin"].lower()
    assert gaz.resolve(pinyin) is None  # never guess by pinyin alone
    counties = [r["county_adcode"] for r in group]
    for r in group:
        got = gaz.resolve(pinyin, county_hint=r["county_adcode"])
        if counties.count(r["county_adcode"]) == 1:
            assert code(got) == r["adcode"]
        else:
            assert got is None  # 丙梅街道 / 丙妹镇: same county, still ambiguous
        # the Chinese name itself is unambiguous unless two townships share it
        assert code(gaz.resolve(r["township"])) == r["adcode"]


@pytest.mark.parametrize(
    ("name", "hint", "adcode"),
    [
        ("注溪", "522627", "522627202"),
        ("注溪", "522626", "522626104"),
        ("三江", "榕江县", "522632204"),  # hint by county name
        ("三江", "锦屏", "522628100"),
        ("水尾", "rongjiang", "522632211"),  # or county pinyin
        ("langdong", "榕江", "522632105"),
        ("langdong", "522622", "522622107"),
        ("langdong", "522622107", "522622107"),  # a township code works as a county hint
    ],
)
def test_same_name_resolved_by_hint(gaz: Gazetteer, name: str, hint: str, adcode: str) -> None:
    assert gaz.resolve(name) is None
    assert code(gaz.resolve(name, county_hint=hint)) == adcode


def test_hint_does_not_override_a_unique_name(gaz: Gazetteer) -> None:
    assert code(gaz.resolve("古州", county_hint="522601")) == "522632100"


def test_two_townships_in_one_text_is_ambiguous(gaz: Gazetteer) -> None:
    assert gaz.resolve("古州 肇兴") is None


def test_distance(gaz: Gazetteer) -> None:
    kaili_liping = gaz.distance_km("522601", "522631")
    assert kaili_liping == pytest.approx(121.9, abs=0.5)
    assert gaz.distance_km("522631", "522601") == pytest.approx(kaili_liping)
    assert gaz.distance_km("522601", "522601") == 0.0
    # 肇兴镇 to 德凤街道 (Liping seat), both with GeoNames coordinates
    assert gaz.distance_km("522631110", "522631001") == pytest.approx(35.9, abs=0.5)
    # a township without coordinates does not borrow its county seat's
    assert gaz.distance_km("522632100", "522632") is None
    assert gaz.distance_km("nope", "522632") is None


def test_geonames_attribution_shipped() -> None:
    assert "GeoNames (CC BY 4.0)" in (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    with (DATA_DIR / "places.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["level"] == "township" and r["lat"]:
                assert r["coord_source"] == "GeoNames (CC BY 4.0)"
