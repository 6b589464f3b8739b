"""The hall board in bounded time whatever the open jobs (issue 14): it lists the first
``BOARD_JOBS`` open jobs by its rule (the soonest interview first; among equals, the
earliest posted) and counts the rest ("还有 M 个"), from reads whose size does not grow
with the day, kept for a second per market and renewed as soon as the market changes.

Through the ASGI app and the real store; the cache's clock is a fake (monotonic)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, MORNING, Client
from support.builders import at, checkin_body, job_body

from kiosk.web import board_view
from kiosk.web.board_view import BOARD_JOBS
from matcher.matching.worker import Matcher
from matcher.store.facade import Store

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text(page: BeautifulSoup | Tag, selector: str) -> str:
    found = page.select_one(selector)
    assert found is not None, selector
    return " ".join(found.get_text(" ").split())


async def post(client: Client, body: dict[str, Any], market: str = "kaili") -> str:
    r = await client.post(f"/api/v1/markets/{market}/jobs", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def board(client: Client) -> BeautifulSoup:
    r = await client.get("/m/kaili/board", headers={"HX-Request": "true"})
    assert r.status_code == 200
    return soup(r.text)


def rows(page: BeautifulSoup) -> list[str]:
    return [str(r["data-job"]) for r in page.select("table.jobs tr[data-job]")]


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tick(client: Client) -> FakeMonotonic:
    """The board cache of the app under test, on a clock the test moves."""
    clock = FakeMonotonic()
    board_view.board_cache(client.state.store).monotonic = clock
    return clock


class Counting:
    """Wraps the store's board reads: how often each is called and with how many ids."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, list[int]] = {}
        for name in ("open_job_count", "job_records", "open_among", "jobs_posted_since"):
            real = getattr(store, name)
            monkeypatch.setattr(store, name, self._wrap(name, real))

        async def never(*a: Any, **kw: Any) -> Any:
            raise AssertionError("the board never reads every job")

        monkeypatch.setattr(store, "list_jobs", never)

    def _wrap(self, name: str, real: Any) -> Any:
        async def counted(*args: Any, **kw: Any) -> Any:
            size = next((len(a) for a in args if isinstance(a, list)), kw.get("limit", 0))
            if name == "jobs_posted_since":
                size = args[3]
            self.calls.setdefault(name, []).append(int(size))
            return await real(*args, **kw)

        return counted

    def refreshes(self) -> int:
        return len(self.calls.get("open_job_count", []))


async def test_the_first_jobs_by_interview_and_a_count_of_the_rest(
    client: Client, tick: FakeMonotonic, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = 7
    # Posted latest-interview first: the board's order is not the posting order.
    ids = []
    for i in range(BOARD_JOBS + extra):
        minute = (BOARD_JOBS + extra - i) % 60
        hour = 9 + (BOARD_JOBS + extra - i) // 60
        ids.append(await post(client, job_body(interview_at=at(f"{hour:02d}:{minute:02d}"))))
    soonest_first = list(reversed(ids))
    counting = Counting(client.state.store, monkeypatch)
    page = await board(client)
    assert rows(page) == soonest_first[:BOARD_JOBS]
    assert text(page, ".jobs-head .count") == f"共 {BOARD_JOBS + extra} 个"
    more = page.select_one(".jobs-more")
    assert more is not None and more["data-more"] == str(extra)
    assert more.get_text(strip=True) == f"还有 {extra} 个"
    # What it read: one count, the open check of a bounded walk, and the records of the
    # jobs shown (besides placing the day's posts once, a bounded batch).
    assert counting.refreshes() == 1
    assert max(counting.calls["open_among"]) <= board_view.WALK
    assert counting.calls["job_records"][-1] <= BOARD_JOBS
    assert all(n <= board_view.INDEX_BATCH for n in counting.calls["jobs_posted_since"])


async def test_ties_go_to_the_earliest_posted_and_closed_jobs_leave(
    client: Client, tick: FakeMonotonic
) -> None:
    clock = client.state.clock
    first = await post(client, job_body(interview_at=at("09:30")))
    clock.advance(seconds=30)
    second = await post(client, job_body(interview_at=at("09:30")))
    sooner = await post(client, job_body(interview_at=at("09:10")))
    assert rows(await board(client)) == [sooner, first, second]
    r = await client.post(f"/api/v1/markets/kaili/jobs/{sooner}/cancel", headers=AUTH)
    assert r.status_code in (200, 201), r.text
    # The cancel moved the market's events on: shown at once, not a second later.
    page = await board(client)
    assert rows(page) == [first, second]
    assert page.select_one(".jobs-more") is None


async def test_kept_a_second_while_nothing_changes_and_renewed_by_a_change(
    client: Client, tick: FakeMonotonic, monkeypatch: pytest.MonkeyPatch
) -> None:
    await post(client, job_body())
    counting = Counting(client.state.store, monkeypatch)
    await board(client)
    await board(client)
    await client.get("/m/kaili/board")
    assert counting.refreshes() == 1
    tick.now += board_view.TTL_S
    await board(client)
    assert counting.refreshes() == 2
    # A post (in this process or any other) moves the market's event stream on.
    new = await post(client, job_body(interview_at=at("09:05")))
    assert new in rows(await board(client))
    assert counting.refreshes() == 3
    # Per market: another market's board is its own.
    r = await client.get("/m/liping/board", headers={"HX-Request": "true"})
    assert r.status_code == 200 and not soup(r.text).select("tr[data-job]")
    assert counting.refreshes() == 4


async def test_a_crowd_of_boards_costs_one_refresh(
    client: Client, tick: FakeMonotonic, monkeypatch: pytest.MonkeyPatch
) -> None:
    await post(client, job_body())
    counting = Counting(client.state.store, monkeypatch)
    pages = await asyncio.gather(*(board(client) for _ in range(20)))
    assert len({tuple(rows(p)) for p in pages}) == 1
    assert counting.refreshes() == 1


async def test_a_post_that_lands_late_is_still_placed(client: Client, tick: FakeMonotonic) -> None:
    """A post's time is taken before its write reaches the store: one stamped before
    the newest the board has read, but written after, is placed all the same."""
    clock = client.state.clock
    clock.advance(seconds=10)
    later = await post(client, job_body(interview_at=at("09:40")))
    assert rows(await board(client)) == [later]
    clock.advance(seconds=-2)
    stamped_earlier = await post(client, job_body(interview_at=at("09:20")))
    assert rows(await board(client)) == [stamped_earlier, later]


async def test_calls_come_from_the_days_last_bookings(client: Client, tick: FakeMonotonic) -> None:
    await post(client, job_body(headcount=3, interview_place="2号洽谈桌"))
    refs = []
    m = Matcher(client.state.store, ["kaili"], name="board-bounded")
    await m.ensure_groups()
    for n in (1, 2):
        r = await client.post("/api/v1/markets/kaili/checkins", json=checkin_body(n), headers=AUTH)
        worker = r.json()
        while await m.consume_once("kaili"):
            pass
        offers = (
            await client.get(f"/api/v1/markets/kaili/workers/{worker['worker_id']}/offers")
        ).json()
        pending = [o for o in offers if o["status"] == "pending"]
        r = await client.post(
            f"/api/v1/markets/kaili/offers/{pending[0]['id']}/accept", headers=AUTH
        )
        refs.append(r.json()["ticket"]["ref"])
    page = await board(client)
    assert [c["data-ticket"] for c in page.select("li.call")] == list(reversed(refs))
    assert text(page, "li.call") == "请 139****0002 到 2号洽谈桌 09:00"
    assert [s.get_text() for s in page.select(".fills strong")] == ["0", "2"]


async def test_the_next_day_starts_a_new_order(client: Client, tick: FakeMonotonic) -> None:
    await post(client, job_body())
    assert len(rows(await board(client))) == 1
    client.state.clock.set(MORNING.replace(day=MORNING.day + 1))
    page = await board(client)
    assert rows(page) == [] and text(page, ".jobs-head .count") == "共 0 个"


async def test_the_start_screen_counts_without_reading(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        await post(client, job_body())
    Counting(client.state.store, monkeypatch)  # list_jobs would fail the request
    page = soup((await client.get("/m/kaili/")).text)
    assert text(page, "#open-jobs") == "3"


async def test_a_flood_of_posts_is_taken_in_over_a_few_refreshes(
    client: Client, tick: FakeMonotonic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts are placed a bounded batch a refresh (after a restart late in a busy day,
    say), the earliest posted first; the rest come with the next refreshes even when
    nothing else happens in the market."""
    monkeypatch.setattr(board_view, "INDEX_BATCH", 3)
    clock = client.state.clock
    ids = []
    for i in range(7):
        clock.advance(seconds=5)  # posted one after another, the latest interview first
        ids.append(await post(client, job_body(interview_at=at(f"09:{50 - i:02d}"))))
    assert rows(await board(client)) == list(reversed(ids[:3]))
    tick.now += board_view.TTL_S
    assert rows(await board(client)) == list(reversed(ids[:6]))
    tick.now += board_view.TTL_S
    page = await board(client)
    assert rows(page) == list(reversed(ids))
    # Counted in full all along: the count does not wait for the order.
    assert text(page, ".jobs-head .count") == "共 7 个"
