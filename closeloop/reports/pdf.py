"""The monthly report as a PDF (reportlab), Chinese included.

A CJK TrueType font is embedded when one is installed (Debian's fonts-wqy-microhei, or
`REPORT_PDF_FONT` in settings naming a .ttf/.ttc); otherwise reportlab's built-in
`STSong-Light` CID font is used, which readers show with their own Chinese font.
"""

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics import shapes
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import charts
from .monthly import monthly_charts

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


def _styles(font: str) -> dict[str, ParagraphStyle]:
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


def _table(
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


def _section(title: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(escape(title), styles["h2"])


def _cases(
    title: str,
    section: dict[str, Any],
    extra: tuple[str, str],
    limit: int,
    styles: dict[str, ParagraphStyle],
    width: float,
) -> list[Flowable]:
    heading, key = extra
    out: list[Flowable] = [_section(f"{title} ({section['count']})", styles)]
    if not section["rows"]:
        out.append(Paragraph(escape(_("None.")), styles["muted"]))
        return out
    rows = [
        [r["number"], r["subject"], r["department"] or "—", r[key] or "—", r["status_label"]]
        for r in section["rows"]
    ]
    out.append(
        _table(
            [_("Number"), _("Subject"), _("Department"), heading, _("Status")],
            rows,
            styles,
            [width * f for f in (0.2, 0.34, 0.16, 0.18, 0.12)],
        )
    )
    if section["count"] > len(section["rows"]):
        out.append(
            Paragraph(
                escape(
                    _("The first %(n)d of %(count)d are listed; the ledger has them all.")
                    % {"n": limit, "count": section["count"]}
                ),
                styles["muted"],
            )
        )
    return out


def monthly_pdf(display: dict[str, Any], *, organisation: str = "") -> bytes:
    """The report (as `monthly.monthly_display` prepares it) as PDF bytes."""
    font = pdf_font()
    styles = _styles(font)
    buffer = io.BytesIO()
    month = display["month"]
    published = display["state"] == "published"
    title = _("Monthly service report %(month)s") % {"month": month}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=organisation or "closeloop",
        subject=title,
        creator="closeloop",
    )
    width = A4[0] - 2 * MARGIN
    figures = display["figures"]
    story: list[Flowable] = []

    story.append(Paragraph(escape(title), styles["title"]))
    facts = [
        organisation,
        f"{figures['first_day']} – {figures['last_day']}",
        _("published") if published else _("draft"),
        _("figures as of %(when)s") % {"when": display["computed_text"]},
    ]
    story.append(Paragraph(escape(" · ".join(f for f in facts if f)), styles["muted"]))
    if not figures["complete"]:
        story.append(
            Paragraph(escape(_("The month is not over: figures so far.")), styles["muted"])
        )
    if not figures["centre_wide"]:
        story.append(
            Paragraph(
                escape(_("Only the tickets this person may see are counted.")), styles["muted"]
            )
        )

    story.append(_section(_("Key figures"), styles))
    rows = [
        [
            r["label"],
            r["value_text"],
            r["previous_text"],
            r["change_text"],
            r["last_year_text"],
        ]
        for r in display["summary"]
    ]
    story.append(
        _table(
            [
                _("Indicator"),
                _("This month"),
                _("Previous month"),
                pgettext("monthly report", "Change"),
                _("Same month last year"),
            ],
            rows,
            styles,
            [width * f for f in (0.36, 0.16, 0.16, 0.14, 0.18)],
            numeric_from=1,
        )
    )
    if figures["last_year"] is None:
        story.append(
            Paragraph(escape(_("No tickets in the same month last year.")), styles["muted"])
        )

    pictures = monthly_charts(figures)
    story.append(_section(_("Trend over the last 12 months"), styles))
    for chart in pictures[:2]:
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(chart.title), styles["small"]),
                    chart_drawing(chart, font, width),
                    Spacer(1, 4),
                ]
            )
        )
    story.append(
        _table(
            [
                _("Month"),
                pgettext("monthly report", "Received"),
                pgettext("monthly report", "Resolved"),
                _("Satisfaction rate"),
                _("On-time resolve rate"),
            ],
            [
                [
                    p["month"],
                    p["received"],
                    p["resolved"],
                    p["satisfaction_text"],
                    p["on_time_text"],
                ]
                for p in display["trend"]
            ],
            styles,
            [width * f for f in (0.2, 0.2, 0.2, 0.2, 0.2)],
            numeric_from=1,
        )
    )

    ranking = display["ranking"]
    block: list[Flowable] = [_section(_("Department ranking"), styles)]
    if ranking:
        block.append(
            _table(
                [
                    _("Rank"),
                    _("Department"),
                    pgettext("monthly report", "Received"),
                    pgettext("monthly report", "Resolved"),
                    _("On-time resolve rate"),
                    _("Satisfaction rate"),
                    _("Overdue"),
                    _("Reopened"),
                ],
                [
                    [
                        r["rank"],
                        r["label"],
                        r["received"],
                        r["resolved"],
                        r["on_time_text"],
                        r["satisfaction_text"],
                        r["overdue"],
                        r["reopened"],
                    ]
                    for r in ranking
                ],
                styles,
                [width * f for f in (0.06, 0.22, 0.1, 0.1, 0.14, 0.14, 0.11, 0.13)],
                numeric_from=2,
            )
        )
        block.append(
            Paragraph(
                escape(
                    _(
                        "Ranked by on-time resolve rate, then satisfaction rate, then fewest "
                        "overdue tickets."
                    )
                ),
                styles["muted"],
            )
        )
    else:
        block.append(Paragraph(escape(_("No department held a ticket.")), styles["muted"]))
    unassigned = display["unassigned"]
    if unassigned:
        block.append(
            Paragraph(
                escape(
                    _("Not dispatched to a department (not ranked): %(n)d received.")
                    % {"n": unassigned["received"]}
                ),
                styles["muted"],
            )
        )
    story.append(KeepTogether(block))
    if len(pictures) > 2:
        story.append(Spacer(1, 6))
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(pictures[2].title), styles["small"]),
                    chart_drawing(pictures[2], font, width),
                ]
            )
        )

    limit = display["list_limit"]
    story += _cases(
        _("Overdue cases"), display["overdue"], (_("Late"), "late_text"), limit, styles, width
    )
    story += _cases(
        _("Reopened cases"),
        display["reopened"],
        (_("Satisfaction"), "satisfaction_label"),
        limit,
        styles,
        width,
    )
    story += _cases(
        _("Crisis cases"),
        display["crisis"],
        (pgettext("monthly report", "Why"), "crisis_text"),
        limit,
        styles,
        width,
    )

    story.append(_section(_("Typical cases"), styles))
    if display["typical"]:
        story.append(
            _table(
                [_("Number"), _("Subject"), _("Department"), pgettext("monthly report", "Comment")],
                [
                    [c["number"], c["subject"], c["department"] or "—", c["comment"]]
                    for c in display["typical"]
                ],
                styles,
                [width * f for f in (0.2, 0.3, 0.15, 0.35)],
            )
        )
    else:
        story.append(Paragraph(escape(_("None picked.")), styles["muted"]))

    story.append(_section(_("Corrective actions"), styles))
    text = display["corrective_actions"].strip()
    if text:
        for paragraph in text.splitlines():
            if paragraph.strip():
                story.append(Paragraph(escape(paragraph), styles["body"]))
    else:
        story.append(Paragraph(escape(_("None written.")), styles["muted"]))

    footer = f"closeloop · {title}"
    mark = "" if published else _("DRAFT")

    def decorate(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, MARGIN / 2, footer)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, str(document.page))
        if mark:
            canvas.setFillColor(colors.HexColor("#dc2626"))
            canvas.drawRightString(A4[0] - MARGIN, A4[1] - MARGIN / 2, mark)
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
