"""Small charts drawn on the server: bars, columns and lines as plain shapes.

A chart is a list of shapes on a canvas whose origin is the top left (as in SVG). `to_svg`
writes it as inline SVG for the pages (no script, works offline and in print); the PDF draws
the same shapes with reportlab (`reports.pdf`). So both show the same picture.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

# Distinct in colour and in grey print; the legend names each series too.
PALETTE = ("#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#0891b2")
AXIS, GRID, INK, MUTED = "#6b7280", "#e5e7eb", "#111827", "#6b7280"
FONT_SIZE = 11.0


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Path:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = FONT_SIZE
    anchor: str = "start"  # start, middle, end
    fill: str = INK


Shape = Rect | Line | Path | Dot | Text


@dataclass
class Chart:
    width: float
    height: float
    title: str
    shapes: list[Shape] = field(default_factory=list)


Series = Sequence[tuple[str, Sequence[float | None]]]


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """About how wide `text` is: CJK characters are square, Latin ones about half."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.56 for c in text)


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def nice_max(value: float, steps: int = 4) -> float:
    """An axis end above `value` whose `steps` ticks are round numbers (1, 2, 3 or 5 × 10ⁿ,
    whole numbers from 1 up, so counts never get ticks like 1.25)."""
    if value <= 0:
        return float(steps)
    raw = value / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 3, 5, 10) if raw <= m * power)
    return float(max(1.0, step) * steps)


def _tick_text(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _legend(chart: Chart, names: Sequence[str], x: float, y: float) -> None:
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        chart.shapes.append(Rect(x, y - 9, 10, 10, colour))
        chart.shapes.append(Text(x + 14, y, name, size=FONT_SIZE))
        x += 14 + text_width(name) + 16


def _value_axis(
    chart: Chart, left: float, top: float, right: float, bottom: float, top_value: float, pct: bool
) -> None:
    steps = 4
    for i in range(steps + 1):
        value = top_value * i / steps
        y = bottom - (bottom - top) * i / steps
        chart.shapes.append(Line(left, y, right, y, GRID if i else AXIS))
        chart.shapes.append(
            Text(left - 6, y + 4, _tick_text(value, pct), size=10, anchor="end", fill=MUTED)
        )


def _framed(
    categories: Sequence[str],
    series: Series,
    title: str,
    width: float,
    height: float,
    percent: bool,
) -> tuple[Chart, tuple[float, float, float, float, float]]:
    """A chart with its legend and value axis drawn; returns it with (left, top, bottom,
    the axis's top value, the width of one category's slot)."""
    chart = Chart(width, height, title)
    left, right, top, bottom = 48.0, width - 8, 28.0, height - 24
    values = [v for _name, vs in series for v in vs if v is not None]
    top_value = 1.0 if percent else nice_max(max(values, default=0))
    _legend(chart, [name for name, _vs in series], left, 14)
    _value_axis(chart, left, top, right, bottom, top_value, percent)
    slot = (right - left) / max(1, len(categories))
    return chart, (left, top, bottom, top_value, slot)


def columns(
    categories: Sequence[str],
    series: Series,
    *,
    title: str,
    width: float = 640,
    height: float = 240,
    percent: bool = False,
) -> Chart:
    """Vertical bars, one group per category (months, say), one bar per series."""
    chart, frame = _framed(categories, series, title, width, height, percent)
    left, top, bottom, top_value, slot = frame
    bar = slot * 0.7 / max(1, len(series))
    for c, category in enumerate(categories):
        x0 = left + slot * c + slot * 0.15
        for s, (name, vs) in enumerate(series):
            value = vs[c]
            if value is None:
                continue
            h = (bottom - top) * value / top_value
            chart.shapes.append(
                Rect(
                    x0 + bar * s,
                    bottom - h,
                    bar,
                    h,
                    PALETTE[s % len(PALETTE)],
                    f"{category} {name}: {_tick_text(value, percent)}",
                )
            )
        chart.shapes.append(
            Text(left + slot * (c + 0.5), height - 8, fit(category, slot), size=10, anchor="middle")
        )
    return chart


def lines(
    categories: Sequence[str],
    series: Series,
    *,
    title: str,
    width: float = 640,
    height: float = 220,
    percent: bool = True,
) -> Chart:
    """One line per series over the categories; a missing value breaks the line."""
    chart, frame = _framed(categories, series, title, width, height, percent)
    left, top, bottom, top_value, slot = frame
    for c, category in enumerate(categories):
        chart.shapes.append(
            Text(left + slot * (c + 0.5), height - 8, fit(category, slot), size=10, anchor="middle")
        )
    for s, (name, vs) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        run: list[tuple[float, float]] = []
        for c, value in enumerate([*vs, None]):
            if value is None:
                if len(run) > 1:
                    chart.shapes.append(Path(tuple(run), colour))
                run = []
                continue
            point = (left + slot * (c + 0.5), bottom - (bottom - top) * value / top_value)
            run.append(point)
            chart.shapes.append(
                Dot(*point, 3, colour, f"{categories[c]} {name}: {_tick_text(value, percent)}")
            )
    return chart


def bars(
    labels: Sequence[str],
    series: Series,
    *,
    title: str,
    width: float = 640,
    percent: bool = False,
    row_height: float = 22,
) -> Chart:
    """Horizontal bars, one row per label (departments, categories: long names fit)."""
    height = 40 + row_height * max(1, len(labels)) + 20
    chart = Chart(width, height, title)
    label_width = min(180.0, max((text_width(label) for label in labels), default=40) + 8)
    left, right, top, bottom = label_width + 8, width - 56, 28.0, height - 20
    values = [v for _name, vs in series for v in vs if v is not None]
    top_value = 1.0 if percent else nice_max(max(values, default=0))
    _legend(chart, [name for name, _vs in series], left, 14)
    steps = 4
    for i in range(steps + 1):
        x = left + (right - left) * i / steps
        chart.shapes.append(Line(x, top, x, bottom, GRID if i else AXIS))
        chart.shapes.append(
            Text(x, height - 6, _tick_text(top_value * i / steps, percent), size=10,
                 anchor="middle", fill=MUTED)
        )  # fmt: skip
    bar = (row_height - 6) / max(1, len(series))
    for r, label in enumerate(labels):
        y0 = top + row_height * r + 3
        chart.shapes.append(
            Text(left - 6, y0 + row_height / 2 + 1, fit(label, label_width), anchor="end")
        )
        for s, (name, vs) in enumerate(series):
            value = vs[r]
            if value is None:
                continue
            w = (right - left) * value / top_value
            colour = PALETTE[s % len(PALETTE)]
            text = _tick_text(value, percent) if percent else f"{value:,.0f}"
            chart.shapes.append(Rect(left, y0 + bar * s, w, bar - 1, colour, f"{label} {name}"))
            chart.shapes.append(Text(left + w + 4, y0 + bar * s + bar - 3, text, size=9))
    return chart


# --------------------------------------------------------------------------- SVG


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def to_svg(chart: Chart) -> str:
    """Inline SVG markup; every text is escaped."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_n(chart.width)} {_n(chart.height)}" '
        f'width="{_n(chart.width)}" height="{_n(chart.height)}" '
        f'font-family="sans-serif"><title>{escape(chart.title)}</title>'
    ]
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            tip = f"<title>{escape(shape.title)}</title>" if shape.title else ""
            out.append(
                f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" '
                f'height="{_n(shape.h)}" fill="{shape.fill}">{tip}</rect>'
            )
        elif isinstance(shape, Line):
            out.append(
                f'<line x1="{_n(shape.x1)}" y1="{_n(shape.y1)}" x2="{_n(shape.x2)}" '
                f'y2="{_n(shape.y2)}" stroke="{shape.stroke}" stroke-width="{_n(shape.width)}"/>'
            )
        elif isinstance(shape, Path):
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in shape.points)
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
                f'stroke-width="{_n(shape.width)}"/>'
            )
        elif isinstance(shape, Dot):
            tip = f"<title>{escape(shape.title)}</title>" if shape.title else ""
            out.append(
                f'<circle cx="{_n(shape.x)}" cy="{_n(shape.y)}" r="{_n(shape.r)}" '
                f'fill="{shape.fill}">{tip}</circle>'
            )
        else:
            out.append(
                f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}" '
                f'text-anchor="{shape.anchor}" fill="{shape.fill}">{escape(shape.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
