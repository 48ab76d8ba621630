"""Charts drawn on the server as SVG: the numbers of a chart, its table, and the geometry the
template draws (rectangles, lines and text with classes from ``statistics/charts.css``; no
script, no inline style, nothing from another site). Pure functions: no database, no clock.

Three shapes: horizontal bars (one bar per category, a series beside another), columns (the
months of a year or the levels of a scale, series grouped), and the Lorenz curve of the
participation spread with its line of equality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext

SERIES_CLASSES = 4  # series-0 … series-3 in the stylesheet


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


@dataclass
class Chart:
    """A chart's numbers: categories, one or more series, and how it is drawn."""

    key: str
    title: str
    kind: str  # "bars", "columns" or "lorenz"
    categories: Sequence[str]
    series: Sequence[Series]
    category_label: str
    unit: str = ""
    note: str = ""
    totals: bool = True  # a 合计 column when there is more than one series
    figures: list[tuple[str, str]] = field(default_factory=list)  # e.g. the Gini coefficient

    def headers(self) -> list[str]:
        names = [self.category_label, *[s.label for s in self.series]]
        if self.totals and len(self.series) > 1:
            names.append(gettext("合计"))
        return names

    def rows(self) -> list[list[object]]:
        """The table beside the chart (and its Excel download): one row per category."""
        out: list[list[object]] = []
        for i, category in enumerate(self.categories):
            values = [_plain(s.values[i]) for s in self.series]
            row: list[object] = [category, *values]
            if self.totals and len(self.series) > 1:
                row.append(_plain(sum(s.values[i] for s in self.series)))
            out.append(row)
        return out

    @property
    def is_empty(self) -> bool:
        return not any(v for s in self.series for v in s.values)

    def svg(self) -> dict[str, object]:
        if self.kind == "bars":
            return bars(self)
        if self.kind == "columns":
            return columns(self)
        return lorenz(self)


def _plain(value: float) -> object:
    """An integer as an integer, anything else to three decimals."""
    if float(value).is_integer():
        return int(value)
    return round(float(value), 3)


def nice_max(value: float) -> float:
    """The top of an axis: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def axis(value: float, count: int = 4) -> tuple[float, list[float]]:
    """The top of a count axis and its ticks: whole steps of 1, 2 or 5 times a power of ten,
    about ``count`` of them (a chart of 3 reads 0 1 2 3, never 0.5 or 1.5)."""
    step = nice_max(max(value, 1) / count)
    if step < 1:
        step = 1.0
    top = step * math.ceil(max(value, 1) / step)
    return top, [step * i for i in range(round(top / step) + 1)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _label_width(labels: Sequence[str]) -> float:
    """Room for the longest category name (a CJK character is about 12.5 px at 12 px)."""
    longest = max(
        (sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text) for text in labels), default=4
    )
    return min(240.0, max(60.0, 13.5 * longest + 10))


# --- horizontal bars ---------------------------------------------------------------------------

ROW = 24
BAR_W = 340
LEGEND_H = 24


def bars(chart: Chart) -> dict[str, object]:
    """One bar per category; with several series the bar is stacked, segment by segment, and
    its total written at its end."""
    label_w = _label_width(chart.categories)
    totals = [sum(float(s.values[i]) for s in chart.series) for i in range(len(chart.categories))]
    top = nice_max(max(totals, default=0))
    legend_h = LEGEND_H if len(chart.series) > 1 else 0
    shapes = []
    labels = []
    ends = []
    for i, category in enumerate(chart.categories):
        y = legend_h + 6 + i * ROW
        labels.append({"x": label_w - 6, "y": y + (ROW - 8) / 2, "text": category})
        x = label_w
        for j, s in enumerate(chart.series):
            value = float(s.values[i])
            width = BAR_W * value / top if top else 0
            if value:
                shapes.append(
                    {
                        "x": round(x, 2),
                        "y": y,
                        "w": round(width, 2),
                        "h": ROW - 8,
                        "cls": f"series-{j % SERIES_CLASSES}",
                        "title": f"{category} {s.label}：{_fmt(value)}",
                    }
                )
            x += width
        ends.append({"x": round(x + 4, 2), "y": y + (ROW - 8) / 2, "value": _fmt(totals[i])})
    height = legend_h + 12 + len(chart.categories) * ROW
    return {
        "width": round(label_w + BAR_W + 50),
        "height": height,
        "bars": shapes,
        "ends": ends,
        "labels": labels,
        "axis": {"x": label_w, "y1": legend_h + 2, "y2": height - 4},
        "legend": _legend(chart, 4, label_w),
    }


# --- columns -----------------------------------------------------------------------------------

PLOT_H = 200
PLOT_LEFT = 40
COLUMN_GROUP = 40


def columns(chart: Chart) -> dict[str, object]:
    """Categories along the bottom, each with a column per series; a whole-number scale."""
    n = max(1, len(chart.series))
    group = max(COLUMN_GROUP, 12 * n + 10)
    top, steps = axis(max((float(v) for s in chart.series for v in s.values), default=0))
    legend_h = LEGEND_H if len(chart.series) > 1 else 0
    base = 12 + legend_h + PLOT_H
    shapes = []
    labels = []
    col_w = (group - 10) / n
    for i, category in enumerate(chart.categories):
        x0 = PLOT_LEFT + 6 + i * group
        labels.append({"x": x0 + (group - 10) / 2, "y": base + 16, "text": category})
        for j, s in enumerate(chart.series):
            value = float(s.values[i])
            h = PLOT_H * value / top
            x = x0 + j * col_w
            shapes.append(
                {
                    "x": round(x, 2),
                    "y": round(base - h, 2),
                    "w": round(col_w - 1, 2),
                    "h": round(h, 2),
                    "cls": f"series-{j % SERIES_CLASSES}",
                    "tx": round(x + (col_w - 1) / 2, 2),
                    "ty": round(base - h - 3, 2),
                    "value": _fmt(value) if value else "",
                    "title": f"{category} {s.label}：{_fmt(value)}",
                }
            )
    grid = [{"y": round(base - PLOT_H * t / top, 2), "label": _fmt(t)} for t in steps]
    width = PLOT_LEFT + 12 + len(chart.categories) * group
    return {
        "width": max(width, 260),
        "height": base + 26,
        "bars": shapes,
        "labels": labels,
        "grid": grid,
        "plot": {"x1": PLOT_LEFT, "x2": width - 4, "base": base},
        "legend": _legend(chart, 4, PLOT_LEFT),
    }


def _legend(chart: Chart, y: float, x: float) -> list[dict[str, object]]:
    if len(chart.series) < 2:
        return []
    out = []
    for j, s in enumerate(chart.series):
        out.append(
            {"x": round(x, 2), "y": y, "cls": f"series-{j % SERIES_CLASSES}", "text": s.label}
        )
        x += 24 + 12.5 * len(s.label)
    return out


# --- the Lorenz curve --------------------------------------------------------------------------

LORENZ = 280
LORENZ_PAD = 36


def lorenz_points(spread: Sequence[tuple[int, int]]) -> list[tuple[Fraction, Fraction]]:
    """The Lorenz curve of a spread ((participations, experts) pairs): from (0, 0), after each
    group of experts (fewest participations first), the share of experts and the share of all
    participations they hold. Empty when nobody took part."""
    people = sum(n for _times, n in spread)
    total = sum(times * n for times, n in spread)
    if not people or not total:
        return []
    points = [(Fraction(0), Fraction(0))]
    seen = held = 0
    for times, n in sorted(spread):
        seen += n
        held += times * n
        points.append((Fraction(seen, people), Fraction(held, total)))
    return points


def lorenz(chart: Chart) -> dict[str, object]:
    """The curve of the chart's two series (share of experts, share of participations, in %)."""
    xs, ys = chart.series[0].values, chart.series[1].values
    size = LORENZ

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            round(LORENZ_PAD + size * x / 100, 2),
            round(LORENZ_PAD / 2 + size * (1 - y / 100), 2),
        )

    points = [at(x, y) for x, y in zip(xs, ys, strict=True)]
    grid = [
        {"v": v, "x": at(v, 0)[0], "y": at(0, v)[1], "label": f"{v}%"} for v in (0, 25, 50, 75, 100)
    ]
    return {
        "width": LORENZ_PAD + size + 20,
        "height": LORENZ_PAD + size + 10,
        "curve": " ".join(f"{x},{y}" for x, y in points),
        "dots": [{"x": x, "y": y} for x, y in points],
        "equality": {
            "x1": at(0, 0)[0],
            "y1": at(0, 0)[1],
            "x2": at(100, 100)[0],
            "y2": at(100, 100)[1],
        },
        "grid": grid,
        "origin": at(0, 0),
        "corner": at(100, 100),
    }
