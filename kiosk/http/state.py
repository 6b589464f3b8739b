"""What the running app holds: opened by the lifespan, reached from every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request

from kiosk.web.validation import Context
from matcher.clock import Clock
from matcher.markets import Market
from matcher.settings import Settings
from matcher.store.facade import Store
from matcher.text.places import Gazetteer
from matcher.text.skills import Taxonomy

if TYPE_CHECKING:
    from matcher.matching.worker import Matcher


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    store: Store
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    matcher: Matcher | None = None
    store_info: dict[str, object] = field(default_factory=dict)

    def context(self, market: Market) -> Context:
        return Context(self.clock, market, self.taxonomy, self.gazetteer)


def get_state(request: Request) -> AppState:
    state = request.app.state.kz
    assert isinstance(state, AppState)
    return state
