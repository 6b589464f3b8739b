"""The translation catalog: every key in both languages, Chinese punctuated as Chinese."""

from __future__ import annotations

import re

import pytest

from kiosk.web.i18n import CATALOG, t

# A half-width mark touching a Chinese character: "不办了, 回首页" instead of "不办了，回首页".
# Times (09:30), ratios and English words inside a Chinese string keep theirs.
_HAN = r"[\u3400-\u9fff\uf900-\ufaff]"
_HALF_NEXT_TO_HAN = re.compile(rf"{_HAN}\s*[,?!:;()]|[,?!:;()]\s*{_HAN}")


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_chinese_text_uses_full_width_punctuation(key: str) -> None:
    zh, _en = CATALOG[key]
    found = _HALF_NEXT_TO_HAN.search(zh)
    assert found is None, f"{key}: half-width punctuation in {zh!r} at {found.group(0)!r}"


def test_every_entry_has_both_languages() -> None:
    assert all(zh.strip() and en.strip() for zh, en in CATALOG.values())


def test_unknown_keys_fall_back_to_the_key() -> None:
    assert t("no.such.key") == "no.such.key"
