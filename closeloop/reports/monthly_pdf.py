"""The monthly report as a PDF: one function per part of the report, in the order it is
printed, on the building blocks of `pdf`."""

import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from . import charts
from .display import monthly_charts
from .pdf import MARGIN, chart_drawing, pdf_font, pdf_heading, pdf_styles, pdf_table


def monthly_pdf(display: dict[str, Any], *, organisation: str = "") -> bytes:
    """The report (as `display.monthly_display` prepares it) as PDF bytes."""
    font = pdf_font()
    styles = pdf_styles(font)
    buffer = io.BytesIO()
    published = display["state"] == "published"
    title = _("Monthly service report %(month)s") % {"month": display["month"]}
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
    pictures = monthly_charts(display["figures"])
    story: list[Flowable] = [
        *_title_part(display, title, organisation, published, styles),
        *_key_figures_part(display, styles, width),
        *_trend_part(display, pictures, styles, font, width),
        *_ranking_part(display, pictures, styles, font, width),
        *_case_lists_part(display, styles, width),
        *_receptions_part(display, styles, width),
        *_typical_part(display, styles, width),
        *_corrective_actions_part(display, styles),
    ]
    decorate = _page_decoration(font, f"closeloop · {title}", "" if published else _("DRAFT"))
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _title_part(
    display: dict[str, Any],
    title: str,
    organisation: str,
    published: bool,
    styles: dict[str, ParagraphStyle],
) -> list[Flowable]:
    """The title, the month's facts, and what the figures leave out."""
    figures = display["figures"]
    story: list[Flowable] = [Paragraph(escape(title), styles["title"])]
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
    return story


def _key_figures_part(
    display: dict[str, Any], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    story: list[Flowable] = [pdf_heading(_("Key figures"), styles)]
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
        pdf_table(
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
    if display["figures"]["last_year"] is None:
        story.append(
            Paragraph(escape(_("No tickets in the same month last year.")), styles["muted"])
        )
    return story


def _trend_part(
    display: dict[str, Any],
    pictures: list[charts.Chart],
    styles: dict[str, ParagraphStyle],
    font: str,
    width: float,
) -> list[Flowable]:
    """The two 12-month charts and the trend table."""
    story: list[Flowable] = [pdf_heading(_("Trend over the last 12 months"), styles)]
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
        pdf_table(
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
    return story


def _ranking_part(
    display: dict[str, Any],
    pictures: list[charts.Chart],
    styles: dict[str, ParagraphStyle],
    font: str,
    width: float,
) -> list[Flowable]:
    """The department ranking, the tickets no department held, and the ranking's chart."""
    block = [pdf_heading(_("Department ranking"), styles), *_ranking_table(display, styles, width)]
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
    story: list[Flowable] = [KeepTogether(block)]
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
    return story


def _ranking_table(
    display: dict[str, Any], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    ranking = display["ranking"]
    if not ranking:
        return [Paragraph(escape(_("No department held a ticket.")), styles["muted"])]
    table = pdf_table(
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
    note = _("Ranked by on-time resolve rate, then satisfaction rate, then fewest overdue tickets.")
    return [table, Paragraph(escape(note), styles["muted"])]


def _case_lists_part(
    display: dict[str, Any], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    limit = display["list_limit"]
    story = _cases(
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
    return story


def _receptions_part(
    display: dict[str, Any], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    """接待日: only for a centre whose pack declares reception sessions."""
    rows = display.get("receptions") or []
    if not rows:
        return []
    return [
        pdf_heading(_("Reception days"), styles),
        pdf_table(
            [_("Reception"), _("Sessions held"), _("Not held"), _("Visits received")],
            [[r["name"], str(r["held"]), r["not_held_text"], str(r["visits"])] for r in rows],
            styles,
            [width * f for f in (0.3, 0.15, 0.4, 0.15)],
        ),
    ]


def _typical_part(
    display: dict[str, Any], styles: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    story: list[Flowable] = [pdf_heading(_("Typical cases"), styles)]
    if display["typical"]:
        story.append(
            pdf_table(
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
    return story


def _corrective_actions_part(
    display: dict[str, Any], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    story: list[Flowable] = [pdf_heading(_("Corrective actions"), styles)]
    text = display["corrective_actions"].strip()
    if text:
        for paragraph in text.splitlines():
            if paragraph.strip():
                story.append(Paragraph(escape(paragraph), styles["body"]))
    else:
        story.append(Paragraph(escape(_("None written.")), styles["muted"]))
    return story


def _page_decoration(font: str, footer: str, mark: str) -> Callable[[Any, Any], None]:
    """What every page carries: the footer, the page number, and the draft mark if any."""

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

    return decorate


def _cases(
    title: str,
    section: dict[str, Any],
    extra: tuple[str, str],
    limit: int,
    styles: dict[str, ParagraphStyle],
    width: float,
) -> list[Flowable]:
    heading, key = extra
    out: list[Flowable] = [pdf_heading(f"{title} ({section['count']})", styles)]
    if not section["rows"]:
        out.append(Paragraph(escape(_("None.")), styles["muted"]))
        return out
    rows = [
        [r["number"], r["subject"], r["department"] or "—", r[key] or "—", r["status_label"]]
        for r in section["rows"]
    ]
    out.append(
        pdf_table(
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
