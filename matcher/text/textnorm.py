"""Text normalisation shared by the skill parser and the place resolver.

Kiosk input arrives from touch keyboards, pinyin IMEs and speech recognition, so the same word
shows up in full-width or half-width forms, mixed case, with stray punctuation, and wrapped in
job-ad filler ("急招两个…日结"). Everything here is pure and cheap; callers build indexes once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

__all__ = [
    "PINYIN_SYLLABLES",
    "fold_joined",
    "fold_syllable",
    "is_han",
    "normalize",
    "pinyin_boundaries",
    "split_fillers",
    "syllables",
]

# CJK Unified Ideographs, Extension A (place names such as 㵲 live there) and the compatibility
# block; NFKC already folds most compatibility ideographs into the unified block.
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


def is_han(ch: str) -> bool:
    cp = ord(ch)
    if 0x4E00 <= cp <= 0x9FFF:  # the common case, checked first: this runs per character
        return True
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


_SPACE_RE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, punctuation and runs of space → one space."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        # Punctuation, symbols and control characters carry no meaning for matching, but they do
        # separate words, so they become spaces rather than vanishing.
        if cat[0] in "PSCZ":
            out.append(" ")
        else:
            out.append(ch)
    return _SPACE_RE.sub(" ", "".join(out)).strip()


# Words that surround a skill in job ads and self-descriptions without naming one. They are only
# removed from text *not already* matched by a synonym, so a synonym that happens to contain one
# (厂里上班, 帮工) still matches. Longest first so that 招聘 beats 招.
_FILLER_WORDS = sorted(
    {
        # hiring / seeking verbs
        "急招",
        "急需",
        "急聘",
        "招聘",
        "诚聘",
        "高薪",
        "招人",
        "招工",
        "求职",
        "找工作",
        "找活",
        "找事做",
        "需要",
        "想找",
        "想要",
        "要找",
        "招",
        "找",
        "要",
        "请",
        "聘",
        "缺",
        "求",
        # who / modality
        "本人",
        "我们",
        "我",
        "你",
        "他",
        "她",
        "想",
        "会",
        "能",
        "可以",
        "也",
        "和",
        "跟",
        "还",
        "都",
        "或者",
        "过",
        "干过",
        "做过",
        "当过",
        "学过",
        "的",
        "了",
        "着",
        "是",
        "有",
        "没有",
        "不",
        "在",
        "去",
        "来",
        "做",
        "干",
        "搞",
        "当",
        "帮",
        "帮忙",
        "一下",
        "给",
        # generic work words
        "工作",
        "干活",
        "活儿",
        "活",
        "打工",
        "兼职",
        "上班",
        "日结",
        "月结",
        "现结",
        "包吃住",
        "包吃",
        "包住",
        "工资",
        "待遇",
        "经验",
        "有经验",
        "熟练",
        "熟手",
        "长期",
        "短期",
        "人员",
        "师傅",
        "老板",
        "一名",
        "个人",
        "人",
        "个",
        "名",
        "位",
        "些",
        "几",
        # time / place words common in same-day posts
        "今天",
        "明天",
        "后天",
        "马上",
        "现在",
        "今早",
        "上午",
        "下午",
        "晚上",
        "早上",
        "中午",
        "附近",
        "本地",
        "男",
        "女",
        "男女不限",
        "年龄",
        "岁",
        "以上",
        "以下",
        "左右",
        # sentence particles
        "啊",
        "吗",
        "呢",
        "吧",
        "哦",
        "嗯",
        "呀",
        "哈",
        "啦",
    },
    key=len,
    reverse=True,
)
_COUNT = r"[0-9零一二两三四五六七八九十百千几多]+\s*(?:个人|个|名|位|人|天|块|元|号|点|岁|小时)?"
_FILLER_RE = re.compile("|".join([_COUNT, *map(re.escape, _FILLER_WORDS)]) + r"|\s+")


def split_fillers(text: str) -> list[tuple[int, str]]:
    """Cut filler words and counts ("3个人", "两个") out of text.

    Returns the remaining chunks with their start offsets in text; a removed filler always
    separates chunks so that words on either side never glue into a false synonym.
    """
    chunks: list[tuple[int, str]] = []
    pos = 0
    for m in _FILLER_RE.finditer(text):
        if m.start() > pos:
            chunks.append((pos, text[pos : m.start()]))
        pos = max(pos, m.end())
    if pos < len(text):
        chunks.append((pos, text[pos:]))
    return chunks


# pypinyin picks the everyday reading of these characters; the trades use the other one.
POLYPHONE_FIXES: dict[str, tuple[str, ...]] = {
    "抹灰": ("mo", "hui"),
    "抹墙": ("mo", "qiang"),
    "模板": ("mu", "ban"),
    "扎钢筋": ("za", "gang", "jin"),
    "制种": ("zhi", "zhong"),
    "择菜": ("zhai", "cai"),
}


@lru_cache(maxsize=8192)
def syllables(han: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per character of a pure-Han string (v for ü)."""
    out = list(lazy_pinyin(han, errors=lambda s: "?" * len(s)))
    if len(out) != len(han):
        # Characters without a reading come back as one item per run; redo them one by one to
        # keep the one-syllable-per-character invariant the parser relies on.
        out = [lazy_pinyin(ch, errors=lambda s: "?")[0] for ch in han]
    for word, fixed in POLYPHONE_FIXES.items():
        start = han.find(word)
        while start >= 0:
            out[start : start + len(word)] = fixed
            start = han.find(word, start + 1)
    return tuple(s.lower() for s in out)


# Southwestern Mandarin (Guizhou) merges these, so speakers type and speech recognisers hear
# them interchangeably: zh/z, ch/c, sh/s, n/l, -ing/-in, -eng/-en; many also type u for ü.
def fold_syllable(syl: str) -> str:
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syl.startswith(a):
            syl = b + syl[2:]
            break
    if syl.startswith("l"):
        syl = "n" + syl[1:]
    if syl.endswith(("ing", "eng")):
        syl = syl[:-1]
    return syl.replace("v", "u")


def fold_joined(pinyin: str) -> str:
    """fold_syllable for a joined pinyin string without syllable boundaries.

    Only the initial-consonant merges are safe here (zh/ch/sh/l never straddle a syllable
    boundary); -ng endings would, so they stay.
    """
    return (
        pinyin.replace("zh", "z")
        .replace("ch", "c")
        .replace("sh", "s")
        .replace("l", "n")
        .replace("v", "u")
    )


_SYLLABLE_LIST = """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
    cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai
    chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
    deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang
    fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang
    gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun
    huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke
    kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len
    leng li lia lian liang liao lie lin ling liu lo long lou lu luan lue lun luo lv lve ma mai
    man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao
    ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nue nun nuo nv nve o
    ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang
    qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua
    ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen
    sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo
    ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai
    wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen
    zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
    zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
PINYIN_SYLLABLES: frozenset[str] = frozenset(_SYLLABLE_LIST.split())
_MAX_SYLLABLE = max(map(len, PINYIN_SYLLABLES))


@lru_cache(maxsize=4096)
def pinyin_boundaries(letters: str) -> frozenset[int]:
    """Offsets in an ascii string where a syllable may start or end in *some* full split of it
    into pinyin syllables; empty when no full split exists (English words, initials)."""
    n = len(letters)
    reach = [False] * (n + 1)  # a valid split of letters[:i] exists
    reach[0] = True
    for i in range(n):
        if reach[i]:
            for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
                if letters[i:j] in PINYIN_SYLLABLES:
                    reach[j] = True
    if not reach[n]:
        return frozenset()
    coreach = [False] * (n + 1)  # a valid split of letters[i:] exists
    coreach[n] = True
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            if coreach[j] and letters[i:j] in PINYIN_SYLLABLES:
                coreach[i] = True
                break
    return frozenset(i for i in range(n + 1) if reach[i] and coreach[i])
