"""The gig markets kuaizhao serves.

The four model markets of Qiandongnan are built in; every other county market can be
added here with its county adcode (see ``matcher/data/places.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from matcher.text.places import default_gazetteer


@dataclass(frozen=True, slots=True)
class Market:
    id: str
    name_zh: str
    name_en: str
    county_adcode: str
    # Printed on tickets and called out on the hall board, so it must be short and
    # unambiguous between markets: two ascii letters.
    ticket_prefix: str
    desks: int = 6
    # Guizhou hourly minimum wage class (1–3); operators confirm it (SOURCES.md).
    wage_class: int = 2
    # The hall's opening hours ("HH:MM", Asia/Shanghai): interviews at the desks fall
    # inside them, so the kiosk's default times do too.
    opens: str = "07:00"
    closes: str = "18:00"
    # Minutes an offer stays open; 0: the service's KUAIZHAO_OFFER_TTL_MIN.
    offer_ttl_minutes: int = 0

    def public(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name_zh, "county_adcode": self.county_adcode}

    @property
    def area(self) -> Literal["county", "city"]:
        """A county (县: its towns are 乡镇, its seat the 县城) or a county-level city
        (市: its districts are 街道, its centre the 市区), as the gazetteer names the
        market's county: the kiosk asks where people live in the words of the place
        (凯里 is the prefecture's one 市). Follows an operator's change of the county."""
        county = default_gazetteer().get(self.county_adcode)
        return "city" if county is not None and county.name.endswith("市") else "county"


MARKETS: dict[str, Market] = {
    m.id: m
    for m in (
        Market("kaili", "凯里零工市场", "Kaili Gig Market", "522601", "KL", desks=8, wage_class=1),
        Market("liping", "黎平零工市场", "Liping Gig Market", "522631", "LP"),
        Market("rongjiang", "榕江零工市场", "Rongjiang Gig Market", "522632", "RJ"),
        Market("jianhe", "剑河零工市场", "Jianhe Gig Market", "522629", "JH", desks=4),
    )
}


def get_market(market_id: str) -> Market | None:
    return MARKETS.get(market_id)
