"""Charts (newsroom/charts.py): two drawings that scale to the column, labels that never
overlap and always show the latest point, escaped text."""

import re

import pytest

from shinbun.newsroom.charts import NARROW, WIDE, _text_width, chart_table, render_chart_svg

MONTHS = [f"{m}月" for m in range(1, 13)]
REGIONS = ["九州", "中国・四国", "近畿", "中部", "関東", "東北", "北海道"]
SIZES = ["大企業", "中堅企業", "中小企業", "小規模事業者"]
HALVES = [
    "2022年上期",
    "2022年下期",
    "2023年上期",
    "2023年下期",
    "2024年上期",
    "2024年下期",
    "2025年上期",
]


def chart(labels, kind="line", series=None):
    return {
        "type": kind,
        "unit": "%",
        "labels": labels,
        "series": series
        or [{"name": "実質賃金", "values": [i * 0.5 - 2 for i in range(len(labels))]}],
    }


def drawings(svg: str) -> dict[str, str]:
    found = dict(re.findall(r'(<svg [^>]*class="chart chart-(\w+)".*?</svg>)', svg, re.S))
    return {name: body for body, name in found.items()}


def x_labels(svg: str) -> list[tuple[float, list[str], int]]:
    """(centre, lines, font size) of the labels under the plot (the text anchored middle)."""
    found = re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" font-size="(\d+)"[^>]*>(.*?)</text>',
        svg,
    )
    return [
        (float(x), re.findall(r">([^<]+)</tspan>", body) or [body], int(size))
        for x, size, body in found
    ]


def label_width(lines: list[str], size: int) -> float:
    return max(_text_width(line, size) for line in lines)


def test_two_drawings_that_scale_to_the_column():
    svg = render_chart_svg(chart(MONTHS), title="実質賃金の推移")
    found = drawings(svg)
    assert set(found) == {"wide", "narrow"}
    for name, layout in (("wide", WIDE), ("narrow", NARROW)):
        tag = re.match(r"<svg [^>]*>", found[name]).group(0)
        assert f'viewBox="0 0 {layout.width} ' in tag
        assert " width=" not in tag and "min-width" not in tag  # the stylesheet sizes it
        assert 'role="img" aria-label="実質賃金の推移"' in tag


@pytest.mark.parametrize("labels", [MONTHS, HALVES, MONTHS[:3], REGIONS, SIZES])
@pytest.mark.parametrize("layout", [WIDE, NARROW])
def test_labels_never_overlap_and_the_latest_shows(labels, layout):
    svg = drawings(render_chart_svg(chart(labels)))[layout.name]
    shown = x_labels(svg)
    texts = ["".join(lines) for _, lines, _ in shown]
    assert texts[-1] == labels[-1]
    assert texts == [label for label in labels if label in texts]  # in order, whole
    for (x1, lines1, size1), (x2, lines2, size2) in zip(shown, shown[1:], strict=False):
        right = x1 + label_width(lines1, size1) / 2
        left = x2 - label_width(lines2, size2) / 2
        assert right < left, (lines1, lines2, right, left)
    for x, lines, size in shown:  # inside the drawing, and readable
        half = label_width(lines, size) / 2
        assert x - half >= 0 and x + half <= layout.width, lines
        assert size >= 11


@pytest.mark.parametrize("labels", [REGIONS, SIZES])
def test_categories_are_all_named_on_a_phone(labels):
    """Leaving out every other month is fine; leaving out 大企業 is not."""
    shown = x_labels(drawings(render_chart_svg(chart(labels, kind="bar")))["narrow"])
    assert ["".join(lines) for _, lines, _ in shown] == labels
    # a label too wide for one line is cut between phrases (小規模/事業者), others stay whole
    for _, lines, _ in shown:
        assert len(lines) == 1 or len("".join(lines)) > 3, lines
    if labels == SIZES:
        assert [lines for _, lines, _ in shown][2:] == [["中小企業"], ["小規模", "事業者"]]


def test_narrow_drawing_has_fewer_labels_for_many_points():
    svg = drawings(render_chart_svg(chart(MONTHS)))
    assert len(x_labels(svg["wide"])) == 12
    assert 4 <= len(x_labels(svg["narrow"])) <= 6


def test_legend_wraps_inside_the_narrow_drawing():
    series = [
        {"name": name, "values": [1, 2, 3]}
        for name in ("トラック運転手", "全職業の平均値", "タクシー運転手", "バス運転手")
    ]
    svg = drawings(render_chart_svg(chart(MONTHS[:3], kind="bar", series=series)))["narrow"]
    legend = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" font-size="15" fill="#222">([^<]*)<', svg)
    assert len(legend) == 4
    assert len({y for _, y, _ in legend}) > 1  # more than one row
    for x, _, name in legend:
        assert float(x) + _text_width(name, NARROW.font) <= NARROW.width


def test_labels_are_escaped_and_bad_data_draws_nothing():
    svg = render_chart_svg(chart(["<script>", "a&b", "3月"]), title='"><script>')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "a&amp;b" in svg
    assert render_chart_svg({"type": "pie"}) == ""


def test_the_data_as_a_table_for_screen_readers():
    table = chart_table(
        chart(
            ["2023年", "2024年", "2025年"],
            kind="bar",
            series=[
                {"name": "売上高", "values": [1234567, 2.5, -3.0]},
                {"values": [0, 0.125, 10]},
            ],
        )
    )
    assert table.unit == "%"
    assert table.series == ["売上高", ""]
    assert table.rows == [
        ("2023年", ["1,234,567", "0"]),  # digits grouped, never 1.23457e+06
        ("2024年", ["2.5", "0.125"]),
        ("2025年", ["-3", "10"]),
    ]
    assert chart_table({"type": "pie"}) is None


def test_the_figure_carries_its_table_escaped():
    from django.template.loader import render_to_string

    from shinbun.newsroom.models import Figure

    figure = Figure(
        key="wages",
        kind=Figure.Kind.CHART,
        title="実質賃金<b>",
        chart=chart(["<script>", "3月"]),
    )
    html = render_to_string("includes/figure.html", {"figure": figure, "hide_actions": True})
    table = re.search(r'<table class="chart-data">.*?</table>', html, re.S).group(0)
    assert '<th scope="row" lang="ja">&lt;script&gt;</th><td>-2</td>' in table
    assert '<th scope="row" lang="ja">3月</th><td>-1.5</td>' in table
    assert '<span lang="ja">実質賃金&lt;b&gt;</span>（単位：<span lang="ja">%</span>）' in table
    assert '<th scope="col" lang="ja">実質賃金</th>' in table
    assert "<script>" not in html
