"""A hall people can trust all day (issue 14), as HTML: each picker is one screen (a
category's skills, a county's townships, grouped), townships are found by their pinyin
initials, the wage's lowest choice is "多少都行", and the place is asked in the words of
the market (街道 and 市区 in 凯里, a city; 乡镇 and 县城 in a county).

Structure and behaviour over the ASGI app, the pure parts directly. The browser tests
(tests/browser/test_pickers_browser.py) measure that each picker fits the screens."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import Client
from support.flow import Screen, follow, get, press

from kiosk.web.choices import grid_size, initials, township, township_matches, township_picker
from matcher.markets import MARKETS
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy

PHONE = "13900000001"
GAZ = default_gazetteer()


def names(s: Screen, group: str | None = None) -> list[str]:
    """The townships a screen offers (not "in the county town"), by group."""
    where = f".place-group[aria-labelledby='place-group-{group}']" if group else ".place-picker"
    return [
        t.get_text("", strip=True)
        for t in s.page.select(f"{where} button[name=township]:not(.tile-county)")
    ]


async def start(client: Client, market: str = "kaili", flow: str = "worker") -> Screen:
    s = await get(client, f"/m/{market}/{flow}")
    return await press(client, s, "button.btn-next", fill={"phone": PHONE})


# -- pure parts ---------------------------------------------------------------------------


def test_a_townships_name_and_its_suffix() -> None:
    by_name = {p.name: p for p in GAZ.all()}
    t = township(by_name["舟溪镇"])
    assert (t.short, t.suffix, t.syllables, t.urban) == ("舟溪", "镇", ("zhou", "xi"), False)
    t = township(by_name["雷洞瑶族水族乡"])
    assert (t.short, t.suffix) == ("雷洞", "瑶族水族乡")
    t = township(by_name["洗马河街道"])
    assert (t.short, t.suffix, t.urban) == ("洗马河", "街道", True)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("kt", True),  # initials
        ("k", True),
        ("kaitang", True),  # all of it
        ("kait", True),  # a mix
        ("KT", True),
        ("k t", True),
        ("kh", False),
        ("tk", False),  # from the first syllable only
        ("凯棠", True),
        ("棠", True),
        ("舟", False),
        ("", True),
    ],
)
def test_typed_letters_find_a_township(typed: str, found: bool) -> None:
    kaitang = township(next(p for p in GAZ.townships("522601") if p.name == "凯棠镇"))
    assert township_matches(typed, kaitang) is found


def test_guizhou_speakers_merge_l_and_n_zh_and_z() -> None:
    lushan = township(next(p for p in GAZ.townships("522601") if p.name == "炉山镇"))
    assert township_matches("ls", lushan) and township_matches("ns", lushan)
    zhouxi = township(next(p for p in GAZ.townships("522601") if p.name == "舟溪镇"))
    assert township_matches("zx", zhouxi) and township_matches("zhx", zhouxi)


def test_the_picker_narrows_and_forgives_a_wrong_last_letter() -> None:
    kaili = GAZ.townships("522601")
    whole = township_picker(kaili)
    assert whole.total == whole.shown == len(kaili) == 20 and whole.count == 21
    assert [g.kind for g in whole.groups] == ["urban", "towns"]
    assert all(t.urban for t in whole.groups[0].towns) and len(whole.groups[0].towns) == 9
    kt = township_picker(kaili, "kt")
    assert [t.place.name for g in kt.groups for t in g.towns] == ["凯棠镇"]
    # Nothing starts with "ks" in 凯里: it shows what "k" finds, and says so.
    ks = township_picker(kaili, "ks")
    assert (ks.query, ks.matched) == ("ks", "k")
    assert [t.place.name for g in ks.groups for t in g.towns] == ["开怀街道", "凯棠镇"]
    # Nothing at all: the whole county again.
    q = township_picker(kaili, "q")
    assert q.matched == "" and q.shown == 20
    # The 街道 group is always there (it ends with "in the city centre / not sure").
    assert [g.kind for g in township_picker(kaili, "zx").groups] == ["urban", "towns"]
    assert not township_picker(kaili, "zx").groups[0].towns
    assert [g.kind for g in township_picker(kaili, "xmh").groups] == ["urban"]
    assert township_picker(kaili, "x" * 40).query == "x" * 12


def test_the_letter_keys_are_the_initials_the_county_has() -> None:
    kaili = initials([township(p) for p in GAZ.townships("522601")])
    assert "k" in kaili and "z" in kaili and "q" not in kaili and "a" not in kaili
    assert kaili == sorted(kaili)


def test_grid_sizes() -> None:
    assert [grid_size(n) for n in (1, 9, 10, 20, 21, 27)] == [
        "roomy",
        "roomy",
        "dense",
        "dense",
        "packed",
        "packed",
    ]


def test_a_market_says_whether_it_is_a_city() -> None:
    assert {m.id: m.area for m in MARKETS.values()} == {
        "kaili": "city",
        "liping": "county",
        "rongjiang": "county",
        "jianhe": "county",
    }
    # From the gazetteer, so it follows an operator's change of the market's county.
    assert replace(MARKETS["liping"], county_adcode="522601").area == "city"
    assert replace(MARKETS["kaili"], county_adcode="522631").area == "county"


# -- the skill picker ---------------------------------------------------------------------


async def test_each_category_is_one_screen(client: Client) -> None:
    await start(client)
    tax = default_taxonomy()
    for cat, _, _ in tax.categories():
        s = await get(client, f"/m/kaili/worker/skill?cat={cat}")
        grid = s.one("fieldset.skill-tiles[data-picker]")
        boxes = [str(b["value"]) for b in grid.select("input[type=checkbox][name=skills]")]
        assert boxes == [sk.id for sk in tax.by_category(cat)], cat
        assert grid["data-count"] == str(len(boxes))
        assert grid["data-size"] == grid_size(len(boxes))
        assert s.page.select_one(".pager") is None, cat
        assert all(t.select_one("img.pict") for t in grid.select(".tile-btn")), cat


async def test_ticks_on_the_one_screen_are_kept(client: Client) -> None:
    s = await start(client)
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer", "rural_builder"])
    assert s.path == "/m/kaili/worker/place"
    s = await get(client, "/m/kaili/worker/skill?cat=construction")
    ticked = [str(b["value"]) for b in s.page.select("input[name=skills][checked]")]
    assert ticked == ["general_laborer", "rural_builder"]


# -- the township picker, in the words of the market --------------------------------------


@pytest.mark.parametrize("market", list(MARKETS))
async def test_each_county_is_one_screen_in_two_groups(client: Client, market: str) -> None:
    m = MARKETS[market]
    s = await start(client, market)
    s = await get(client, f"/m/{market}/worker/place")
    towns = GAZ.townships(m.county_adcode)
    picker = s.one("form.place-picker[data-picker]")
    tiles = picker.select("button.tile-btn[name=township]")
    assert len(tiles) == len(towns) + 1 == int(str(picker["data-count"]))
    assert {str(t["value"]) for t in tiles} == {p.adcode for p in towns} | {m.county_adcode}
    assert s.page.select_one(".pager") is None
    urban = [p.name for p in towns if p.name.endswith("街道")]
    assert names(s, "urban") == urban
    assert names(s, "towns") == [p.name for p in towns if not p.name.endswith("街道")]
    # "In the county town / the city centre" ends the 街道 group.
    county = s.one(".place-group[aria-labelledby='place-group-urban'] .tile-btn:last-child")
    assert "tile-county" in county["class"] and county["value"] == m.county_adcode
    # Each group is labelled by its heading, read out with it.
    for kind in ("urban", "towns"):
        heading = s.one(f"h2#place-group-{kind}")
        grid = s.one(f".place-tiles[aria-labelledby='place-group-{kind}']")
        assert heading.get_text(strip=True) and grid["data-size"] == grid_size(len(towns) + 1)
    # A tile shows the short name big; the suffix is there for every reader.
    word = picker.select_one("button[name=township]:not(.tile-county) .tile-word")
    assert word is not None and word.select_one(".tile-suffix") is not None


async def test_kaili_is_asked_as_a_city(client: Client) -> None:
    s = await start(client, "kaili")
    s = await get(client, "/m/kaili/worker/place")
    assert s.question == "您住在哪个街道或乡镇？"
    assert [h.get_text() for h in s.page.select(".group-title")] == ["城区街道", "乡镇"]
    assert s.one(".tile-county").get_text(strip=True) == "就在市区 / 不清楚"
    assert "县" not in s.one("main").get_text()
    s = await press(client, s, "button[name=township][value='522601002']")  # 大十字街道
    assert s.path == "/m/kaili/worker/reach"
    words = [t.get_text(strip=True) for t in s.page.select(".reach-tiles .tile-word")]
    assert words == ["本街道", "本市", "全州"]
    hints = [t.get_text(strip=True) for t in s.page.select(".reach-tiles .tile-hint")]
    assert hints == ["只在本街道 (大十字街道)", "本市都行", "全州都行"]


async def test_a_county_is_asked_as_a_county(client: Client) -> None:
    s = await start(client, "liping")
    s = await get(client, "/m/liping/worker/place")
    assert s.question == "您住在哪个乡镇？"
    assert [h.get_text() for h in s.page.select(".group-title")] == ["县城街道", "乡镇"]
    assert s.one(".tile-county").get_text(strip=True) == "就在县城 / 不清楚"
    s = await press(client, s, "button[name=township][value='522631102']")  # 中潮镇
    words = [t.get_text(strip=True) for t in s.page.select(".reach-tiles .tile-word")]
    assert words == ["本镇", "本县", "全州"]


@pytest.mark.parametrize(("market", "county"), [("kaili", "就在市区"), ("jianhe", "就在县城")])
async def test_the_employer_is_asked_in_the_same_words(
    client: Client, market: str, county: str
) -> None:
    await start(client, market, "employer")
    s = await get(client, f"/m/{market}/employer/place")
    assert s.question == "在哪里干活？"
    assert s.one(".tile-county").get_text(strip=True) == county


async def test_in_english(client: Client) -> None:
    await client.get("/lang/en", params={"next": "/"})
    await start(client, "kaili")
    s = await get(client, "/m/kaili/worker/place")
    assert s.question == "Which district or town do you live in?"
    assert s.one(".tile-county").get_text(strip=True) == "In the city centre / not sure"
    assert s.one("label[for=place-q]").get_text() == "Find by pinyin initials"


async def test_letters_find_a_township_without_script(client: Client) -> None:
    s = await start(client)
    s = await get(client, "/m/kaili/worker/place")
    form = s.one("form.place-search[role=search]")
    assert form["method"] == "get" and form["action"] == "/m/kaili/worker/place"
    assert s.one("label[for=place-q]").get_text() == "按拼音首字母找"
    assert s.one("input#place-q[name=q][type=search]")["value"] == ""
    keys = s.page.select(".letter-keys a.key-letter[data-letter]")
    assert [k.get_text() for k in keys] == [
        L.upper() for L in initials([township(p) for p in GAZ.townships("522601")])
    ]
    assert "比如 三棵树 打 sks" in s.one(".search-hint").get_text()
    # A letter key is a link: k, then t.
    s = await follow(client, s, ".letter-keys a[data-letter=k]")
    assert s.url == "/m/kaili/worker/place?q=k"
    assert names(s) == ["开怀街道", "凯棠镇"]
    assert s.one(".search-status").get_text(strip=True) == "找到 2 个"
    s = await follow(client, s, ".letter-keys a[data-letter=t]")
    assert names(s) == ["凯棠镇"] and s.one("#place-q")["value"] == "kt"
    assert s.one(".tile-county")  # "not sure" is always there
    # ⌫ takes the last letter off; 看全部 shows the whole county again.
    back = s.one(".letter-keys a.key-back")
    assert back["href"] == "/m/kaili/worker/place?q=k" and back["aria-label"] == "删掉一个字母"
    s = await follow(client, s, ".letter-keys a.key-all")
    assert s.url == "/m/kaili/worker/place" and len(names(s)) == 20
    # A phone types into the field (the form's GET), and a wrong last letter is forgiven.
    s = await get(client, "/m/kaili/worker/place?q=ks")
    assert names(s) == ["开怀街道", "凯棠镇"]
    assert s.one(".search-status").get_text(strip=True) == (
        "没有 ks 开头的，这是 k 开头的 · 找到 2 个"
    )
    s = await get(client, "/m/kaili/worker/place?q=q")
    assert len(names(s)) == 20
    assert s.one(".search-status").get_text(strip=True) == "没有 q 开头的，下面是全部"
    # Chosen from a narrowed screen as from the whole one.
    s = await get(client, "/m/kaili/worker/place?q=zx")
    s = await press(client, s, "button[name=township][value='522601101']")
    assert s.path == "/m/kaili/worker/reach"
    s = await get(client, "/m/kaili/worker/place")
    chosen = s.one("button[name=township][aria-pressed=true]")
    assert chosen["value"] == "522601101"


async def test_a_typed_query_is_text_not_markup(client: Client) -> None:
    await start(client)
    s = await get(client, "/m/kaili/worker/place?q=<b>x</b>")
    assert s.page.select_one(".search-status b") is None
    assert s.one("#place-q")["value"] == "bxb"  # the letters of it


# -- the lowest wage ----------------------------------------------------------------------


async def _to_wage(client: Client) -> Screen:
    s = await start(client)
    s = await follow(client, s, "a[data-category=construction]")
    s = await press(client, s, "button.btn-next", tick=["general_laborer"])
    s = await press(client, s, "button.tile-county")
    return await press(client, s, "button[name=reach][value=county]")


async def test_the_lowest_wage_reads_any_pay(client: Client) -> None:
    s = await _to_wage(client)
    stepper = s.one("[data-stepper]")
    assert stepper["data-min"] == "0" and stepper["data-low-label"] == "多少都行"
    assert s.one("[data-stepper-shown]").get_text() == "150"
    assert not s.one(".stepper-value .unit").has_attr("hidden")
    # Without script each − is a post: down to the bottom, which reads "多少都行".
    for _ in range(16):
        s = await press(client, s, "button.step-down")
    assert s.one("input[name=min_wage_yuan]")["value"] == "0"
    assert s.one("[data-stepper-shown]").get_text() == "多少都行"
    assert s.one(".stepper-value .unit").has_attr("hidden")
    assert "0 元" not in s.one(".stepper-value").get_text()
    s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/worker/offers"
    ck = await client.state.store.get_checkin("kaili", client.state.store.worker_id(PHONE))
    assert ck["min_wage_yuan"] == 0


async def test_a_returning_worker_who_takes_any_pay_is_told_so(client: Client) -> None:
    s = await _to_wage(client)
    for _ in range(15):
        s = await press(client, s, "button.step-down")
    await press(client, s, "button.btn-next")
    await client.post("/m/kaili/leave")
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": PHONE})
    assert s.path == "/m/kaili/worker/same"
    line = s.one(".summary-line").get_text(" ", strip=True)
    assert line.endswith("多少都行") and "0 元" not in line
