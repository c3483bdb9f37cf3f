"""Server-rendered SVG bar charts and the table that carries the same numbers."""

import re
import xml.etree.ElementTree as ET

import pytest

from awards.web.charts import BarChart, Series, nice_maximum

SVG = "{http://www.w3.org/2000/svg}"


def chart(**overrides) -> BarChart:
    values = dict(
        title="Cases per trend",
        description="Bar chart of cases per trend, by year.",
        labels=["Artificial intelligence", "Data <&> more"],
        series=[Series("2024", [1, 0]), Series("2025", [2, 4])],
        label_heading="Trend",
    )
    values.update(overrides)
    return BarChart(**values)


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (3, (3, 1)),
        (7, (8, 2)),
        (12, (15, 5)),
        (23, (25, 5)),
        (99, (100, 20)),
        (0.5, (0.5, 0.1)),
    ],
)
def test_axis_maximum_is_round(value, expected):
    maximum, step = nice_maximum(value)
    assert (maximum, step) == pytest.approx(expected)
    assert maximum >= value


def test_svg_is_accessible_well_formed_and_unstyled():
    svg = str(chart().svg())
    root = ET.fromstring(svg)  # well-formed, the text escaped
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Cases per trend" and desc.text.startswith("Bar chart")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in svg and "<script" not in svg
    bars = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert bars == [
        "Artificial intelligence, 2024: 1",
        "Artificial intelligence, 2025: 2",
        "Data <&> more, 2025: 4",
    ]  # a zero draws no bar
    texts = "".join(root.itertext())
    assert "2024" in texts and "2025" in texts  # the legend


def test_long_labels_wrap_then_shorten():
    svg = str(
        chart(labels=["The social contract is being renegotiated across the country", "Short"], label_chars=20).svg()
    )
    lines = [t.text for t in ET.fromstring(svg).iter(f"{SVG}tspan")]
    assert lines[:2] == ["The social contract", "is being renegotiat…"]
    assert lines[2] == "Short"
    assert all(len(line) <= 20 for line in lines)


def test_table_has_the_same_numbers_with_totals_and_links():
    html = str(chart(links=["/trends/ai", None]).table())
    assert '<caption class="govuk-table__caption govuk-table__caption--s">Cases per trend</caption>' in html
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', html) == ["Trend", "2024", "2025", "Total"]
    assert '<a class="govuk-link" href="/trends/ai">Artificial intelligence</a>' in html
    assert "Data &lt;&amp;&gt; more" in html
    assert re.findall(r'numeric">(\d+)</td>', html) == ["1", "2", "3", "0", "4", "4"]


def test_a_single_series_has_no_legend_or_total_column():
    single = chart(series=[Series("Cases", [3, 5])])
    assert "Total" not in str(single.table())
    assert 'width="16" height="16"' not in str(single.svg())


def test_series_must_match_the_labels():
    with pytest.raises(ValueError):
        chart(series=[Series("2025", [1])])
    assert chart(series=[Series("2025", [0, 0])]).empty
