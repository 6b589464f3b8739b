"""The one translation catalog: every user-facing string, simplified Chinese first.

The strings live by area in this package's modules (each a ``STRINGS`` dict); this
module joins them into ``CATALOG`` and refuses a key defined twice. Templates call
``t("key")``; code that returns errors uses ``message(key, **kw)`` for the bilingual
API form ("中文 (English)").
"""

from __future__ import annotations

from typing import Literal

from kiosk.web.i18n import aftercare, board, common, employer, flows, ops, worker

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


def _join(*areas: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for area in areas:
        twice = out.keys() & area.keys()
        if twice:
            raise ValueError(f"catalog keys defined twice: {sorted(twice)}")
        out.update(area)
    return out


CATALOG: dict[str, tuple[str, str]] = _join(
    common.STRINGS,
    worker.STRINGS,
    employer.STRINGS,
    flows.STRINGS,
    board.STRINGS,
    ops.STRINGS,
    aftercare.STRINGS,
)


def t(key: str, lang: Lang = "zh", **kw: object) -> str:
    zh, en = CATALOG.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def message(key: str, **kw: object) -> str:
    """Both languages, for API errors read by people on either side."""
    zh, en = t(key, "zh", **kw), t(key, "en", **kw)
    return zh if zh == en else f"{zh} ({en})"
