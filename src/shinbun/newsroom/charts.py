"""Figures (図表) drawn as SVG from their data, so no uploaded markup reaches readers."""

import math
import unicodedata
from dataclasses import dataclass
from html import escape

from shinbun.core.phrases import phrases_of

PALETTE = ["#1d4f91", "#d9822b", "#3c8d5a", "#a23b72"]


class ChartError(ValueError):
    pass


def validate_chart(chart: dict) -> None:
    if not isinstance(chart, dict):
        raise ChartError("グラフのデータはオブジェクトで指定してください。")
    if chart.get("type") not in ("bar", "line"):
        raise ChartError("type は bar か line を指定してください。")
    labels = chart.get("labels")
    if not isinstance(labels, list) or not labels or len(labels) > 60:
        raise ChartError("labels は1〜60個の配列で指定してください。")
    series = chart.get("series")
    if not isinstance(series, list) or not 1 <= len(series) <= len(PALETTE):
        raise ChartError(f"series は1〜{len(PALETTE)}個の配列で指定してください。")
    for item in series:
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(values, list) or len(values) != len(labels):
            raise ChartError("各系列の values は labels と同じ数にしてください。")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise ChartError("values には数値だけを指定してください。")


def _nice_step(span: float) -> float:
    """A round axis step (1, 2, 2.5 or 5 times a power of ten) giving about four ticks."""
    raw = span / 4 if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: its width and plot height in SVG units and its font size.
    The page scales the drawing to the column, so the narrow one (for a phone) has fewer
    units per pixel and its labels stay readable."""

    name: str
    width: int
    plot_height: int
    font: int
    right: int = 16


WIDE = Layout("wide", width=640, plot_height=272, font=14)
NARROW = Layout("narrow", width=360, plot_height=200, font=15, right=12)
MIN_LABEL_FONT = 11


def _text_width(text: str, font: float) -> float:
    """About how wide a label is drawn: full-width characters one em, others 0.6 em."""
    return sum(font * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6) for c in text)


def _label_plan(labels: list[str], font: int, slot: float) -> tuple[int, int, list[list[str]]]:
    """How the labels under the plot are drawn: every n-th, at what size, in which lines.
    A sequence (years, months: labels with digits) is thinned, counted from the newest so
    the latest always shows; categories all show, smaller or on two lines if need be."""
    widest = max(_text_width(label, font) for label in labels)
    if widest <= slot - font * 0.6:
        return 1, font, [[label] for label in labels]
    if all(any(c.isdigit() for c in label) for label in labels):
        return math.ceil((widest + font * 0.6) / slot), font, [[label] for label in labels]
    for size in range(font, MIN_LABEL_FONT - 1, -1):
        room = slot - size * 0.3
        lines = [
            [label] if _text_width(label, size) <= room else _two_lines(label, size)
            for label in labels
        ]
        if all(_text_width(line, size) <= room for pair in lines for line in pair):
            break
    return 1, size, lines


def _two_lines(label: str, font: int) -> list[str]:
    """A label cut at the phrase boundary that gives the narrowest two lines; a single
    phrase stays whole."""
    parts = phrases_of(label)
    cuts = [["".join(parts[:k]), "".join(parts[k:])] for k in range(1, len(parts))]
    if not cuts:
        return [label]
    return min(cuts, key=lambda pair: max(_text_width(line, font) for line in pair))


@dataclass(frozen=True)
class ChartTable:
    """A chart's numbers as a table, for readers who do not see the drawing (screen
    readers): one row per label, one column per series."""

    unit: str
    series: list[str]
    rows: list[tuple[str, list[str]]]


def chart_table(chart: dict) -> ChartTable | None:
    """The chart's data as rows of written numbers (「1,234.5」); None for data that does
    not validate (nothing is drawn then either)."""
    try:
        validate_chart(chart)
    except ChartError:
        return None
    series = chart["series"]
    return ChartTable(
        unit=str(chart.get("unit", "")),
        series=[str(item.get("name", "")) for item in series],
        rows=[
            (str(label), [_written(item["values"][index]) for item in series])
            for index, label in enumerate(chart["labels"])
        ],
    )


def _written(value: float) -> str:
    """A value as a reader writes it: digits grouped, no exponent, no trailing 「.0」."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def render_chart_svg(chart: dict, title: str = "") -> str:
    """The chart as two SVG drawings, wide and narrow; the stylesheet shows the one that
    fits the column. Empty for data that does not validate."""
    try:
        validate_chart(chart)
    except ChartError:
        return ""
    return _draw(chart, title, WIDE) + _draw(chart, title, NARROW)


def _draw(chart: dict, title: str, layout: Layout) -> str:
    font, width = layout.font, layout.width
    labels = [str(label) for label in chart["labels"]]
    series = chart["series"]
    unit_text = str(chart.get("unit", ""))
    unit = escape(unit_text)
    values = [v for s in series for v in s["values"]]
    if chart["type"] == "bar":
        low, high = min(0, *values), max(0, *values)  # bars grow from zero
    else:
        low, high = min(values), max(values)  # lines show the change, not the level
        pad = (high - low) * 0.1 or abs(high) * 0.1 or 1
        low, high = low - pad, high + pad
    step = _nice_step(high - low)
    low = step * (low // step)
    high = step * -(-high // step) if high > low else low + step
    ticks = []
    tick = low
    while tick <= high + step / 1000:
        ticks.append(round(tick, 6))
        tick += step

    # Legend rows on top (wrapped to the width), then the unit, then the plot.
    legend = []
    if len(series) > 1 or series[0].get("name"):
        x, row = 4.0, 0
        for s_index, item in enumerate(series):
            name = str(item.get("name", ""))
            item_width = 12 + 6 + _text_width(name, font) + 16
            if x > 4 and x + item_width > width - layout.right:
                x, row = 4.0, row + 1
            legend.append((x, row, s_index, name))
            x += item_width
    legend_rows = legend[-1][1] + 1 if legend else 0
    top = 8 + legend_rows * (font + 8) + font + 20
    left = max(_text_width(_fmt(t), font) for t in ticks) + 12
    plot_w = width - left - layout.right
    slot = plot_w / len(labels)
    every, label_font, label_lines = _label_plan(labels, font, slot)
    line_height = label_font + 3
    bottom = max(len(lines) for lines in label_lines) * line_height + 14
    height = top + layout.plot_height + bottom

    def y(value: float) -> float:
        return top + layout.plot_height * (high - value) / (high - low)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart chart-{layout.name}" '
        "font-family=\"'Hiragino Sans','Noto Sans CJK JP',sans-serif\">",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{left:.1f}" x2="{width - layout.right}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{"#888" if tick == 0 else "#e3e3e3"}"/>'
            f'<text x="{left - 6:.1f}" y="{ty + font * 0.3:.1f}" text-anchor="end" '
            f'font-size="{font}" fill="#555">{_fmt(tick)}</text>'
        )
    if unit:
        parts.append(f'<text x="4" y="{top - 16}" font-size="{font}" fill="#555">({unit})</text>')
    for index, lines in enumerate(label_lines):
        if (len(labels) - 1 - index) % every:
            continue
        half = max(_text_width(line, label_font) for line in lines) / 2
        cx = min(max(left + slot * (index + 0.5), half + 2), width - half - 2)
        text = escape(lines[0])
        if len(lines) > 1:
            text = "".join(
                f'<tspan x="{cx:.1f}" dy="{line_height if n else 0}">{escape(line)}</tspan>'
                for n, line in enumerate(lines)
            )
        parts.append(
            f'<text x="{cx:.1f}" y="{top + layout.plot_height + label_font + 6}" '
            f'text-anchor="middle" font-size="{label_font}" fill="#333">{text}</text>'
        )
    if chart["type"] == "bar":
        bar_width = slot * 0.7 / len(series)
        for s_index, item in enumerate(series):
            color = PALETTE[s_index]
            for index, value in enumerate(item["values"]):
                x = left + slot * index + slot * 0.15 + bar_width * s_index
                bar_top, bar_bottom = sorted((y(value), y(0)))
                parts.append(
                    f'<rect x="{x:.1f}" y="{bar_top:.1f}" width="{bar_width:.1f}" '
                    f'height="{max(bar_bottom - bar_top, 0.5):.1f}" fill="{color}">'
                    f"<title>{escape(labels[index])}: {_fmt(value)}{unit}</title></rect>"
                )
    else:
        for s_index, item in enumerate(series):
            color = PALETTE[s_index]
            points = [(left + slot * (i + 0.5), y(v)) for i, v in enumerate(item["values"])]
            parts.append(
                '<polyline points="'
                + " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
                + f'" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
            parts.extend(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                f"<title>{escape(labels[i])}: {_fmt(item['values'][i])}{unit}</title></circle>"
                for i, (px, py) in enumerate(points)
            )
    for x, row, s_index, name in legend:
        ly = 8 + row * (font + 8)
        parts.append(
            f'<rect x="{x:.1f}" y="{ly + 2}" width="12" height="12" fill="{PALETTE[s_index]}"/>'
            f'<text x="{x + 18:.1f}" y="{ly + font - 1}" font-size="{font}" fill="#222">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
