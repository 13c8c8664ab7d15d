"""The report building blocks: SVG charts and HTML pages that cannot carry markup from chats."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bot.reporting import charts, html

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_horizontal_bars_are_proportional_to_their_values():
    svg = charts.horizontal_bar_chart([("a", 10), ("b", 5), ("c", 0)], title="Ranking")
    widths = [float(rect.get("width")) for rect in parse_svg(svg).iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0


def test_labels_are_escaped_and_long_ones_shortened():
    label = '<b>Dr & Mrs "Long"</b> ' + "x" * 60
    svg = charts.horizontal_bar_chart([(label, 3)], title="Authors <top>")
    root = parse_svg(svg)
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "Authors <top>" in texts
    assert any(text and text.endswith("…") and text.startswith("<b>Dr") for text in texts)
    assert "<b>" not in svg


def test_a_column_chart_has_a_column_per_point_and_thins_crowded_labels():
    points = [(f"2024-{month:02d}", month) for month in range(1, 13)] * 5
    svg = charts.column_chart(points, title="By month", width=400)
    root = parse_svg(svg)
    assert len(list(root.iter(f"{SVG}rect"))) == 60
    axis_labels = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("2024")]
    assert 0 < len(axis_labels) < 60


def test_empty_charts_say_no_data():
    for svg in (
        charts.horizontal_bar_chart([], title="Nothing"),
        charts.column_chart([], title="Nothing"),
    ):
        assert "No data" in svg
        parse_svg(svg)


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (7, [0, 2, 4, 6, 8]),
        (9, [0, 5, 10]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (100, [0, 25, 50, 75, 100]),
        (0, [0, 1]),
        (0.5, [0, 0.2, 0.4, 0.6]),
    ],
)
def test_nice_ticks(maximum: float, ticks: list[float]):
    assert charts.nice_ticks(maximum) == ticks


def test_escape_leaves_html_alone_and_escapes_everything_else():
    assert html.escape("<a href='x'>") == "&lt;a href=&#x27;x&#x27;&gt;"
    assert html.escape(html.Html("<b>ok</b>")) == "<b>ok</b>"
    assert html.join(["<", html.Html("<br>"), 5]) == "&lt;<br>5"


def test_a_page_is_self_contained_and_forbids_scripts_and_fetches():
    page = html.page(
        "Report <1>",
        html.section("Part", html.paragraph("x < y"), html.table(["A"], [["<i>"]])),
        subtitle="for <you>",
        footer="end",
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page
    assert "<title>Report &lt;1&gt;</title>" in page
    assert "<td>&lt;i&gt;</td>" in page
    assert "<script" not in page
    assert not re.search(r"(?:src|href)=", page)


def test_css_classes_from_text_are_made_safe():
    assert html.css_class_name('remove" onclick="x') == "remove-onclick-x"
    assert html.badge("hold") == '<span class="badge hold">hold</span>'
