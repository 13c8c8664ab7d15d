"""Charts as inline SVG strings: horizontal bars for rankings, columns for a time series.

Plain SVG with a text fallback (`<title>` on the chart and on every bar), no
script and no external font, so a report stays one self-contained file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.reporting.html import Html, escape

NHS_BLUE = "#005eb8"
_INK = "#212b32"
_GRID = "#d8dde0"
_TITLE_HEIGHT = 28
_MAX_LABEL_CHARS = 32


def horizontal_bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 520,
    bar_height: int = 20,
    label_width: int = 200,
    colour: str = NHS_BLUE,
) -> Html:
    """One bar per (label, value), in the order given (sort them first for a ranking)."""
    if not bars:
        return _empty_chart(title, width)
    gap = 6
    value_width = 56
    plot_width = max(width - label_width - value_width, 40)
    top = max(value for _, value in bars) or 1
    height = _TITLE_HEIGHT + len(bars) * (bar_height + gap) + gap
    parts = [_title(title)]
    for index, (label, value) in enumerate(bars):
        y = _TITLE_HEIGHT + index * (bar_height + gap)
        length = max(value, 0) / top * plot_width
        middle = y + bar_height / 2
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{_INK}">{escape(_short(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{escape(colour)}"><title>{escape(label)}: {_number(value)}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle" fill="{_INK}">{_number(value)}</text>'
        )
    return _svg(title, width, height, parts)


def column_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 260,
    colour: str = NHS_BLUE,
) -> Html:
    """A column per (label, value) along a time axis; labels thin out when crowded."""
    if not points:
        return _empty_chart(title, width)
    left, right, bottom = 48, 12, 40
    plot_top = _TITLE_HEIGHT + 8
    plot_height = height - plot_top - bottom
    plot_width = width - left - right
    ticks = nice_ticks(max(value for _, value in points))
    scale = plot_height / ticks[-1]
    parts = [_title(title)]
    for tick in ticks:
        y = plot_top + plot_height - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{left - 6}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{_INK}">{_number(tick)}</text>'
        )
    slot = plot_width / len(points)
    label_every = math.ceil(len(points) / max(plot_width // 56, 1))
    for index, (label, value) in enumerate(points):
        x = left + index * slot
        column = max(value, 0) * scale
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{plot_top + plot_height - column:.1f}" '
            f'width="{max(slot * 0.7, 1):.1f}" height="{column:.1f}" fill="{escape(colour)}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{plot_top + plot_height + 16}" '
                f'text-anchor="middle" fill="{_INK}">{escape(_short(label, 10))}</text>'
            )
    return _svg(title, width, height, parts)


def nice_ticks(maximum: float, count: int = 4) -> list[float]:
    """Round axis values from 0 to at least `maximum`: steps of 1, 2, 2.5 or 5 times 10^n.

    Counts (a whole-number maximum) get whole-number steps only.
    """
    if maximum <= 0:
        return [0, 1]
    raw_step = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    steps = [multiple * magnitude for multiple in (1, 2, 2.5, 5, 10)]
    if float(maximum).is_integer():
        steps = [step for step in steps if step >= 1 and float(step).is_integer()] or [1]
    step = next((step for step in steps if step >= raw_step), steps[-1])
    return [round(step * index, 12) for index in range(math.ceil(maximum / step) + 1)]


def _svg(title: str, width: int, height: int, parts: list[str]) -> Html:
    return Html(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _title(title: str) -> str:
    return (
        f'<text x="0" y="18" font-weight="600" font-size="14" fill="{_INK}">{escape(title)}</text>'
    )


def _empty_chart(title: str, width: int) -> Html:
    return _svg(
        title,
        width,
        _TITLE_HEIGHT + 30,
        [_title(title), f'<text x="0" y="{_TITLE_HEIGHT + 18}" fill="{_INK}">No data</text>'],
    )


def _short(label: str, limit: int = _MAX_LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
