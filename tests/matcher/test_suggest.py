"""The closest skills to words the parser did not understand ("是不是这些？"), and the
list that ``GET /api/v1/skills/parse`` and ``kuaizhao skills parse --json`` share."""

from __future__ import annotations

import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.sim.phrase_eval import NONE_LABEL
from matcher.text.skills import CONFIRM_SCORE, DATA_DIR, Skill, Taxonomy, default_taxonomy
from matcher.text.suggest import COMMON_TRADES, DEFAULT_LIMIT, parse_entries, suggest

# Checked with `kuaizhao skills parse TEXT --json`: no hit in the accept band.
NOT_UNDERSTOOD = ("我啥都能干一点", "做那个的", "帮忙", "今天天气不错", "")


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return default_taxonomy()


def ids(found: list[object]) -> list[str]:
    return [getattr(s, "skill_id") for s in found]  # noqa: B009


@pytest.mark.parametrize("text", NOT_UNDERSTOOD)
def test_words_the_parser_does_not_understand_still_get_a_full_list(
    tax: Taxonomy, text: str
) -> None:
    assert not any(h.band == "accept" for h in tax.parse(text))
    found = suggest(tax, text)
    assert len(found) == DEFAULT_LIMIT
    assert len(set(ids(found))) == len(found)
    assert all(s.skill_id in tax and s.score < CONFIRM_SCORE for s in found)
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)


def test_no_telling_word_gives_the_halls_common_trades(tax: Taxonomy) -> None:
    # 我 能 干 一点 个 的 are the parser's fillers; 做 is in a dozen skills' words: noise.
    for text in ("我啥都能干一点", "做那个的", ""):
        found = suggest(tax, text)
        assert ids(found) == list(COMMON_TRADES), text
        assert {s.score for s in found} == {0.0}


def test_names_come_from_the_taxonomy(tax: Taxonomy) -> None:
    first = suggest(tax, "我啥都能干一点")[0]
    assert first.as_json() == {
        "skill_id": "general_laborer",
        "name_zh": "小工",
        "name_en": "general construction laborer",
        "score": 0.0,
    }


def test_the_parsers_own_guesses_come_first_with_their_scores(tax: Taxonomy) -> None:
    hits = tax.parse("xg")
    assert hits and all(h.band == "confirm" for h in hits)
    found = suggest(tax, "xg")
    assert [(s.skill_id, s.score) for s in found[: len(hits)]] == [
        (h.skill_id, h.score) for h in hits
    ]
    assert all(s.score < CONFIRM_SCORE for s in found[len(hits) :])


def test_an_understood_phrase_keeps_its_skill_first(tax: Taxonomy) -> None:
    found = suggest(tax, "会砌墙")
    assert found[0].skill_id == "bricklayer" and found[0].score >= 80


@pytest.mark.parametrize(
    ("text", "skill"),
    [
        ("帮橱", "kitchen_helper"),  # sounds as 帮厨; the parser cuts 帮 as a filler
        ("木间", "carpenter"),  # 木匠, one syllable a letter off
        ("酒店招打扫房间的", "room_attendant"),  # 房 of 客房 tells; 打扫 alone does not
        ("找月搜", "maternity_nurse"),  # 月 of 月嫂
    ],
)
def test_the_meant_skill_is_offered(tax: Taxonomy, text: str, skill: str) -> None:
    # Whether the parser itself now guesses it or only the suggestions find it.
    assert skill in ids(suggest(tax, text)), ids(suggest(tax, text))


def _skill(sid: str, name: str, synonyms: tuple[str, ...] = ()) -> Skill:
    return Skill(sid, name, sid, "services", synonyms, "", "", "", "")


@pytest.fixture(scope="module")
def hall() -> Taxonomy:
    """A small taxonomy of its own: what the suggestions add to the parser, tested apart
    from the packaged data (which grows)."""
    return Taxonomy(
        [
            _skill("general_laborer", "小工", ("杂工", "帮工")),
            _skill("kitchen_helper", "帮厨", ("后厨帮工",)),
            _skill("carpenter", "木工", ("木匠",)),
            _skill("room_attendant", "客房服务员", ("客房",)),
            _skill(
                "maternity_nurse",
                "月嫂",
            ),
            _skill("welder", "焊工", ("电焊工",)),
            _skill("painter", "油漆工", ("刷漆工",)),
            _skill("cashier", "收银员"),
        ]
    )


@pytest.mark.parametrize(
    ("text", "skill", "score"),
    [
        ("帮橱", "kitchen_helper", 45.0),  # every syllable alike, across the filler 帮
        ("木间", "carpenter", 40.5),  # 木匠 with one syllable a letter off (jian ~ jiang)
        ("打扫房间", "room_attendant", None),  # 房 of 客房: a telling character
        ("找月搜", "maternity_nurse", None),  # 月 of 月嫂
    ],
)
def test_closest_by_characters_or_sound(
    hall: Taxonomy, text: str, skill: str, score: float | None
) -> None:
    assert not hall.parse(text), hall.parse(text)
    found = suggest(hall, text)
    assert found[0].skill_id == skill, found
    assert 0 < found[0].score < CONFIRM_SCORE
    if score is not None:
        assert found[0].score == score
    # The rest of the list: the hall's common trades it has, then its own order, at 0.
    assert [s.score for s in found[1:]] == [0.0] * (DEFAULT_LIMIT - 1)


def test_a_shared_common_character_or_a_filler_is_noise(hall: Taxonomy) -> None:
    # 工 is in half the skills' words, 做 and 干 are fillers: none of them suggests a skill
    # (the list is the common trades it has, then its own order, all at 0).
    for text in ("做工", "干活的工人", "我能干"):
        assert {s.score for s in suggest(hall, text)} == {0.0}, (text, suggest(hall, text))
    # A sound a letter off in two syllables is too far (jian ~ xian is not near either).
    assert {s.score for s in suggest(hall, "墨仙")} == {0.0}


def test_limit(tax: Taxonomy) -> None:
    assert suggest(tax, "帮忙", limit=0) == []
    assert suggest(tax, "帮忙", limit=-1) == []
    assert len(suggest(tax, "帮忙", limit=1)) == 1
    assert len(suggest(tax, "帮忙", limit=20)) == 20


def test_never_empty_with_a_taxonomy_without_the_common_trades() -> None:
    small = Taxonomy([_skill("a", "修鞋", ("补鞋",)), _skill("b", "配钥匙")])
    assert ids(suggest(small, "今天天气不错")) == ["a", "b"]
    assert ids(suggest(small, "钥匙")) == ["b", "a"]
    assert ids(suggest(small, "x", limit=1)) == ["a"]
    assert suggest(Taxonomy([]), "修鞋") == []


_HAN_SAMPLE = "砌墙贴砖小工搬砖普工工地电焊师傅的个人招要两3瓦泥水匠今天气不错钱阿姨㵲帮橱做那"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=120),
        st.text(alphabet=_HAN_SAMPLE + "abcgnowz CJ1 ，,。", max_size=40),
        st.text(alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF), max_size=30),
    )
)
def test_suggest_is_total_on_any_text(text: str) -> None:
    tax = default_taxonomy()
    found = suggest(tax, text)
    assert len(found) == DEFAULT_LIMIT
    assert len(set(ids(found))) == DEFAULT_LIMIT
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)
    parsed = {h.skill_id for h in tax.parse(text, limit=DEFAULT_LIMIT)}
    assert all(s.score < CONFIRM_SCORE for s in found if s.skill_id not in parsed)
    entries = parse_entries(tax, text)
    bands = [e["band"] for e in entries]
    assert bands == sorted(bands, key=["accept", "confirm", "suggest"].index)
    assert len({e["skill_id"] for e in entries}) == len(entries)


def _labelled() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in ("phrases-dev.csv", "phrases-heldout.csv", "phrases-outside.csv"):
        with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def test_the_meant_skill_is_usually_among_the_tiles(tax: Taxonomy) -> None:
    """On the labelled phrases the parser does not accept, the skill the phrase means is
    among the six tiles for most of them."""
    total = found = 0
    missed: list[str] = []
    for row in _labelled():
        if row["expected"] == NONE_LABEL or any(
            h.band == "accept" for h in tax.parse(row["phrase"])
        ):
            continue
        meant = {row["expected"], *filter(None, row["acceptable_alt"].split("|"))}
        total += 1
        if meant & set(ids(suggest(tax, row["phrase"]))):
            found += 1
        else:
            missed.append(row["phrase"])
    assert total >= 20
    assert found / total >= 0.8, (found, total, missed)


# -- what the parse endpoint and the CLI answer ------------------------------------------


def test_entries_of_understood_text_are_the_parsers_hits_with_names(tax: Taxonomy) -> None:
    entries = parse_entries(tax, "会砌墙")
    assert entries == [
        {
            "skill_id": h.skill_id,
            "score": h.score,
            "band": h.band,
            "name_zh": tax.get(h.skill_id).name_zh,  # type: ignore[union-attr]
            "name_en": tax.get(h.skill_id).name_en,  # type: ignore[union-attr]
        }
        for h in tax.parse("会砌墙")
    ]
    assert entries[0]["band"] == "accept"


def test_entries_without_an_accept_hit_end_with_suggestions(tax: Taxonomy) -> None:
    hits = tax.parse("xg")
    entries = parse_entries(tax, "xg")
    assert [e["skill_id"] for e in entries[: len(hits)]] == [h.skill_id for h in hits]
    rest = entries[len(hits) :]
    assert rest and all(e["band"] == "suggest" for e in rest)
    assert all(float(e["score"]) < CONFIRM_SCORE for e in rest)
    assert all(set(e) == {"skill_id", "score", "band", "name_zh", "name_en"} for e in entries)
    nothing = parse_entries(tax, "我啥都能干一点")
    assert [e["skill_id"] for e in nothing] == list(COMMON_TRADES)
    assert {e["band"] for e in nothing} == {"suggest"}
