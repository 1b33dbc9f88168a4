"""Server-side SVG charts with Chinese labels: no JavaScript, no CDN, they print and work offline.

Each function returns ``Markup`` to put inline in a page; every label is escaped here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC','Source Han Sans SC',sans-serif"
PALETTE = ("#1f5fa8", "#e07b24", "#2e9d5b", "#b83b5e", "#7a5cc4", "#6b7a8f")
STATUS_COLOURS = ("#2e9d5b", "#e0a424", "#c0392b", "#5b8fd1", "#adb5bd")


@dataclass(frozen=True)
class HeatCell:
    ratio: float | None  # score / max in [0, 1]; None = not scored (or an indicator worth 0)
    text: str
    tooltip: str


def _text_width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _svg(width: float, height: float, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _label(x: float, y: float, text: str, anchor: str = "start", size: int = 12, extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'dominant-baseline="middle"{extra}>{escape(text)}</text>')


def bar_chart(items: Sequence[tuple[str, float]], max_value: float, title: str, unit: str = "分") -> Markup:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    label_width = max((_text_width(label, 12) for label, _ in items), default=40) + 12
    bar_area, row, top = 420, 26, 30
    width = label_width + bar_area + 70
    height = top + row * len(items) + 10
    body = [_label(width / 2, 14, title, "middle", 14, ' font-weight="bold"')]
    for index, (label, value) in enumerate(items):
        y = top + index * row
        length = bar_area * (value / max_value) if max_value else 0
        body.append(_label(label_width - 8, y + row / 2 - 2, label, "end"))
        body.append(f'<rect x="{label_width:.1f}" y="{y + 3:.1f}" width="{length:.1f}" height="{row - 10}" '
                    f'fill="{PALETTE[0]}"><title>{escape(label)}：{value:g}{unit}</title></rect>')
        body.append(_label(label_width + length + 6, y + row / 2 - 2, f"{value:g}{unit}"))
    return _svg(width, height, body, title)


def _legend(names: Sequence[str], colours: Sequence[str], x: float, y: float) -> list[str]:
    parts, offset = [], x
    for name, colour in zip(names, colours):
        parts.append(f'<rect x="{offset:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_label(offset + 16, y, name))
        offset += 16 + _text_width(name, 12) + 18
    return parts


def grouped_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str) -> Markup:
    """Vertical bars grouped by category; values are percentages (0–100)."""
    bar, gap, plot_height, left, top = 16, 26, 200, 44, 52
    group_width = bar * len(series) + gap
    width = max(left + group_width * len(categories) + 20, 480)
    height = top + plot_height + 40
    body = [_label(width / 2, 14, title, "middle", 14, ' font-weight="bold"')]
    body += _legend([name for name, _ in series], PALETTE, left, 34)
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_height * (1 - tick / 100)
        body.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        body.append(_label(left - 6, y, f"{tick}%", "end", 10))
    for c_index, category in enumerate(categories):
        x0 = left + gap / 2 + c_index * group_width
        for s_index, (name, values) in enumerate(series):
            value = values[c_index]
            h = plot_height * value / 100
            body.append(f'<rect x="{x0 + s_index * bar:.1f}" y="{top + plot_height - h:.1f}" width="{bar - 2}" '
                        f'height="{h:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                        f'<title>{escape(category)} · {escape(name)}：{value:.1f}%</title></rect>')
        body.append(_label(x0 + bar * len(series) / 2, top + plot_height + 16, category, "middle"))
    return _svg(width, height, body, title)


def _heat_colour(ratio: float | None) -> str:
    if ratio is None:
        return "#e9ecef"
    # red (0) → amber → green (1)
    hue = 120 * max(0.0, min(1.0, ratio))
    return f"hsl({hue:.0f},65%,{72 - 12 * ratio:.0f}%)"


HEAT_CELL_WIDTH, HEAT_CELL_HEIGHT = 30, 24


def heat_row(label: str, cells: Sequence[HeatCell]) -> str:
    """One row of a heat map drawn at the origin — its label left of x = 0, its cells to the right —
    so that a row drawn once serves wherever the row lands in a later map."""
    cell_w, cell_h = HEAT_CELL_WIDTH, HEAT_CELL_HEIGHT
    parts = [_label(-8, cell_h / 2, label, "end")]
    for c_index, cell in enumerate(cells):
        x = c_index * cell_w
        parts.append(f'<rect x="{x}" y="0" width="{cell_w - 1}" height="{cell_h - 1}" '
                     f'fill="{_heat_colour(cell.ratio)}"><title>{escape(cell.tooltip)}</title></rect>')
        parts.append(_label(x + cell_w / 2, cell_h / 2, cell.text, "middle", 10))
    return "".join(parts)


def heat_map(row_labels: Sequence[str], column_labels: Sequence[str], rows: Sequence[str], title: str) -> Markup:
    """A grid coloured by score / max, from rows drawn by heat_row; grey cells are not scored yet."""
    cell_w, cell_h, top = HEAT_CELL_WIDTH, HEAT_CELL_HEIGHT, 50
    left = max((_text_width(label, 12) for label in row_labels), default=40) + 14
    width = left + cell_w * len(column_labels) + 10
    height = top + cell_h * len(row_labels) + 34
    body = [_label(width / 2, 14, title, "middle", 14, ' font-weight="bold"')]
    for index, label in enumerate(column_labels):
        body.append(_label(left + index * cell_w + cell_w / 2, top - 10, label, "middle", 11))
    for r_index, row in enumerate(rows):
        body.append(f'<g transform="translate({left:.0f},{top + r_index * cell_h})">{row}</g>')
    legend_y = top + cell_h * len(row_labels) + 18
    body += _legend(["0%", "50%", "100%", "未评/待定"],
                    [_heat_colour(0), _heat_colour(0.5), _heat_colour(1), _heat_colour(None)], left, legend_y)
    return _svg(width, height, body, title)


def stacked_bars(items: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], title: str) -> Markup:
    """Horizontal bars split into counts per series (e.g. the reply status of each target's requests)."""
    label_width = max((_text_width(label, 12) for label, _ in items), default=40) + 12
    bar_area, row, top = 440, 26, 52
    width = label_width + bar_area + 60
    height = top + row * len(items) + 10
    biggest = max((sum(values) for _, values in items), default=0) or 1
    body = [_label(width / 2, 14, title, "middle", 14, ' font-weight="bold"')]
    body += _legend(series, STATUS_COLOURS, label_width, 34)
    for index, (label, values) in enumerate(items):
        y, x = top + index * row, label_width
        body.append(_label(label_width - 8, y + row / 2 - 2, label, "end"))
        for s_index, value in enumerate(values):
            length = bar_area * value / biggest
            if value:
                body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 10}" '
                            f'fill="{STATUS_COLOURS[s_index % len(STATUS_COLOURS)]}">'
                            f'<title>{escape(label)} · {escape(series[s_index])}：{value}</title></rect>')
                body.append(_label(x + length / 2, y + row / 2 - 2, str(value), "middle", 10,
                                   ' fill="#fff"'))
            x += length
        body.append(_label(x + 6, y + row / 2 - 2, f"共{sum(values)}"))
    return _svg(width, height, body, title)
