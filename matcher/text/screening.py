"""Screening of job posts at posting time: discrimination, fraud, the wage floor.

Every free-text field of a post is screened (``SCREENED_FIELDS``: the one list; a
free-text field added to a post is added here and is screened everywhere a post is
parsed: the API, the kiosk, an operator's correction).

The rules are data (``matcher/data/screening.csv``: a pattern, an optional "unless"
pattern for lawful wording, a plain explanation and a suggested rewording in Chinese
and English, and an action). ``block`` refuses the post with the explanation;
``moderate`` sends it to an operator before anyone is offered it (the unsure cases).
Genuine physical or licence requirements ("能扛 50 斤", "持电工证", "C1 驾照", a
健康证 for food work) match no rule.

Patterns are written over a normalised text, so that the grounds are caught however
they are typed:

- full-width letters and digits are made plain (NFKC) and letters lower case;
- spaces and filler marks inside a run of Chinese (``男 性 优 先``, ``乙.肝``) are
  dropped, clause punctuation (，。) is kept, since rules stay within a clause;
- each rule is tried on the text as written and on the text with Chinese numerals as
  digits (``四十五周岁`` → ``45周岁``, ``贰佰`` → ``200``), so a rule may be written
  with either.

Patterns name the grounds' vocabulary through placeholders (``{SEX}``, ``{EXCL}``, ...;
``TERMS`` below), so each ground is a few readable rules rather than lists of
sentences. What a rule matched is reported in the poster's own words (the original
text under the match), never in the normalised form.
"""

from __future__ import annotations

import csv
import math
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DATA = DATA_DIR / "screening.csv"
CASES = DATA_DIR / "screening-cases.csv"
# Written by someone who never saw the rules (see data/SOURCES.md); never edited to pass.
OUTSIDE_CASES = DATA_DIR / "screening-cases-outside.csv"

# Every free-text field of a job post, in the order a refusal names them.
SCREENED_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "employer_name",
    "interview_place",
    "interview_address",
)

Action = Literal["block", "moderate"]

# Guizhou's hourly minimum wage by area class (2023 figures, unverified here: a
# market setting operators confirm, see matcher/data/SOURCES.md).
HOURLY_FLOOR_YUAN = {1: 19.6, 2: 18.3, 3: 17.2}
# A day's pay is judged per hour of the job's scheduled hours, counted up to this many:
# a longer day is still one day's pay (SOURCES.md: "hourly floor x 8").
FLOOR_HOURS = 8


# -- the grounds' vocabulary -----------------------------------------------------------

# The 56 nationalities (民族) of China, without the final 族.
_NATIONALITIES = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
_PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "内蒙",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
    "东北",
    "西北",
    "华北",
    "华南",
    "江浙",
    "两广",
    "黔东南",
    "黔南",
    "黔西南",
    "遵义",
    "贵阳",
    "安顺",
    "铜仁",
    "毕节",
    "六盘水",
    "都匀",
]


def _alternation(words: list[str]) -> str:
    # Longest first, so 黔东南 is tried before 黔.
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@cache
def _place_names() -> str:
    """The prefecture's counties without their 市/县, and the provinces and regions
    people name when they exclude someone by origin. (Not townships: many of their
    names are everyday words, 计划, 大地, 启蒙.)"""
    names = list(_PROVINCES)
    with (DATA_DIR / "places.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["level"] == "county":
                names.append(re.sub(r"(自治县|市|县)$", "", row["county"]))
    return _alternation(names)


# Placeholders in the rules' patterns. A term may use terms defined before it.
TERMS: dict[str, str] = {
    # Words that end a clause: a rule never reaches across one.
    "END": r"(?=$|[\s，。,.;；!！?？)）\]】、:：]|的)",
    # An exclusion after the group named ("…勿扰", "…不要").
    "EXCL": (
        r"(?:都|也|一律|一概|统统|概)?(?:勿扰|勿来|勿进|勿投|勿应聘|勿找|莫来|别来|别找|不要来"
        r"|免谈|免进|免问|谢绝|绕道|止步|请回|没戏|不予录用|不予考虑|不能来|不合适"
        r"|(?:不要|不行|不收|不招|不用|不录用?|不考虑|不可以|不能要){END})"
    ),
    # An exclusion before the group ("不要孕妇", "不招女的").
    "NOT": r"(?:不要|不招|不收|不用|不录用?|拒收|拒绝|谢绝|不考虑|除了?)",
    # A restriction to the group ("限男", "只要本地人").
    "ONLY": (
        r"(?:限定?|只要|只招|只收|只限|只用|只找|只需要?|仅限|仅招|仅要|仅收|专招"
        r"|必须是?|须是|需是|要求是)"
    ),
    # A weaker ask that still picks people by who they are ("招女服务员", "要漂亮").
    "ASK": r"(?:招聘?|要|找|需要?)(?![求工人])",
    "COUNT": r"(?:\d+|[几两一二三四五六七八九十]+)?\s*(?:个|名|位)?\s*",
    "PREF": r"(?:者|的)?(?:优先|最好|更好|为主|为佳|择优)",
    # Man or woman, and not a place or thing of theirs (女厕, 男装) or both (男女).
    "SEX": (
        r"(?:男|女)(?:性|士|生|的|工|人|子|孩子?|娃|同志|青年|师傅|员工|服务员)?"
        r"(?![女男装厕鞋包款式科浴]|宿舍|卫生间|更衣|澡堂|职工劳动保护|不限|均可|皆可|都可|都行|都要)"
    ),
    # Words that name a sex without saying it (小伙子, 阿姨, 壮汉).
    "SEXWORD": (
        r"(?:小伙子?(?!伴)|帅哥|美女|靓女|妹子|小妹|小姐姐|阿姨|大姐|大妈|大嫂|宝妈|妇女"
        r"|姑娘|女娃|男娃|女孩|男孩|后生仔?|壮汉|汉子|大叔|爷们|娘们)"
    ),
    "NATION": _alternation(_NATIONALITIES),
    "ETHNIC": (
        r"(?:(?:{NATION})族(?:人|同胞|群众|的)?"
        r"|少数民族(?:人|同胞|群众|的)?|汉人|回民|藏民|维族|外族|苗家人|侗家人)"
    ),
    "FAITH": (
        r"(?:信教|信仰宗教|宗教信仰|穆斯林|伊斯兰|基督徒|基督教|天主教|佛教徒|信佛|信耶稣"
        r"|教徒)"
    ),
    "PLACE": r"(?:PLACES)(?:市|县|省|州|镇|乡|村|地区)?",
    "HOME": (
        r"(?:本地|当地|本镇|本县|本市|本省|本村|本乡|本州|外地|外省|外县|外乡|外市|外镇|外村"
        r"|{PLACE})"
    ),
    "AGEOLD": (
        r"(?:老人|老年人?|中老年|年纪大|岁数大|年龄大|年龄偏大|上了年纪|大龄|老头|老太"
        r"|退休)"
    ),
    "HBV": (
        r"(?:乙肝|乙型肝炎|大三阳|小三阳|两对半|乙肝五项|hbsag|hbv|hiv|艾滋|病毒携带|病原携带"
        r"|携带者|澳抗)"
    ),
    "DISAB": (
        r"(?:残疾|残障|伤残|聋|哑|盲人|瞎|瘸|跛|肢体不全|身体有缺陷|缺胳膊|少腿|弱智|智障"
        r"|精神病|癫痫|羊癫疯|侏儒|口吃|结巴)"
    ),
    "ILL": (
        r"(?:有病|病史|慢性病|疾病|糖尿病|高血压|心脏病|冠心病|肝病|肾病|肺病|哮喘|癌|肿瘤"
        r"|风湿|身体不好|身体差|体弱|病号|病人|病秧子)"
    ),
    "FAMILY": (
        r"(?:孕妇|怀孕|孕期|备孕|哺乳|生育|要孩子|生孩子|生小孩|生二胎|二胎|三胎|带孩子|带娃"
        r"|有孩子|有小孩|有娃|宝妈|拖家带口|已婚|未婚|已育|未育|离异|单身)"
    ),
    "LOOKS": (
        r"(?:漂亮|好看|美女|帅哥|帅气|长得帅|靓女|靓丽|甜美|貌美|高个子?|个子高|个高|高挑"
        r"|瘦的|偏瘦|苗条|身材好|皮肤白|白净)"
    ),
    "BODY": r"(?:太?矮|太?胖|太?瘦|太?丑|矮个子?|个子矮|个子小|胖子|疤|纹身|刺青|胎记|麻子|秃)",
    # Lawful wording that undoes a rule ("不收押金", "费用老板出", "不是日赚上千那种").
    "NEG": r"(?:不|无|免|没有|没|绝不|从不|不会|不需要?|不用|无需|拒绝|严禁|禁止)",
    "BOSS": r"(?:老板|店里|公司|单位|厂里|厂家|我们|雇主|东家|用工方|工地)",
    "OPEN": (
        r"(?:不限|不论|不管|不问|不看|均可|皆可|都可以?|都行|也行|也可以?|可以|欢迎|没关系"
        r"|不影响|(?:无|没有?|不)(?:任何)?要求)"
    ),
}


@cache
def _expanded() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, pattern in TERMS.items():
        if name == "PLACE":
            pattern = pattern.replace("PLACES", _place_names())
        out[name] = _expand(pattern, out)
    return out


_PLACEHOLDER = re.compile(r"\{([A-Z]+)\}")


def _expand(pattern: str, terms: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in terms:
            raise ValueError(f"screening: unknown term {{{m.group(1)}}} in {pattern!r}")
        return f"(?:{terms[m.group(1)]})"

    return _PLACEHOLDER.sub(one, pattern)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A rule's pattern with its placeholders filled in (case does not matter)."""
    return re.compile(_expand(pattern, _expanded()), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    category: str
    action: Action
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    explanation_zh: str
    explanation_en: str
    suggestion_zh: str
    suggestion_en: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    kind: str
    category: str
    action: Action
    match: str
    explanation_zh: str
    explanation_en: str
    suggestion_zh: str
    suggestion_en: str


@cache
def rules(path: Path = DATA) -> tuple[Rule, ...]:
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            action = row["action"]
            if action not in ("block", "moderate"):
                raise ValueError(f"screening rule {row['id']}: unknown action {action!r}")
            out.append(
                Rule(
                    id=row["id"],
                    kind=row["kind"],
                    category=row["category"],
                    action="block" if action == "block" else "moderate",
                    pattern=compile_pattern(row["pattern"]),
                    unless=compile_pattern(row["unless"]) if row["unless"] else None,
                    explanation_zh=row["explanation_zh"],
                    explanation_en=row["explanation_en"],
                    suggestion_zh=row["suggestion_zh"],
                    suggestion_en=row["suggestion_en"],
                )
            )
    return tuple(out)


# -- normalising, with a way back to the poster's own words ----------------------------

_HAN = re.compile(r"[\u3400-\u9fff]")
# Dropped between two Chinese characters: spacing and filler marks, never a clause mark.
_FILLER = frozenset(" \t\n\r\u3000.·•・*_~-—–'\"‘’“”|/\\^`")
_NUMERAL_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟]+")
_DIGIT = {
    **dict(zip("零〇一二三四五六七八九", [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], strict=True)),
    **dict(zip("壹贰叁肆伍陆柒捌玖", range(1, 10), strict=True)),
    "两": 2,
}
_UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}


def chinese_number(run: str) -> int | None:
    """A run of Chinese numerals as a number: 四十五 → 45, 贰佰 → 200, 一百五 → 150,
    九零 → 90; None for a unit with no digit (上千, 过万 say "many", not a figure)."""
    if not any(ch in _DIGIT or ch in ("十", "拾") for ch in run):
        return None
    if all(ch in _DIGIT for ch in run):
        return int("".join(str(_DIGIT[ch]) for ch in run))
    total = section = 0
    number: int | None = None
    last_unit = 1
    for ch in run:
        if ch in _DIGIT:
            number = _DIGIT[ch]
        elif ch in _UNIT:
            section += (1 if number is None else number) * _UNIT[ch]
            last_unit, number = _UNIT[ch], None
        elif ch == "万":
            section += number or 0
            total += (section or 1) * 10_000
            section, number, last_unit = 0, None, 10_000
    if number is not None:
        # 一百五 is 150 and 两千五 is 2500: a last digit counts in the unit below.
        section += number * (last_unit // 10 if last_unit >= 100 else 1)
    return total + section


@dataclass(frozen=True, slots=True)
class Normalised:
    """A text as the rules read it; ``spans[i]`` is where its i-th character came from
    in ``original``."""

    text: str
    spans: tuple[tuple[int, int], ...]
    original: str

    def source(self, start: int, end: int) -> str:
        if start >= end or not self.spans:
            return ""
        return self.original[self.spans[start][0] : self.spans[end - 1][1]].strip()


def normalise(text: str, *, squeeze: bool = True) -> Normalised:
    chars: list[tuple[str, int, int]] = []
    for i, ch in enumerate(text):
        for out in unicodedata.normalize("NFKC", ch).lower():
            chars.append((out, i, i + 1))
    if not squeeze:
        return Normalised("".join(c for c, _, _ in chars), tuple((s, e) for _, s, e in chars), text)
    text_only = [c for c, _, _ in chars]

    def single(at: int) -> bool:
        # A Chinese character standing alone between separators: "男 性 优 先".
        return (at == 0 or text_only[at - 1] in _FILLER) and (
            at + 1 == len(text_only) or text_only[at + 1] in _FILLER
        )

    kept: list[tuple[str, int, int]] = []
    for j, item in enumerate(chars):
        if item[0] in _FILLER and kept and _HAN.match(kept[-1][0]):
            nxt = next((k for k in range(j + 1, len(chars)) if text_only[k] not in _FILLER), -1)
            if nxt >= 0 and _HAN.match(text_only[nxt]):
                prev = next(k for k in range(j - 1, -1, -1) if text_only[k] not in _FILLER)
                # A mark inside a word (乙.肝) always goes; a space only inside a run of
                # single characters, since between words it may be a clause's end.
                if not item[0].isspace() or single(prev) or single(nxt):
                    continue
        kept.append(item)
    return Normalised("".join(c for c, _, _ in kept), tuple((s, e) for _, s, e in kept), text)


def with_digits(norm: Normalised) -> Normalised:
    """The same text with each run of Chinese numerals written in digits."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for m in _NUMERAL_RUN.finditer(norm.text):
        value = chinese_number(m.group(0))
        if value is None:
            continue
        parts.append(norm.text[at : m.start()])
        spans.extend(norm.spans[at : m.start()])
        digits = str(value)
        whole = (norm.spans[m.start()][0], norm.spans[m.end() - 1][1])
        parts.append(digits)
        spans.extend([whole] * len(digits))
        at = m.end()
    if not parts:
        return norm
    parts.append(norm.text[at:])
    spans.extend(norm.spans[at:])
    return Normalised("".join(parts), tuple(spans), norm.original)


def _blank(text: str, unless: re.Pattern[str] | None) -> str:
    """The text with lawful wording blanked out, same length (positions still map back),
    as a clause mark so no rule reaches across it."""
    if unless is None:
        return text
    return unless.sub(lambda m: "。" * len(m.group(0)), text)


def _find(rule: Rule, variants: tuple[Normalised, ...]) -> str | None:
    for norm in variants:
        # Lawful wording only ever undoes a finding: the text is blanked (the dearer
        # step) only where the rule matches at all.
        if rule.pattern.search(norm.text) is None:
            continue
        m = rule.pattern.search(_blank(norm.text, rule.unless))
        if m:
            return norm.source(m.start(), m.end()) or m.group(0)
    return None


def screen(text: str) -> list[Finding]:
    """Every rule the text breaks, blocking ones first."""
    if not text.strip():
        return []
    norm = normalise(text)
    # As squeezed, with numerals as digits, and with every space kept (a lone 女 between
    # spaces is a requirement of its own, "收银 女 45岁以内").
    variants = {norm.text: norm}
    if _NUMERAL_RUN.search(norm.text):
        digits = with_digits(norm)
        variants.setdefault(digits.text, digits)
    if any(ch.isspace() for ch in text):
        spaced = normalise(text, squeeze=False)
        variants.setdefault(spaced.text, spaced)
    found = []
    for rule in rules():
        match = _find(rule, tuple(variants.values()))
        if match is not None:
            found.append(
                Finding(
                    rule=rule.id,
                    kind=rule.kind,
                    category=rule.category,
                    action=rule.action,
                    match=match,
                    explanation_zh=rule.explanation_zh,
                    explanation_en=rule.explanation_en,
                    suggestion_zh=rule.suggestion_zh,
                    suggestion_en=rule.suggestion_en,
                )
            )
    return sorted(found, key=lambda f: f.action != "block")


def screen_post(fields: Mapping[str, str]) -> dict[str, list[Finding]]:
    """The findings of each screened free-text field of a post (fields with none are
    left out), in ``SCREENED_FIELDS`` order."""
    out: dict[str, list[Finding]] = {}
    for name in SCREENED_FIELDS:
        found = screen(fields.get(name, ""))
        if found:
            out[name] = found
    return out


# -- the wage floor, per hour of the job ------------------------------------------------


def hourly_floor(wage_class: int) -> float:
    return HOURLY_FLOOR_YUAN.get(wage_class, HOURLY_FLOOR_YUAN[3])


def day_floor(wage_class: int) -> float:
    """The lowest lawful pay for an 8-hour day in a market of this wage class."""
    return round(hourly_floor(wage_class) * FLOOR_HOURS, 1)


def paid_hours(start: datetime, end: datetime) -> float:
    """The hours a day's pay is judged over: the scheduled hours, at most 8."""
    return min(max((end - start).total_seconds() / 3600, 0.0), float(FLOOR_HOURS))


@dataclass(frozen=True, slots=True)
class PayCheck:
    """How a post's pay stands against the floor: ``hourly`` is what the job pays per
    hour (None for a piece rate, which has no honest hourly figure)."""

    hourly: float | None
    hours: float
    floor: float

    @property
    def lawful(self) -> bool:
        return self.hourly is None or self.hourly >= self.floor - 1e-9


def check_pay(wage: float, unit: str, hours: float, wage_class: int) -> PayCheck:
    """A day rate is divided by the job's hours (up to 8): 150 yuan for four and a half
    hours of tea picking is 33 yuan an hour, lawful anywhere; 150 for a ten-hour day
    is 18.75 an hour (judged over 8)."""
    floor = hourly_floor(wage_class)
    if unit == "hour":
        return PayCheck(wage, hours, floor)
    if unit == "day" and hours > 0:
        return PayCheck(wage / min(hours, FLOOR_HOURS), min(hours, FLOOR_HOURS), floor)
    return PayCheck(None, hours, floor)


def lowest_day_pay(wage_class: int, hours: float) -> float:
    """The least a day rate may be for a job of these hours (counted up to 8)."""
    return hourly_floor(wage_class) * min(max(hours, 0.0), FLOOR_HOURS)


def shown_rate(value: float) -> str:
    """An hourly figure as a refusal states it: one decimal, rounded down, so a rate
    just under the floor never reads as the floor itself."""
    return f"{math.floor(value * 10 + 1e-9) / 10:g}"


# -- measuring the rules on labelled cases ----------------------------------------------


@dataclass
class Evaluation:
    """Precision and recall on labelled cases. A case is caught when the screen blocks
    or holds it (any rule); a lawful case (``NONE``) must pass. ``right_category``:
    caught cases where a rule of the expected ground fired."""

    cases: int = 0
    caught: int = 0
    missed: int = 0
    false_alarms: int = 0
    passed: int = 0
    right_category: int = 0
    by_field: dict[str, dict[str, int]] = field(default_factory=dict)
    wrong: list[tuple[str, str, str, list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.caught + self.false_alarms
        return round(self.caught / flagged, 4) if flagged else 1.0

    @property
    def recall(self) -> float:
        bad = self.caught + self.missed
        return round(self.caught / bad, 4) if bad else 1.0

    def as_json(self) -> dict[str, object]:
        return {
            "cases": self.cases,
            "precision": self.precision,
            "recall": self.recall,
            "caught": self.caught,
            "missed": self.missed,
            "false_alarms": self.false_alarms,
            "passed": self.passed,
            "right_category": self.right_category,
            "by_field": self.by_field,
            "wrong": [
                {"field": f, "text": t, "expected": e, "got": g} for t, e, f, g in self.wrong
            ],
        }


def evaluate(path: Path = CASES) -> Evaluation:
    """The rules on a cases file (columns text, expected, field; a row without a field
    is a title)."""
    out = Evaluation()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row.get("field") or "title"
            found = screen_post({name: row["text"]}).get(name, [])
            got = sorted({f.category for f in found})
            expected = row["expected"]
            tally = out.by_field.setdefault(name, {"cases": 0, "wrong": 0})
            tally["cases"] += 1
            out.cases += 1
            if expected == "NONE":
                out.passed += not found
                out.false_alarms += bool(found)
            else:
                out.caught += bool(found)
                out.missed += not found
                out.right_category += expected in got
            if bool(found) != (expected != "NONE"):
                tally["wrong"] += 1
                out.wrong.append((row["text"], expected, name, got))
    return out


def main(argv: list[str]) -> int:
    """``python -m matcher.text.screening [CASES.csv ...]``: precision and recall per file
    (default: the project's labelled cases and the outside ones), then what was wrong."""
    paths = [Path(a) for a in argv if not a.startswith("-")] or [CASES, OUTSIDE_CASES]
    for path in paths:
        ev = evaluate(path)
        print(
            f"{path.name}: {ev.cases} cases, precision {ev.precision}, recall {ev.recall} "
            f"(caught {ev.caught}, missed {ev.missed}, false alarms {ev.false_alarms}, "
            f"right ground {ev.right_category}/{ev.caught + ev.missed})"
        )
        if "-v" in argv:
            for text, expected, name, got in ev.wrong:
                print(f"  {name:15} {expected:12} {got!s:24} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
