"""Charts as server-rendered SVG, with the same numbers as an HTML table to put beside them.

No chart library and no JavaScript: a horizontal bar chart (one bar per row, optionally
stacked by series, e.g. by year) that screen readers announce as an image with a title and a
description, and a GOV.UK table that carries the data for everyone. Colours are set with SVG
presentation attributes, which the content security policy allows (it forbids inline styles).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

# GOV.UK colours, each with at least 3:1 contrast against white, in an order where neighbours differ.
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#28a197", "#912b88", "#505a5f")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 16
CHAR_WIDTH = 8.6  # a generous average width of a character at FONT_SIZE, to size the label column
LINE_HEIGHT = 19
BAR_HEIGHT = 22
ROW_GAP = 10


@dataclass
class Series:
    name: str
    values: list[float]
    colour: str | None = None


@dataclass
class BarChart:
    """Horizontal bars, one per label; with several series the bars are stacked (and totalled)."""

    title: str
    description: str
    labels: list[str]
    series: list[Series]
    label_heading: str = ""  # none given: "Item"
    total_heading: str = ""  # none given: "Total"
    # Optional links for the labels in the table (the chart itself is an image, not navigation).
    links: list[str | None] = field(default_factory=list)
    ident: str = ""
    # The drawing's width in SVG units (it scales to its container) and the longest label line:
    # longer labels wrap onto a second line, and beyond that are shortened.
    width: int = 720
    label_chars: int = 34

    def __post_init__(self):
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(self.labels)} labels")
        for i, s in enumerate(self.series):
            s.colour = s.colour or PALETTE[i % len(PALETTE)]
        self.ident = self.ident or "chart-" + (re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "data")

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    def totals(self) -> list[float]:
        return [sum(s.values[i] for s in self.series) for i in range(len(self.labels))]

    @property
    def empty(self) -> bool:
        return not self.labels or not any(self.totals())

    def svg(self) -> Markup:
        return render_svg(self)

    def table(self, *, caption_class: str = "govuk-table__caption--s", classes: str = "") -> Markup:
        return render_table(self, caption_class=caption_class, classes=classes)


def nice_maximum(value: float) -> tuple[float, float]:
    """An axis maximum at or above `value` with a round tick step: (maximum, step)."""
    if value <= 0:
        return 1, 1
    magnitude = 10 ** math.floor(math.log10(value))
    for factor in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        step = factor * magnitude
        if step >= 1 or value < 1:
            ticks = math.ceil(value / step)
            if ticks <= 5:
                return ticks * step, step
    return math.ceil(value / magnitude) * magnitude, magnitude


def _number(value: float) -> str:
    """A count or a one-decimal value as the reader's language writes numbers."""
    return format_decimal(int(value)) if float(value).is_integer() else format_decimal(value, format="#,##0.0")


def _wrap(text: str, limit: int, lines: int = 2) -> list[str]:
    """Up to `lines` lines of at most `limit` characters, broken between words; the rest shortened with …"""
    words, result, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit or not current:
            current = candidate
        else:
            result.append(current)
            current = word
    result.append(current)
    if len(result) > lines:
        result = result[: lines - 1] + [" ".join(result[lines - 1 :])]
    return [line if len(line) <= limit else line[: limit - 1].rstrip() + "…" for line in result] or [""]


def _legend(chart: BarChart) -> list[tuple[float, int, Series]]:
    """Where each series' key goes: left to right, wrapping onto further lines."""
    placed, x, y = [], 0.0, 0
    for s in chart.series:
        width = 20 + len(s.name) * CHAR_WIDTH + 24
        if x and x + width > chart.width:
            x, y = 0.0, y + LINE_HEIGHT + 8
        placed.append((x, y, s))
        x += width
    return placed


def render_svg(chart: BarChart) -> Markup:
    labels = [_wrap(label, chart.label_chars) for label in chart.labels]
    longest = max((len(line) for lines in labels for line in lines), default=4)
    label_width = min(chart.label_chars, longest) * CHAR_WIDTH + 12
    row_height = max(BAR_HEIGHT, LINE_HEIGHT * max((len(lines) for lines in labels), default=1)) + ROW_GAP
    legend = _legend(chart) if chart.stacked else []
    legend_height = (max(y for _x, y, _s in legend) + LINE_HEIGHT + 16) if legend else 0
    top = legend_height + 28  # the legend, then the axis values
    plot_left = label_width
    plot_width = chart.width - 40 - plot_left  # room for the total after the longest bar
    height = top + row_height * len(labels) + 4
    maximum, step = nice_maximum(max(chart.totals(), default=0))
    scale = plot_width / maximum
    totals = chart.totals()

    title_id, desc_id = f"{chart.ident}-title", f"{chart.ident}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {chart.width} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="{title_id} {desc_id}" focusable="false" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" fill="{TEXT}">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
    ]
    for x, y, s in legend:
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="16" height="16" fill="{s.colour}"/>'
            f'<text x="{x + 22:.1f}" y="{y + 16}">{escape(s.name)}</text>'
        )
    # Axis values and grid lines.
    tick = 0.0
    while tick <= maximum + 1e-9:
        x = plot_left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 4:.0f}" stroke="{GRID}" '
            f'stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" font-size="14">{_number(tick)}</text>'
        )
        tick += step
    for row, lines in enumerate(labels):
        y = top + row * row_height
        bar_y = y + (row_height - BAR_HEIGHT) / 2
        middle = bar_y + BAR_HEIGHT / 2
        first_line = middle - (len(lines) - 1) * LINE_HEIGHT / 2 + 5
        text = "".join(
            f'<tspan x="{plot_left - 8:.1f}" y="{first_line + i * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end">{text}</text>')
        x = plot_left
        for s in chart.series:
            value = s.values[row]
            if not value:
                continue
            width = value * scale
            name = f"{chart.labels[row]}, {s.name}: " if chart.stacked else f"{chart.labels[row]}: "
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{s.colour}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(name)}{_number(value)}</title></rect>"
            )
            x += width
        parts.append(f'<text x="{x + 6:.1f}" y="{middle + 5:.1f}">{_number(totals[row])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it is escaped or a formatted number)


def render_table(chart: BarChart, *, caption_class: str = "govuk-table__caption--s", classes: str = "") -> Markup:
    """The chart's numbers as a GOV.UK table: a row per label, a column per series (and a total)."""
    head = [f'<th scope="col" class="govuk-table__header">{escape(chart.label_heading or _("Item"))}</th>']
    head += [
        f'<th scope="col" class="govuk-table__header govuk-table__header--numeric">{escape(s.name)}</th>'
        for s in chart.series
    ]
    if chart.stacked:
        head.append(
            f'<th scope="col" class="govuk-table__header govuk-table__header--numeric">'
            f"{escape(chart.total_heading or _('Total'))}</th>"
        )
    rows = []
    totals = chart.totals()
    for i, label in enumerate(chart.labels):
        link = chart.links[i] if i < len(chart.links) else None
        name = Markup('<a class="govuk-link" href="{}">{}</a>').format(link, label) if link else escape(label)
        cells = [f'<th scope="row" class="govuk-table__header">{name}</th>']
        cells += [
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{_number(s.values[i])}</td>'
            for s in chart.series
        ]
        if chart.stacked:
            cells.append(f'<td class="govuk-table__cell govuk-table__cell--numeric">{_number(totals[i])}</td>')
        rows.append('<tr class="govuk-table__row">' + "".join(cells) + "</tr>")
    return Markup(  # noqa: S704 (every text in it is escaped or a formatted number)
        f'<table class="govuk-table {escape(classes)}" id="{chart.ident}-table">'
        f'<caption class="govuk-table__caption {caption_class}">{escape(chart.title)}</caption>'
        f'<thead class="govuk-table__head"><tr class="govuk-table__row">{"".join(head)}</tr></thead>'
        f'<tbody class="govuk-table__body">{"".join(rows)}</tbody></table>'
    )
