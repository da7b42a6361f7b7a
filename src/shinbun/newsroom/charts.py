"""Figures (図表) drawn as SVG from their data, so no uploaded markup reaches readers."""

import math
from html import escape

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 48
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


def render_chart_svg(chart: dict, title: str = "") -> str:
    try:
        validate_chart(chart)
    except ChartError:
        return ""
    labels = [str(label) for label in chart["labels"]]
    series = chart["series"]
    unit = escape(str(chart.get("unit", "")))
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
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    slot = plot_w / len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart" '
        "font-family=\"'Hiragino Sans','Noto Sans CJK JP',sans-serif\">",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]
    tick = low
    while tick <= high + step / 1000:
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{"#888" if tick == 0 else "#e3e3e3"}"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="14" '
            f'fill="#555">{_fmt(round(tick, 6))}</text>'
        )
        tick += step
    if unit:
        parts.append(
            f'<text x="{LEFT - 6}" y="{TOP - 14}" text-anchor="end" font-size="14" '
            f'fill="#555">({unit})</text>'
        )
    every = max(1, len(labels) // 12)
    for index, label in enumerate(labels):
        if index % every == 0:
            cx = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="14" fill="#333">{escape(label)}</text>'
            )
    if chart["type"] == "bar":
        width = slot * 0.7 / len(series)
        for s_index, item in enumerate(series):
            color = PALETTE[s_index]
            for index, value in enumerate(item["values"]):
                x = LEFT + slot * index + slot * 0.15 + width * s_index
                top, bottom = sorted((y(value), y(0)))
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
                    f'height="{max(bottom - top, 0.5):.1f}" fill="{color}">'
                    f"<title>{escape(labels[index])}: {_fmt(value)}{unit}</title></rect>"
                )
    else:
        for s_index, item in enumerate(series):
            color = PALETTE[s_index]
            points = " ".join(
                f"{LEFT + slot * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(item["values"])
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
    if len(series) > 1 or series[0].get("name"):
        for s_index, item in enumerate(series):
            lx = LEFT + 8 + s_index * 150
            parts.append(
                f'<rect x="{lx}" y="{TOP - 30}" width="12" height="12" fill="{PALETTE[s_index]}"/>'
                f'<text x="{lx + 18}" y="{TOP - 19}" font-size="14" fill="#222">'
                f"{escape(str(item.get('name', '')))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
