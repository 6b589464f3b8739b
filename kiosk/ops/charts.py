"""Bar and line charts drawn on the server as SVG (no chart library, no script).

This module works out the geometry; ``templates/ops/_chart.html`` turns it into markup,
escaped by Jinja like any page. Every chart is an image with a title and a short
description for screen readers (``role="img"``, ``aria-labelledby``), every mark has
its own ``<title>`` with the exact figure, and the pages print the same numbers in a
table next to it. Colours come from a small palette that stays apart in grey print.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from markupsafe import Markup

from kiosk.web.templating import templates

# SVG user units; the chart scales to the width of its box and keeps its proportions.
WIDTH = 720
HEIGHT = 260
LEFT = 44
RIGHT = 12
TOP = 28
BOTTOM = 44
# Dark enough for text contrast on white, and apart from each other in grey.
PALETTE = ("#1f6f43", "#c26a00", "#2f4f9f", "#9b1c31")
# Day labels shown at most this many times along the axis (every n-th day otherwise).
MAX_X_LABELS = 16


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True, slots=True)
class Mark:
    """One bar (x, y, w, h) or one point of a line (x, y), with its exact figure."""

    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Drawn:
    name: str
    colour: str
    marks: list[Mark]
    points: str  # polyline points of a line chart


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    kind: Literal["bar", "line"]
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    ticks: list[Tick]
    labels: list[Label]
    series: list[Drawn]
    empty: bool
    empty_text: str


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1:
    the charts count people and jobs, so a tick between two whole numbers says nothing)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def axis_top(peak: float) -> tuple[float, float]:
    """The axis' top and tick step: at most four steps of a nice size above zero."""
    step = nice_step(peak / 4)
    return max(step, step * math.ceil(peak / step)), step


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


def _ticks(top: float, step: float, y_of: Callable[[float], float]) -> list[Tick]:
    return [Tick(y_of(step * i), _fmt(step * i)) for i in range(round(top / step) + 1)]


def _describe(title: str, categories: Sequence[str], series: Sequence[Series]) -> str:
    """The chart in words: what a screen reader says for the image."""
    parts = []
    for s in series:
        pairs = ", ".join(f"{c} {_fmt(v)}" for c, v in zip(categories, s.values, strict=True))
        parts.append(f"{s.name}: {pairs}")
    return f"{title}. " + "; ".join(parts)


def _frame(
    chart_id: str, categories: Sequence[str], series: Sequence[Series]
) -> tuple[float, float, float, float]:
    if any(len(s.values) != len(categories) for s in series):
        raise ValueError(f"chart {chart_id}: every series needs one value per category")
    peak = max((v for s in series for v in s.values), default=0.0)
    top, step = axis_top(peak)
    return top, step, float(WIDTH - LEFT - RIGHT), float(HEIGHT - TOP - BOTTOM)


def _labels(categories: Sequence[str], centre: list[float]) -> list[Label]:
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    return [Label(centre[i], c) for i, c in enumerate(categories) if i % every == 0]


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    empty_text: str = "",
) -> Chart:
    """Grouped bars: one group per category, one bar per series in each group."""
    top, step_y, plot_w, plot_h = _frame(chart_id, categories, series)
    n = max(len(categories), 1)
    group_w = plot_w / n
    bar_w = group_w * 0.8 / max(len(series), 1)

    def y_of(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    drawn = []
    for si, s in enumerate(series):
        marks = []
        for ci, (c, v) in enumerate(zip(categories, s.values, strict=True)):
            x = LEFT + ci * group_w + group_w * 0.1 + si * bar_w
            y = y_of(v)
            marks.append(
                Mark(
                    round(x, 1),
                    round(y, 1),
                    round(bar_w, 1),
                    round(TOP + plot_h - y, 1),
                    f"{c} · {s.name}: {_fmt(v)}",
                )
            )
        drawn.append(Drawn(s.name, PALETTE[si % len(PALETTE)], marks, ""))
    centres = [LEFT + (i + 0.5) * group_w for i in range(len(categories))]
    return Chart(
        id=chart_id,
        kind="bar",
        title=title,
        description=_describe(title, categories, series),
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=TOP + int(plot_h),
        ticks=_ticks(top, step_y, y_of),
        labels=_labels(categories, [round(c, 1) for c in centres]),
        series=drawn,
        empty=not categories or all(v == 0 for s in series for v in s.values),
        empty_text=empty_text,
    )


def line_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    empty_text: str = "",
) -> Chart:
    """Lines over the categories (days), a dot with its figure at each."""
    top, step_y, plot_w, plot_h = _frame(chart_id, categories, series)
    n = max(len(categories), 1)
    slot = plot_w / n

    # Each point in the middle of its slot, as bars are: the first and last day's
    # labels stay inside the picture.
    def x_of(i: int) -> float:
        return LEFT + (i + 0.5) * slot

    def y_of(v: float) -> float:
        return TOP + plot_h - (v / top) * plot_h

    drawn = []
    for si, s in enumerate(series):
        marks = [
            Mark(round(x_of(i), 1), round(y_of(v), 1), 0, 0, f"{c} · {s.name}: {_fmt(v)}")
            for i, (c, v) in enumerate(zip(categories, s.values, strict=True))
        ]
        points = " ".join(f"{m.x},{m.y}" for m in marks)
        drawn.append(Drawn(s.name, PALETTE[si % len(PALETTE)], marks, points))
    return Chart(
        id=chart_id,
        kind="line",
        title=title,
        description=_describe(title, categories, series),
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=TOP + int(plot_h),
        ticks=_ticks(top, step_y, y_of),
        labels=_labels(categories, [round(x_of(i), 1) for i in range(len(categories))]),
        series=drawn,
        empty=not categories or all(v == 0 for s in series for v in s.values),
        empty_text=empty_text,
    )


def render(chart: Chart) -> Markup:
    """The chart as an inline ``<svg>`` element (escaped by the template)."""
    return Markup(templates.env.get_template("ops/_chart.html").render(chart=chart))
