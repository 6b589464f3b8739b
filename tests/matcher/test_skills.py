"""Skill taxonomy, text normalisation and the free-text skill parser."""

from __future__ import annotations

import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.text.skills import (
    ACCEPT_SCORE,
    CONFIRM_SCORE,
    DATA_DIR,
    Skill,
    SkillHit,
    Taxonomy,
    default_taxonomy,
)
from matcher.text.textnorm import is_han, normalize, pinyin_boundaries, split_fillers, syllables


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return default_taxonomy()


def top(tax: Taxonomy, text: str) -> SkillHit | None:
    hits = tax.parse(text)
    return hits[0] if hits else None


def accepted(tax: Taxonomy, text: str) -> list[str]:
    return [h.skill_id for h in tax.parse(text) if h.band == "accept"]


# ---- taxonomy --------------------------------------------------------------------------------


def test_load_packaged_taxonomy(tax: Taxonomy) -> None:
    skills = tax.all()
    assert len(skills) == 80
    assert len({s.id for s in skills}) == 80
    assert skills[0].id == "general_laborer"  # file order is kept
    brick = tax.get("bricklayer")
    assert brick == Skill(
        id="bricklayer",
        name_zh="泥瓦工",
        name_en="bricklayer / mason",
        category="construction",
        synonyms=brick.synonyms if brick else (),
        pinyin="ni wa gong",
        initials="nwg",
        csco_code="6-29-01-01",
        csco_name="砌筑工",
    )
    assert brick is not None and "泥水匠" in brick.synonyms
    assert "bricklayer" in tax and "astronaut" not in tax and 3 not in tax
    assert tax.get("astronaut") is None
    tea = tax.get("tea_picker")
    assert tea is not None and tea.csco_code == ""  # a local skill without a CSCO code


def test_default_taxonomy_is_cached() -> None:
    assert default_taxonomy() is default_taxonomy()


def test_load_explicit_path() -> None:
    tax = Taxonomy.load(DATA_DIR / "skills.csv")
    assert len(tax.all()) == 80


def test_categories_cover_every_skill_in_kiosk_order(tax: Taxonomy) -> None:
    cats = tax.categories()
    ids = [c[0] for c in cats]
    assert ids[0] == "construction"
    assert set(ids) == {s.category for s in tax.all()}
    assert all(zh and en for _, zh, en in cats)
    assert sum(len(tax.by_category(c)) for c in ids) == 80
    assert tax.by_category("factory")[0].id == "factory_worker"
    assert tax.by_category("nope") == []


def test_csv_pinyin_columns_match_computed_pinyin() -> None:
    """The parser computes pinyin itself; the file's columns must agree, polyphones included."""
    with (DATA_DIR / "skills.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        synonyms = row["synonyms_zh"].split("|")
        pinyins = row["synonym_pinyin"].split("|")
        initials = row["synonym_initials"].split("|")
        assert len(synonyms) == len(pinyins) == len(initials), row["skill_id"]
        for word, py, ini in zip(synonyms, pinyins, initials, strict=True):
            if not all(is_han(ch) for ch in word):
                # licence codes (C1, B2) and mixed keys (C1驾照) only ever match literally
                assert py.isascii()
                continue
            syl = syllables(word)
            assert "".join(syl) == py, (row["skill_id"], word)
            assert "".join(s[0] for s in syl) == ini, (row["skill_id"], word)
        assert " ".join(syllables(row["name_zh"])) == row["pinyin"], row["skill_id"]


# ---- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("ＷＡＧＯＮＧ", "wagong"),
        ("  Wa   Gong ", "wa gong"),
        ("会砌墙，也会贴砖！", "会砌墙 也会贴砖"),
        ("Ｃ１", "c1"),
        ("３个人", "3个人"),
        ("\t\n", ""),
    ],
)
def test_normalize(raw: str, norm: str) -> None:
    assert normalize(raw) == norm


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        ("招3个人搬砖", ["搬砖"]),
        ("急招两个小工日结", ["小工"]),
        ("要5名 焊工", ["焊工"]),
        ("我会砌墙", ["砌墙"]),
        ("今天天气不错", ["天气", "错"]),
        ("在吗", []),
    ],
)
def test_split_fillers(text: str, chunks: list[str]) -> None:
    assert [c for _, c in split_fillers(text)] == chunks


def test_split_fillers_keeps_offsets() -> None:
    text = "招3个人搬砖"
    assert all(text[i : i + len(c)] == c for i, c in split_fillers(text))


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("抹灰", ("mo", "hui")),
        ("模板", ("mu", "ban")),
        ("扎钢筋", ("za", "gang", "jin")),
        ("制种", ("zhi", "zhong")),
        ("绿化", ("lv", "hua")),
    ],
)
def test_polyphone_readings(word: str, expected: tuple[str, ...]) -> None:
    assert syllables(word) == expected


def test_pinyin_boundaries() -> None:
    assert pinyin_boundaries("wagong") == {0, 2, 6}
    assert 4 in pinyin_boundaries("xian")  # xian or xi+an: both ends are boundaries
    assert pinyin_boundaries("hello") == frozenset()
    assert pinyin_boundaries("wg") == frozenset()


# ---- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("泥水匠", "bricklayer"),
        ("招两个搬砖的小工", "general_laborer"),
        ("急招木匠师傅日结", "carpenter"),
        ("找个扎钢筋的", "rebar_worker"),
        ("会开车 C1", "driver"),
        ("Ｃ１", "driver"),
        ("ＷＡＧＯＮＧ", "bricklayer"),
        ("wagong", "bricklayer"),
        ("wa gong", "bricklayer"),
        ("Ni Wa Gong", "bricklayer"),
        ("baojie", "cleaner"),
        ("lvhua", "gardener"),
        ("招3个人搬砖", "general_laborer"),
        ("要两个泥工 200一天", "bricklayer"),
    ],
)
def test_parse_accepts(tax: Taxonomy, text: str, skill: str) -> None:
    hit = top(tax, text)
    assert hit is not None and hit.skill_id == skill and hit.band == "accept", tax.parse(text)


@pytest.mark.parametrize(
    ("text", "skills"),
    [
        ("会砌墙也会贴砖", ["bricklayer", "tiler"]),
        ("电工 焊工 木工", ["electrician", "welder", "carpenter"]),
        ("wagong baojie", ["bricklayer", "cleaner"]),
        ("会电焊 会开叉车", ["welder", "forklift_driver"]),
    ],
)
def test_multi_skill_phrases_accept_each_in_order(
    tax: Taxonomy, text: str, skills: list[str]
) -> None:
    assert accepted(tax, text) == skills


def test_longest_synonym_wins(tax: Taxonomy) -> None:
    # 建筑普工 contains 普工; the longer construction sense must win.
    assert accepted(tax, "建筑普工") == ["general_laborer"]
    assert accepted(tax, "贴瓷砖") == ["tiler"]


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("普工", "factory_worker"),
        ("招普工", "factory_worker"),
        ("建筑普工", "general_laborer"),
        ("工地要普工", "general_laborer"),
        ("工地上招普工五名", "general_laborer"),
    ],
)
def test_pugong_trap(tax: Taxonomy, text: str, skill: str) -> None:
    assert accepted(tax, text)[:1] == [skill]


@pytest.mark.parametrize(
    ("text", "skill"),
    [("mohui", "plasterer"), ("muban", "formwork_carpenter"), ("zagangjin", "rebar_worker"),
     ("zhizhong", "seed_production"), ("mo hui gong", "plasterer")],
)  # fmt: skip
def test_polyphones_match_their_trade_reading(tax: Taxonomy, text: str, skill: str) -> None:
    assert accepted(tax, text) == [skill]


def test_initials_never_accept(tax: Taxonomy) -> None:
    for skill in tax.all():
        hits = tax.parse(skill.initials)
        assert all(h.band == "confirm" for h in hits), (skill.initials, hits)
    hits = tax.parse("wg")
    assert hits and hits[0].skill_id == "bricklayer"
    # bj is both 保洁 (a name) and 搬家 (a synonym): the name ranks first, both need asking.
    assert [h.skill_id for h in tax.parse("bj")][:2] == ["cleaner", "porter"]


def test_generic_words_only_confirm(tax: Taxonomy) -> None:
    assert accepted(tax, "工人") == []
    assert [h.skill_id for h in tax.parse("工人")] == ["factory_worker"]
    assert accepted(tax, "阿姨") == []
    # next to a real skill the generic word is just a suffix
    assert [h.skill_id for h in tax.parse("砌墙工人")] == ["bricklayer"]
    assert [h.skill_id for h in tax.parse("保洁阿姨")] == ["cleaner"]


@pytest.mark.parametrize(
    ("text", "skill", "band"),
    [
        ("泥瓦攻", "bricklayer", "accept"),  # homophone, two of three characters right
        ("贴瓷专", "tiler", "accept"),
        ("保结", "cleaner", "confirm"),  # homophone, one of two right
        ("liwagong", "bricklayer", "confirm"),  # Guizhou n/l merger
        ("baojei", "cleaner", "confirm"),  # typed-pinyin typo, fuzzy
        ("车要修", "auto_mechanic", "confirm"),  # object fronted
        ("刮腻了", "painter", "confirm"),  # handwriting slip, fuzzy
    ],
)
def test_typos_and_variants(tax: Taxonomy, text: str, skill: str, band: str) -> None:
    hit = top(tax, text)
    assert hit is not None and (hit.skill_id, hit.band) == (skill, band), tax.parse(text)


def test_shared_pinyin_asks(tax: Taxonomy) -> None:
    # 小车司机 and 校车司机 share their pinyin: typed as pinyin, both must be confirmed.
    hits = tax.parse("xiaochesiji")
    assert {h.skill_id for h in hits} >= {"driver", "bus_driver"}
    assert all(h.band == "confirm" for h in hits)
    assert accepted(tax, "校车司机") == ["bus_driver"]
    assert accepted(tax, "小车司机") == ["driver"]


@pytest.mark.parametrize(
    "text",
    [
        "今天天气不错", "你好", "多少钱", "在吗", "谢谢", "工资什么时候发", "我想打工",
        "hello", "ok", "123456", "", "   ", "？？？", "😀",
    ],
)  # fmt: skip
def test_no_skill_no_hit(tax: Taxonomy, text: str) -> None:
    assert tax.parse(text) == []


def test_limit(tax: Taxonomy) -> None:
    assert len(tax.parse("电工 焊工 木工", limit=2)) == 2
    assert tax.parse("电工", limit=0) == []


def test_band_thresholds_are_ordered() -> None:
    assert 0 < CONFIRM_SCORE < ACCEPT_SCORE <= 100


_HAN_SAMPLE = "砌墙贴砖小工搬砖普工工地电焊师傅的个人招要两3瓦泥水匠今天气不错钱阿姨㵲"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=_HAN_SAMPLE + "abcgnowz CJ1 ，,。", max_size=30),
        st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), max_size=20),
    )
)
def test_parse_total_on_any_text(text: str) -> None:
    tax = default_taxonomy()
    hits = tax.parse(text)
    scores = [h.score for h in hits]
    assert all(0.0 <= s <= 100.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len({h.skill_id for h in hits}) == len(hits) <= 5
    for h in hits:
        assert h.skill_id in tax
        assert h.band == ("accept" if h.score >= ACCEPT_SCORE else "confirm")
        assert h.score >= CONFIRM_SCORE
