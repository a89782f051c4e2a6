"""The monthly report as an XLSX workbook (openpyxl): one sheet per section, numbers as
numbers (rates as percentages) so people can sort and chart them further."""

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
BOLD = Font(bold=True)
PERCENT = "0.0%"
FORMATS = {"rate": PERCENT, "hours": "#,##0.00", "money": "#,##0.00", "count": "#,##0"}


def _sheet_name(text: str) -> str:
    # Excel forbids these characters in sheet names and allows 31 characters.
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


def _header(sheet: Worksheet, names: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(names))
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=sheet.max_row, column=index)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a string: a cell() here would add a row


def _format_column(sheet: Worksheet, column: int, number_format: str, first_row: int) -> None:
    for row in sheet.iter_rows(min_row=first_row, min_col=column, max_col=column):
        for cell in row:
            cell.number_format = number_format


def _cases(
    book: Workbook, title: str, section: dict[str, Any], extra: tuple[str, str], limit: int
) -> None:
    sheet = book.create_sheet(_sheet_name(title))
    heading, key = extra
    names = [_("Number"), _("Received on"), _("Subject"), _("Department"), _("Kind")]
    _header(sheet, [*names, heading, _("Status")], [18, 12, 40, 16, 12, 24, 12])
    for row in section["rows"]:
        sheet.append(
            [
                row["number"],
                str(row["received_on"]),
                row["subject"],
                row["department"],
                row["kind_label"],
                row[key],
                row["status_label"],
            ]
        )
    if section["count"] > len(section["rows"]):
        sheet.append([])
        sheet.append(
            [
                _("The first %(n)d of %(count)d are listed.")
                % {"n": limit, "count": section["count"]}
            ]
        )


def monthly_xlsx(display: dict[str, Any], *, organisation: str = "") -> bytes:
    """The report (as `display.monthly_display` prepares it) as XLSX bytes."""
    figures = display["figures"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_name(_("Key figures"))
    title = _("Monthly service report %(month)s") % {"month": display["month"]}
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    state = _("published") if display["state"] == "published" else _("draft")
    sheet.append(
        [
            " · ".join(
                part
                for part in (
                    organisation,
                    f"{figures['first_day']} – {figures['last_day']}",
                    state,
                    _("figures as of %(when)s") % {"when": display["computed_text"]},
                )
                if part
            )
        ]
    )
    sheet.append([])
    _header(
        sheet,
        [_("Indicator"), _("This month"), _("Previous month"), _("Same month last year")],
        [34, 14, 16, 22],
    )
    first = sheet.max_row + 1
    for row in display["summary"]:
        sheet.append([row["label"], row["value"], row["previous"], row["last_year"]])
        for column in (2, 3, 4):
            sheet.cell(row=sheet.max_row, column=column).number_format = FORMATS[row["kind"]]
    assert first <= sheet.max_row

    trend = book.create_sheet(_sheet_name(_("Trend")))
    volume_names = [pgettext("monthly report", "Received"), pgettext("monthly report", "Resolved")]
    rate_names = [_("Satisfaction rate"), _("On-time resolve rate")]
    _header(trend, [_("Month"), *volume_names, *rate_names], [10, 12, 12, 18, 20])
    for point in display["trend"]:
        trend.append(
            [
                point["month"],
                point["received"],
                point["resolved"],
                point["satisfaction_rate"],
                point["on_time_resolve_rate"],
            ]
        )
    last = trend.max_row
    for column in (4, 5):
        _format_column(trend, column, PERCENT, 2)
    volumes = BarChart()
    volumes.title = _("Received and resolved, last 12 months")
    volumes.add_data(
        Reference(trend, min_col=2, max_col=3, min_row=1, max_row=last), titles_from_data=True
    )
    volumes.set_categories(Reference(trend, min_col=1, min_row=2, max_row=last))
    volumes.width, volumes.height = 18, 7
    trend.add_chart(volumes, "G2")
    rates = LineChart()
    rates.title = _("Satisfaction and on-time resolve rate, last 12 months")
    rates.add_data(
        Reference(trend, min_col=4, max_col=5, min_row=1, max_row=last), titles_from_data=True
    )
    rates.set_categories(Reference(trend, min_col=1, min_row=2, max_row=last))
    rates.y_axis.number_format = "0%"
    rates.width, rates.height = 18, 7
    trend.add_chart(rates, "G18")

    ranking = book.create_sheet(_sheet_name(_("Department ranking")))
    _header(
        ranking,
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
        [8, 24, 12, 12, 20, 18, 10, 10],
    )
    for row in display["ranking"]:
        ranking.append(
            [
                row["rank"],
                row["label"],
                row["received"],
                row["resolved"],
                row["on_time_resolve_rate"],
                row["satisfaction_rate"],
                row["overdue"],
                row["reopened"],
            ]
        )
    for column in (5, 6):
        _format_column(ranking, column, PERCENT, 2)
    if display["unassigned"]:
        ranking.append([])
        ranking.append(
            [
                _("Not dispatched to a department (not ranked): %(n)d received.")
                % {"n": display["unassigned"]["received"]}
            ]
        )

    limit = display["list_limit"]
    _cases(book, _("Overdue cases"), display["overdue"], (_("Late"), "late_text"), limit)
    _cases(
        book,
        _("Reopened cases"),
        display["reopened"],
        (_("Satisfaction"), "satisfaction_label"),
        limit,
    )
    _cases(
        book,
        _("Crisis cases"),
        display["crisis"],
        (pgettext("monthly report", "Why"), "crisis_text"),
        limit,
    )

    typical = book.create_sheet(_sheet_name(_("Typical cases")))
    _header(
        typical,
        [_("Number"), _("Subject"), _("Department"), pgettext("monthly report", "Comment")],
        [18, 40, 16, 60],
    )
    for case in display["typical"]:
        typical.append([case["number"], case["subject"], case["department"], case["comment"]])

    actions = book.create_sheet(_sheet_name(_("Corrective actions")))
    actions.column_dimensions["A"].width = 100
    actions.append([_("Corrective actions")])
    actions["A1"].font = BOLD
    for line in display["corrective_actions"].splitlines():
        actions.append([line])
        actions.cell(row=actions.max_row, column=1).alignment = Alignment(wrap_text=True)

    book.properties.title = title
    book.properties.creator = "closeloop"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
