"""The application's own lifespan: what it sets up for the process and undoes."""

from __future__ import annotations

import dataclasses
import gc

from conftest import Client

from kiosk.app import create_app
from matcher.settings import Settings


async def test_start_up_freezes_the_long_lived_heap_and_shutdown_thaws_it(
    settings: Settings,
) -> None:
    # Full collections walking the taxonomy, the gazetteer and pypinyin's dictionaries
    # were the job posts' p99 under load: a started app keeps them out of sight.
    app = create_app(dataclasses.replace(settings, freeze_heap=True), run_matcher=False)
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 100_000
    assert gc.get_freeze_count() == 0


async def test_tests_start_apps_without_freezing(client: Client) -> None:
    assert gc.get_freeze_count() == 0
