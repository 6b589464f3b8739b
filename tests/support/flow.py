"""Walking the kiosk's screens as a browser would, over the ASGI app.

A screen is fetched and parsed; pressing a button sends its form the way a browser
does (hidden fields, typed text, ticked boxes, the button's own name and value) and
follows the redirect to the next screen. Tests then assert on the parsed page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from bs4 import BeautifulSoup, Tag
from conftest import Client


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@dataclass
class Screen:
    response: httpx.Response
    page: BeautifulSoup

    @property
    def path(self) -> str:
        return urlsplit(str(self.response.url)).path

    @property
    def url(self) -> str:
        u = urlsplit(str(self.response.url))
        return u.path + (f"?{u.query}" if u.query else "")

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def question(self) -> str:
        h1 = self.page.select_one("h1")
        return h1.get_text(" ", strip=True) if h1 else ""

    def one(self, selector: str) -> Tag:
        found = self.page.select_one(selector)
        assert found is not None, f"{selector!r} not on {self.url}"
        return found

    def text(self) -> str:
        return self.page.get_text(" ", strip=True)


async def _follow(client: Client, response: httpx.Response) -> Screen:
    hops = 0
    while response.status_code in (301, 302, 303, 307) and hops < 10:
        response = await client.get(response.headers["location"])
        hops += 1
    if response.status_code == 204 and "HX-Redirect" in response.headers:
        response = await client.get(response.headers["HX-Redirect"])
    return Screen(response, soup(response.text))


async def get(client: Client, url: str) -> Screen:
    return await _follow(client, await client.get(url))


async def follow(client: Client, screen: Screen, selector: str) -> Screen:
    link = screen.one(selector)
    return await get(client, str(link["href"]))


def form_of(screen: Screen, button: Tag) -> Tag:
    owner = button.get("form")
    form = screen.page.find("form", id=str(owner)) if owner else button.find_parent("form")
    assert isinstance(form, Tag), f"no form for {button}"
    return form


def form_data(
    screen: Screen,
    button: Tag,
    *,
    tick: Iterable[str] = (),
    untick: Iterable[str] = (),
    fill: dict[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """The (action, fields) a browser would send when ``button`` is pressed."""
    form = form_of(screen, button)
    form_id = form.get("id")
    controls = list(form.select("input"))
    if form_id:
        controls += screen.page.select(f"input[form='{form_id}']")
    tick, untick = set(tick), set(untick)
    fields: list[tuple[str, str]] = []
    for inp in controls:
        name = inp.get("name")
        if not name:
            continue
        kind = inp.get("type", "text")
        value = str(inp.get("value", ""))
        if kind in ("checkbox", "radio"):
            on = (inp.has_attr("checked") or value in tick) and value not in untick
            if kind == "radio" and value in tick:
                fields = [f for f in fields if f[0] != name]
            if on:
                fields.append((str(name), value or "on"))
        else:
            fields.append((str(name), value))
    for name, value in (fill or {}).items():
        fields = [f for f in fields if f[0] != name] + [(name, value)]
    if button.get("name"):
        fields.append((str(button["name"]), str(button.get("value", ""))))
    return str(form["action"]), fields


async def press(
    client: Client,
    screen: Screen,
    selector: str,
    *,
    tick: Iterable[str] = (),
    untick: Iterable[str] = (),
    fill: dict[str, str] | None = None,
) -> Screen:
    button = screen.one(selector)
    action, fields = form_data(screen, button, tick=tick, untick=untick, fill=fill)
    return await _follow(client, await client.post(action, data=_multi(fields)))


def _multi(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in fields:
        out.setdefault(name, []).append(value)
    return out


# -- whole flows ------------------------------------------------------------------------


async def worker_checks_in(
    client: Client,
    phone: str,
    *,
    skills: Iterable[str] = ("general_laborer",),
    category: str = "construction",
    township: str | None = None,
    reach: str = "county",
    wage_taps: int = 0,
) -> Screen:
    """A new worker, by taps: phone, one category's tiles, place, reach, wage."""
    s = await get(client, "/m/kaili/worker")
    s = await press(client, s, "button.btn-next", fill={"phone": phone})
    assert s.path == "/m/kaili/worker/skills", s.url
    s = await follow(client, s, f"a[data-category={category}]")
    s = await press(client, s, "button.btn-next", tick=skills)
    assert s.path == "/m/kaili/worker/place", (s.url, s.text())
    if township is None:
        s = await press(client, s, "button.tile-county")
    else:
        # The whole county is on the one screen.
        s = await press(client, s, f"button[name=township][value='{township}']")
    s = await press(client, s, f"button[name=reach][value={reach}]")
    assert s.path == "/m/kaili/worker/wage", s.url
    for _ in range(wage_taps):
        s = await press(client, s, "button.step-up")
    return await press(client, s, "button.btn-next")


async def employer_posts(
    client: Client,
    phone: str,
    *,
    skills: Iterable[str] = ("general_laborer",),
    category: str = "construction",
    headcount: int = 1,
    name: str = "王师傅",
) -> Screen:
    """An employer, by taps, keeping every default but the work and headcount."""
    s = await get(client, "/m/kaili/employer")
    s = await press(client, s, "button.btn-next", fill={"phone": phone})
    s = await follow(client, s, f"a[data-category={category}]")
    s = await press(client, s, "button.btn-next", tick=skills)
    assert s.path == "/m/kaili/employer/headcount", (s.url, s.text())
    s = await press(client, s, f"button[name=headcount][value='{headcount}']")
    for step in ("pay", "place", "time", "interview", "extras"):
        assert s.path == f"/m/kaili/employer/{step}", (s.url, s.text())
        s = await press(client, s, "button.btn-next")
    assert s.path == "/m/kaili/employer/review", s.url
    return await press(client, s, "button.btn-next", fill={"employer_name": name})
