"""History and reports (kiosk/ops/reports.py): figures per day, market, skill and group
from roll-ups and live, exports that parse back to the stats API's numbers, the daily
report, permissions, bad input, and the printed daily report in Chromium."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import API_TOKEN, Client
from openpyxl import load_workbook
from support.builders import checkin_body, job_body
from support.ops import csrf_hook, login

from kiosk.app import create_app
from kiosk.ops import charts
from matcher.desk import audit as audit_trail
from matcher.matching.worker import Matcher

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
FULL_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
MASKED_PHONE = re.compile(r"^1[3-9]\d\*{4}\d{4}$")
DAY1, DAY2 = "2026-11-27", "2026-11-28"
TIME_FIELDS = ("start_at", "end_at", "interview_at", "available_until")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(node: BeautifulSoup | Tag, selector: str) -> Tag:
    found = node.select(selector)
    assert len(found) == 1, (selector, len(found))
    return found[0]


def cell(node: BeautifulSoup | Tag, selector: str) -> str:
    return " ".join(one(node, selector).get_text(" ", strip=True).split())


def later(body: dict[str, Any], days: int) -> dict[str, Any]:
    """The same request body on a later day (builders' times are on the first)."""
    out = dict(body)
    for name in TIME_FIELDS:
        if name in out:
            out[name] = (datetime.fromisoformat(out[name]) + timedelta(days=days)).isoformat()
    return out


async def api(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    r = await client.post(f"/api/v1/markets/kaili{path}", json=body or {}, headers=AUTH)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def offer_round(client: Client) -> None:
    m = Matcher(client.state.store, ["kaili"], name="reports-test")
    await m.ensure_groups()
    while await m.consume_once("kaili"):
        pass


async def book(client: Client, worker_id: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/markets/kaili/workers/{worker_id}/offers", headers=AUTH)
    [offer] = [o for o in r.json() if o["status"] == "pending"]
    return dict((await api(client, f"/offers/{offer['id']}/accept"))["ticket"])


async def two_days(client: Client) -> None:
    """Day 1: three check-ins (one older worker), two jobs, a hire, a no-show and a
    booking left open; the day rolls over. Day 2 (today): one job, one hire."""
    older = await api(
        client, "/checkins", checkin_body(1, priority_groups=["older"], priority_consent=True)
    )
    other = await api(client, "/checkins", checkin_body(2))
    welder = await api(client, "/checkins", checkin_body(3, skills=["welder"]))
    job = await api(client, "/jobs", job_body(headcount=3))
    await api(client, "/jobs", job_body(headcount=1, skills=["welder"], title="电焊"))
    await offer_round(client)
    for w in (older, other, welder):
        await book(client, w["worker_id"])
    await api(
        client, f"/jobs/{job['id']}/outcomes", {"worker_id": older["worker_id"], "outcome": "hired"}
    )
    await api(
        client,
        f"/jobs/{job['id']}/outcomes",
        {"worker_id": other["worker_id"], "outcome": "no_show"},
    )
    clock = client.state.clock
    clock.advance(days=1)
    await client.state.store.roll_day("kaili")
    w4 = await api(client, "/checkins", later(checkin_body(4), 1))
    job2 = await api(client, "/jobs", later(job_body(headcount=1), 1))
    await offer_round(client)
    await book(client, w4["worker_id"])
    await api(
        client, f"/jobs/{job2['id']}/outcomes", {"worker_id": w4["worker_id"], "outcome": "hired"}
    )


async def api_stats(client: Client, day: str) -> dict[str, Any]:
    r = await client.get("/api/v1/markets/kaili/stats", params={"date": day}, headers=AUTH)
    assert r.status_code == 200
    return dict(r.json())


# -- the history page -----------------------------------------------------------------


async def test_history_per_day_from_rollups_and_live(client: Client) -> None:
    await two_days(client)
    await login(client)
    r = await client.get("/ops/m/kaili/history", params={"from": "2026-11-26", "to": DAY2})
    assert r.status_code == 200, r.text
    page = soup(r.text)
    rows = page.select("#table-days tbody tr")
    assert [row["data-day"] for row in rows] == ["2026-11-26", DAY1, DAY2]
    for day in ("2026-11-26", DAY1, DAY2):
        stats = await api_stats(client, day)
        for col in ("jobs_posted", "headcount_posted", "checkins", "bookings", "hired", "no_shows"):
            assert cell(page, f"tr[data-day='{day}'] td[data-col={col}]") == str(stats[col]), (
                day,
                col,
            )
    # The closed day comes from its roll-up, today is live; an empty day is zeros.
    assert "日终汇总" in cell(page, f"tr[data-day='{DAY1}']")
    assert "实时" in cell(page, f"tr[data-day='{DAY2}']")
    assert cell(page, "tr[data-day='2026-11-26'] td[data-col=bookings]") == "0"
    assert cell(page, "#table-days tfoot td[data-col=hired]") == "2"
    # Per skill and per group over the range.
    assert cell(page, "tr[data-skill=welder] td[data-col=checkins]") == "1"
    assert cell(page, "tr[data-skill=general_laborer] td[data-col=hired]") == "2"
    assert cell(page, "tr[data-group=older] td[data-col=hired]") == "1"
    assert cell(page, "tr[data-group=none] td[data-col=checkins]") == "3"
    # A day links to its daily report; exports carry the range.
    link = one(page, f"tr[data-day='{DAY1}'] th a")
    assert link["href"] == f"/ops/m/kaili/daily/{DAY1}"
    xlsx = one(page, ".exports a[data-table=all]")
    assert xlsx["href"] == f"/ops/m/kaili/export.xlsx?from=2026-11-26&to={DAY2}"
    assert "ops." not in page.get_text()  # no key left untranslated
    client.cookies.set("kz_lang", "en", domain="kz.test")
    page = soup((await client.get("/ops/m/kaili/history", params={"from": DAY1})).text)
    assert cell(page, "h1") == "Kaili Gig Market: history and reports"
    assert "Day-end roll-up" in cell(page, f"tr[data-day='{DAY1}']")
    assert "ops." not in page.get_text()
    page = soup((await client.get(f"/ops/m/kaili/daily/{DAY1}")).text)
    assert "ops." not in page.get_text() and "Key figures" in page.get_text()


async def test_charts_are_server_side_accessible_svg(client: Client) -> None:
    await two_days(client)
    await login(client)
    page = soup((await client.get("/ops/m/kaili/history", params={"from": DAY1})).text)
    svgs = page.select("figure.chart svg")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg["role"] == "img"
        title_id, desc_id = str(svg["aria-labelledby"]).split()
        assert one(svg, f"title#{title_id}").get_text()
        assert one(svg, f"desc#{desc_id}").get_text()
    days = one(page, "#chart-days svg")
    # Two days: a line per series, each dot with its exact figure.
    assert len(days.select("polyline")) == 3
    assert "11-27 · 预约: 3" in [t.get_text() for t in days.select("circle title")]
    # Nothing but our own files: no chart library from anywhere.
    for tag in page.select("script[src], link[href]"):
        assert str(tag.get("src") or tag.get("href")).startswith("/")


def test_chart_geometry() -> None:
    c = charts.bar_chart(
        "c", "T", ["a", "b"], [charts.Series("x", [3, 7]), charts.Series("y", [0, 1])]
    )
    assert [t.text for t in c.ticks] == ["0", "2", "4", "6", "8"]
    [x, y] = c.series
    assert x.marks[1].h > x.marks[0].h > 0 and y.marks[0].h == 0
    # Bars stand on the axis.
    assert all(abs(m.y + m.h - c.plot_bottom) < 1 for m in x.marks)
    assert "a 3" in c.description and not c.empty
    # Whole-number ticks, at most four steps.
    assert charts.axis_top(0) == (1, 1) and charts.axis_top(4) == (4, 1)
    assert charts.axis_top(11) == (15, 5) and charts.axis_top(50) == (60, 20)
    empty = charts.line_chart("e", "T", ["a"], [charts.Series("x", [0])], empty_text="none")
    assert empty.empty and "none" in charts.render(empty)
    with pytest.raises(ValueError):
        charts.bar_chart("bad", "T", ["a"], [charts.Series("x", [1, 2])])


async def test_a_late_outcome_moves_the_totals_and_says_so(client: Client) -> None:
    await two_days(client)
    await login(client)
    # The welder's interview of the first day is recorded the next morning.
    r = await client.get("/api/v1/markets/kaili/jobs", params={"date": DAY1}, headers=AUTH)
    [welding] = [j for j in r.json() if j["skills"] == ["welder"]]
    [booking] = welding["bookings"]
    await api(
        client,
        f"/jobs/{welding['id']}/outcomes",
        {"worker_id": booking["worker_id"], "outcome": "hired"},
    )
    stats = await api_stats(client, DAY1)
    assert stats["hired"] == 2
    page = soup((await client.get("/ops/m/kaili/history", params={"from": DAY1})).text)
    assert cell(page, f"tr[data-day='{DAY1}'] td[data-col=hired]") == "2"
    assert "日终汇总后又有改动" in cell(page, "#late-note")
    # The breakdown stays as at the day's end.
    assert cell(page, "tr[data-skill=welder] td[data-col=hired]") == "0"
    r = await client.get("/ops/m/kaili/export.xlsx", params={"from": DAY1, "to": DAY1})
    summary = load_workbook(io.BytesIO(r.content))["summary"]
    header = [c.value for c in summary[1]]
    assert summary.cell(2, header.index("hired") + 1).value == 2
    page = soup((await client.get(f"/ops/m/kaili/daily/{DAY1}")).text)
    assert cell(page, ".key-figures [data-col=hired] dd") == "2" and page.select("#late-note")


async def test_history_survives_a_restart(client: Client) -> None:
    await two_days(client)
    state = client.state
    # A new app (store, pool, matcher-less) over the same server.
    app = create_app(state.settings, clock=state.clock, run_matcher=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        Client(transport=transport, base_url="http://kz.test") as fresh,
    ):
        fresh.state = app.state.kz
        fresh.event_hooks["request"] = [csrf_hook(fresh)]
        await login(fresh)
        page = soup((await fresh.get("/ops/m/kaili/history", params={"from": DAY1})).text)
    assert "日终汇总" in cell(page, f"tr[data-day='{DAY1}']")
    assert cell(page, f"tr[data-day='{DAY1}'] td[data-col=bookings]") == "3"
    assert cell(page, f"tr[data-day='{DAY1}'] td[data-col=hired]") == "1"


async def test_the_prefecture_history(client: Client) -> None:
    await two_days(client)
    await login(client, role="bureau", markets=())
    page = soup((await client.get("/ops/history", params={"from": DAY1})).text)
    assert [r["data-market"] for r in page.select("#table-markets tbody tr")] == [
        "kaili",
        "liping",
        "rongjiang",
        "jianhe",
    ]
    assert cell(page, "tr[data-market=kaili] td[data-col=bookings]") == "4"
    assert cell(page, "tr[data-market=liping] td[data-col=bookings]") == "0"
    assert cell(page, f"tr[data-day='{DAY1}'] td[data-col=bookings]") == "3"
    assert len(page.select("figure.chart svg")) == 4
    # A market operator's prefecture view holds only their markets.
    client.cookies.clear()
    await login(client, markets=("kaili",))
    page = soup((await client.get("/ops/history")).text)
    assert [r["data-market"] for r in page.select("#table-markets tbody tr")] == ["kaili"]


# -- exports --------------------------------------------------------------------------


def parse_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


async def test_csv_parses_back_to_the_stats_api(client: Client) -> None:
    await two_days(client)
    await login(client)
    params = {"from": DAY1, "to": DAY2}
    got = {}
    for table in ("jobs", "bookings", "outcomes"):
        r = await client.get("/ops/m/kaili/export.csv", params={**params, "table": table})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert f"kuaizhao-kaili-{DAY1}_{DAY2}-{table}.csv" in r.headers["content-disposition"]
        assert not FULL_PHONE.search(r.content.decode("utf-8-sig"))
        got[table] = parse_csv(r.content)
    for day in (DAY1, DAY2):
        stats = await api_stats(client, day)
        jobs = [j for j in got["jobs"] if j["date"] == day]
        bookings = [b for b in got["bookings"] if b["date"] == day]
        outcomes = [o for o in got["outcomes"] if o["date"] == day]
        assert len(jobs) == stats["jobs_posted"]
        assert sum(int(j["headcount"]) for j in jobs) == stats["headcount_posted"]
        assert len(bookings) == stats["bookings"]
        assert sum(o["outcome"] == "hired" for o in outcomes) == stats["hired"]
        assert sum(o["outcome"] == "no_show" for o in outcomes) == stats["no_shows"]
        assert sum(o["outcome"] == "not_hired" for o in outcomes) == stats["not_hired"]
    # Phones are masked for an operator.
    phones = [b["worker_phone"] for b in got["bookings"]] + [
        j["employer_phone"] for j in got["jobs"]
    ]
    assert phones and all(MASKED_PHONE.match(p) for p in phones), phones


async def test_xlsx_parses_back_to_the_stats_api(client: Client) -> None:
    await two_days(client)
    await login(client)
    r = await client.get("/ops/m/kaili/export.xlsx", params={"from": "2026-11-26", "to": DAY2})
    assert r.status_code == 200, r.text
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert wb.sheetnames == ["summary", "jobs", "bookings", "outcomes"]
    sheets = {}
    for name in wb.sheetnames:
        rows = list(wb[name].iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        sheets[name] = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    summary = {row["date"]: row for row in sheets["summary"]}
    assert list(summary) == ["2026-11-26", DAY1, DAY2]
    for day, row in summary.items():
        stats = await api_stats(client, day)
        for key in (
            "jobs_posted",
            "headcount_posted",
            "checkins",
            "offers",
            "bookings",
            "hired",
            "no_shows",
            "fill_rate",
        ):
            assert row[key] == stats[key], (day, key)
        assert len([b for b in sheets["bookings"] if b["date"] == day]) == stats["bookings"]
        assert len([j for j in sheets["jobs"] if j["date"] == day]) == stats["jobs_posted"]
    text = " ".join(str(v) for rows in sheets.values() for row in rows for v in row.values())
    assert not FULL_PHONE.search(text)


async def test_exports_are_audited_and_formula_safe(client: Client) -> None:
    await api(client, "/jobs", job_body(title='=HYPERLINK("http://x")'))
    name = await login(client)
    r = await client.get("/ops/m/kaili/export.csv", params={"table": "jobs"})
    [row] = parse_csv(r.content)
    assert row["title"].startswith("'=")
    r = await client.get("/ops/m/kaili/export.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert str(wb["jobs"]["D2"].value).startswith("'=")
    entries = await audit_trail.recent(client.state.store.redis, markets={"kaili"})
    exports = [e for e in entries if e.action == "export"]
    assert [e.target for e in exports] == [f"xlsx:all:{DAY1}/{DAY1}", f"csv:jobs:{DAY1}/{DAY1}"]
    assert exports[0].who == name and exports[0].after == {
        "rows": {"jobs": 1, "bookings": 0, "outcomes": 0}
    }


# -- permissions and bad input ----------------------------------------------------------


async def test_permissions(client: Client) -> None:
    for path in ("/ops/m/kaili/history", "/ops/history", f"/ops/m/kaili/daily/{DAY1}"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/ops/login"), path
    r = await client.get("/ops/m/kaili/export.csv", headers={"Accept": "text/csv"})
    assert r.status_code in (401, 303) and "text/csv" not in r.headers["content-type"]
    await login(client, markets=("kaili",))
    for path in (
        "/ops/m/liping/history",
        "/ops/m/liping/export.csv",
        "/ops/m/liping/export.xlsx",
        f"/ops/m/liping/daily/{DAY1}",
    ):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.get("/ops/m/mars/history")).status_code == 404
    assert (await client.get("/ops/m/kaili/export.pdf")).status_code == 404
    entries = await audit_trail.recent(client.state.store.redis)
    assert not [e for e in entries if e.action == "export"]


@pytest.mark.parametrize("role", ["bureau", "admin"])
async def test_the_bureau_and_admins_export_any_market_masked(client: Client, role: str) -> None:
    await two_days(client)
    await login(client, role=role, markets=())  # type: ignore[arg-type]
    r = await client.get("/ops/m/kaili/export.csv", params={"table": "bookings", "from": DAY1})
    assert r.status_code == 200
    rows = parse_csv(r.content)
    assert len(rows) == 4 and all(MASKED_PHONE.match(b["worker_phone"]) for b in rows)
    assert not FULL_PHONE.search(r.content.decode("utf-8-sig"))
    assert (await client.get("/ops/m/liping/export.xlsx")).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"to": "2026-11-30"}, "to"),  # after today
        ({"from": DAY1, "to": "2026-11-20"}, "from"),
        ({"from": "2020-01-01"}, "from"),  # longer than a year
    ],
)
async def test_bad_ranges_are_explained(client: Client, params: dict[str, str], field: str) -> None:
    await login(client)
    r = await client.get("/ops/m/kaili/history", params=params)
    assert r.status_code == 422
    page = soup(r.text)
    assert field in cell(page, "#range-error")
    assert one(page, f"input[name={field}]")["aria-invalid"] == "true"
    r = await client.get("/ops/m/kaili/export.csv", params=params)
    assert r.status_code == 422 and field in r.text and "(" in r.text  # zh (en)


async def test_bad_table_and_day(client: Client) -> None:
    await login(client)
    r = await client.get("/ops/m/kaili/export.csv", params={"table": "secrets"})
    assert r.status_code == 422 and "table" in r.text
    for day in ("someday", "2026-12-01"):
        r = await client.get(f"/ops/m/kaili/daily/{day}")
        assert r.status_code == 422 and "day" in cell(soup(r.text), ".form-error")


# -- the daily report -----------------------------------------------------------------


async def test_daily_report(client: Client) -> None:
    await two_days(client)
    await login(client)
    r = await client.get(f"/ops/m/kaili/daily/{DAY1}")
    assert r.status_code == 200, r.text
    page = soup(r.text)
    stats = await api_stats(client, DAY1)
    for col in ("jobs_posted", "headcount_posted", "checkins", "bookings", "hired", "no_shows"):
        assert cell(page, f".key-figures [data-col={col}] dd") == str(stats[col])
    assert "日终汇总" in cell(page, ".daily-meta")
    assert len(page.select("#table-jobs tbody tr")) == 2
    assert cell(page, "#table-groups tr[data-group=older] td[data-col=hired]") == "1"
    assert one(page, "a[rel=prev]")["href"] == "/ops/m/kaili/daily/2026-11-26"
    assert one(page, "a[rel=next]")["href"] == f"/ops/m/kaili/daily/{DAY2}"
    assert one(page, "button[data-print]")
    # Today's report is live and has no "next day".
    page = soup((await client.get(f"/ops/m/kaili/daily/{DAY2}")).text)
    assert "实时" in cell(page, ".daily-meta") and not page.select("a[rel=next]")
    # An empty day is a report of zeros.
    page = soup((await client.get("/ops/m/kaili/daily/2026-11-01")).text)
    assert cell(page, ".key-figures [data-col=bookings] dd") == "0"
    assert page.select_one("#table-jobs") is None
