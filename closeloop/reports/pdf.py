"""The building blocks of the PDF reports (reportlab), Chinese included: the font, the
paragraph styles, tables, headings and charts. The monthly report's pages are
`monthly_pdf`'s.

A CJK TrueType font is embedded when one is installed (Debian's fonts-wqy-microhei, or
`REPORT_PDF_FONT` in settings naming a .ttf/.ttc); otherwise reportlab's built-in
`STSong-Light` CID font is used, which readers show with their own Chinese font.
"""

from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.graphics import shapes
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Paragraph,
    Table,
    TableStyle,
)

from . import charts

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
EMBEDDED_NAME = "CloseloopCJK"
FALLBACK_NAME = "STSong-Light"
MARGIN = 16 * mm
HEADER_BG = colors.HexColor("#eef2f7")
RULE = colors.HexColor("#9ca3af")


@cache
def pdf_font() -> str:
    """The registered font's name: an installed CJK TrueType font, else the CID fallback."""
    configured = getattr(settings, "REPORT_PDF_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont(EMBEDDED_NAME, candidate, subfontIndex=0))
            except Exception:  # noqa: S112 - a broken or CFF-only font file: try the next one
                continue
            return EMBEDDED_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_NAME))
    return FALLBACK_NAME


def pdf_styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK", alignment=TA_LEFT
    )
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8.5, textColor=colors.grey),
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=5
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cell_latin": ParagraphStyle(
            "cell_latin", parent=base, fontSize=8.5, leading=11, wordWrap=None
        ),
        "num": ParagraphStyle("num", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "num_latin": ParagraphStyle(
            "num_latin", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT, wordWrap=None
        ),
    }


def chart_drawing(chart: charts.Chart, font: str, width: float) -> shapes.Drawing:
    """The chart's shapes as a reportlab drawing `width` wide (y flipped: PDF counts up)."""
    scale = min(1.0, width / chart.width)
    drawing = shapes.Drawing(chart.width * scale, chart.height * scale)
    group = shapes.Group()
    h = chart.height
    for shape in chart.shapes:
        if isinstance(shape, charts.Rect):
            group.add(
                shapes.Rect(
                    shape.x,
                    h - shape.y - shape.h,
                    shape.w,
                    shape.h,
                    fillColor=colors.HexColor(shape.fill),
                    strokeColor=None,
                )
            )
        elif isinstance(shape, charts.Line):
            group.add(
                shapes.Line(
                    shape.x1,
                    h - shape.y1,
                    shape.x2,
                    h - shape.y2,
                    strokeColor=colors.HexColor(shape.stroke),
                    strokeWidth=shape.width,
                )
            )
        elif isinstance(shape, charts.Path):
            points = [c for x, y in shape.points for c in (x, h - y)]
            group.add(
                shapes.PolyLine(
                    points, strokeColor=colors.HexColor(shape.stroke), strokeWidth=shape.width
                )
            )
        elif isinstance(shape, charts.Dot):
            group.add(
                shapes.Circle(
                    shape.x,
                    h - shape.y,
                    shape.r,
                    fillColor=colors.HexColor(shape.fill),
                    strokeColor=None,
                )
            )
        else:
            group.add(
                shapes.String(
                    shape.x,
                    h - shape.y,
                    shape.text,
                    fontName=font,
                    fontSize=shape.size,
                    fillColor=colors.HexColor(shape.fill),
                    textAnchor=shape.anchor,
                )
            )
    group.scale(scale, scale)
    drawing.add(group)
    return drawing


def pdf_table(
    header: list[str],
    rows: list[list[Any]],
    styles: dict[str, ParagraphStyle],
    widths: list[float],
    *,
    numeric_from: int = 99,
) -> Table:
    def cell(value: Any, column: int) -> Any:
        text = str(value)
        # CJK wrapping breaks anywhere, Latin words included: only for text that needs it.
        cjk = any(ord(c) >= 0x2E80 for c in text)
        name = ("num" if column >= numeric_from else "cell") + ("" if cjk else "_latin")
        return Paragraph(escape(text), styles[name])

    data = [[cell(h, i) for i, h in enumerate(header)]] + [
        [cell(v, i) for i, v in enumerate(row)] for row in rows
    ]
    table = Table(data, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    table.setStyle(TableStyle(commands))
    return table


def pdf_heading(title: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(escape(title), styles["h2"])
