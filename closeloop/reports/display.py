"""The monthly report and the indicators page for people: figures formatted, labels in the
reader's language, and the charts. What the page, the PDF, the workbook and the command line
show, prepared once from the figures `monthly` computes (nothing here reads the database).
"""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from closeloop.sla.labels import milestone_label
from closeloop.tickets.choices import Channel, Kind, Satisfaction
from closeloop.workflow.statuses import Status

from . import charts
from .indicators import ON_TIME_MILESTONES
from .monthly import CASE_LIST_LIMIT, on_time_resolve_rate

# The key figures table: (name in the totals or on-time milestone, label, kind).
KEY_FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("received", pgettext_lazy("monthly report", "Received"), "count"),
    ("accepted", gettext_lazy("Accepted"), "count"),
    ("declined", gettext_lazy("Declined"), "count"),
    ("answered_on_the_spot", gettext_lazy("Answered on the spot"), "count"),
    ("answered_from_knowledge", gettext_lazy("Answered from the knowledge base"), "count"),
    ("resolved", pgettext_lazy("monthly report", "Resolved"), "count"),
    ("open", gettext_lazy("Still open"), "count"),
    ("resolution_rate", gettext_lazy("Resolution rate"), "rate"),
    ("on_time:accept", gettext_lazy("On-time acceptance rate"), "rate"),
    ("on_time:resolve", gettext_lazy("On-time resolve rate"), "rate"),
    ("first_contact_resolution_rate", gettext_lazy("First-contact resolution rate"), "rate"),
    ("return_visit_rate", gettext_lazy("Return-visit rate"), "rate"),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"), "rate"),
    ("reopen_rate", gettext_lazy("Reopen rate"), "rate"),
    ("valid_share", gettext_lazy("Valid complaint share"), "rate"),
    ("overdue", gettext_lazy("Overdue"), "count"),
    ("escalated", gettext_lazy("Escalated"), "count"),
    ("supervised", gettext_lazy("Supervision orders"), "count"),
    ("crisis", gettext_lazy("Crisis"), "count"),
    ("handling_hours_avg", gettext_lazy("Average handling time (h)"), "hours"),
    ("handling_hours_p90", gettext_lazy("90% handling time (h)"), "hours"),
    ("compensation_paid", gettext_lazy("Compensation paid (yuan)"), "money"),
)

# What each key figure counts, for the reader of the page (the same as docs/indicators.md).
DEFINITIONS: dict[str, Any] = {
    "received": gettext_lazy("Tickets received in the period (merged duplicates not counted)."),
    "accepted": gettext_lazy("Received and accepted, or answered on the spot."),
    "declined": gettext_lazy("Received and declined (不予受理)."),
    "answered_on_the_spot": gettext_lazy("Answered during the first contact, with no transfer."),
    "answered_from_knowledge": gettext_lazy("Answered on the spot with a knowledge-base article."),
    "resolved": gettext_lazy("Resolved or closed now."),
    "open": gettext_lazy("Not yet resolved, declined or merged."),
    "resolution_rate": gettext_lazy("Resolved ÷ accepted."),
    "on_time:accept": gettext_lazy(
        "Acceptance deadlines met on time ÷ those met or missed (running ones not counted)."
    ),
    "on_time:resolve": gettext_lazy(
        "Resolve deadlines met on time ÷ those met or missed (running ones not counted)."
    ),
    "first_contact_resolution_rate": gettext_lazy("Resolved and never reopened ÷ resolved."),
    "return_visit_rate": gettext_lazy("Resolved with a return-visit result ÷ resolved."),
    "satisfaction_rate": gettext_lazy(
        "Satisfied (and basically satisfied where the pack counts it so) ÷ visited."
    ),
    "reopen_rate": gettext_lazy("Reopened at least once ÷ resolved."),
    "valid_share": gettext_lazy("Found valid ÷ found valid or invalid, on resolving."),
    "overdue": gettext_lazy("With a deadline met late or still overdue."),
    "escalated": gettext_lazy("With an escalation of the pack fired."),
    "supervised": gettext_lazy("With a supervision order (督办)."),
    "crisis": gettext_lazy("Carrying the crisis flag."),
    "handling_hours_avg": gettext_lazy(
        "Average business hours from arrival to the (last) resolution, on the pack's calendar."
    ),
    "handling_hours_p90": gettext_lazy("Nine in ten were resolved within this many hours."),
    "compensation_paid": gettext_lazy("Sum of the compensation recorded on resolving, in yuan."),
}


def figure_value(block: dict[str, Any] | None, name: str) -> Any:
    if not block:
        return None
    if name.startswith("on_time:"):
        return block.get("on_time", {}).get(name.split(":", 1)[1], {}).get("on_time_rate")
    return block["totals"].get(name)


def format_moment(text: str) -> str:
    """A stored ISO moment in the centre's time zone, to the minute."""
    moment = parse_datetime(text)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else text


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind in ("hours", "money"):
        return f"{value:,.2f}"
    return f"{value:,}"


def format_change(value: Any, before: Any, kind: str) -> str:
    """The change from `before`: counts as a difference, rates in percentage points."""
    if value is None or before is None:
        return "—"
    if kind == "rate":
        points = (value - before) * 100
        return f"{points:+.1f} pt" if points else "±0"
    delta = value - before
    if not delta:
        return "±0"
    return f"{delta:+,.2f}" if kind in ("hours", "money") else f"{delta:+,}"


def summary_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per key figure: this month, the previous month, the change, last year."""
    rows = []
    for name, label, kind in KEY_FIGURES:
        value = figure_value(figures, name)
        before = figure_value(figures["previous"], name)
        last_year = figure_value(figures.get("last_year"), name)
        rows.append(
            {
                "name": name,
                "label": str(label),
                "definition": str(DEFINITIONS.get(name, "")),
                "kind": kind,
                "value": value,
                "previous": before,
                "last_year": last_year,
                "value_text": format_value(value, kind),
                "previous_text": format_value(before, kind),
                "change_text": format_change(value, before, kind),
                "last_year_text": format_value(last_year, kind)
                if figures.get("last_year") is not None
                else "—",
                "last_year_change_text": format_change(value, last_year, kind),
            }
        )
    return rows


def group_label(group_by: str | None, key: Any, label: Any) -> str:
    """A group's name for people: choices translated, a missing department or category
    named as such."""
    if key is None:
        missing = {"department": _("not dispatched"), "category": _("no category")}
        return missing.get(group_by or "", _("none"))
    if group_by == "kind":
        return _choice_label(Kind, key)
    if group_by == "channel":
        return _choice_label(Channel, key)
    return str(label or key)


def indicators_display(result: dict[str, Any]) -> dict[str, Any]:
    """`indicators()` of any period, prepared for the indicators page."""
    group_by = result["group_by"]
    figures = {
        "totals": result["totals"],
        "on_time": result["on_time"],
        "previous": result.get("previous"),
        "last_year": None,
    }
    groups = [
        {
            **group,
            "name": group_label(group_by, group["key"], group["label"]),
            "on_time_resolve_rate": on_time_resolve_rate(group["on_time"]),
            "resolution_text": format_value(group["resolution_rate"], "rate"),
            "on_time_text": format_value(on_time_resolve_rate(group["on_time"]), "rate"),
            "satisfaction_text": format_value(group["satisfaction_rate"], "rate"),
            "hours_text": format_value(group["handling_hours_avg"], "hours"),
        }
        for group in result["groups"]
    ]
    pictures: list[charts.Chart] = []
    if groups:
        names = [g["name"] for g in groups]
        pictures.append(
            charts.bars(
                names,
                [
                    (pgettext("monthly report", "Received"), [g["received"] for g in groups]),
                    (pgettext("monthly report", "Resolved"), [g["resolved"] for g in groups]),
                ],
                title=_("Received and resolved"),
            )
        )
        pictures.append(
            charts.bars(
                names,
                [
                    (_("On-time resolve rate"), [g["on_time_resolve_rate"] for g in groups]),
                    (_("Satisfaction rate"), [g["satisfaction_rate"] for g in groups]),
                ],
                title=_("On-time resolve and satisfaction rate"),
                percent=True,
            )
        )
    on_time = [
        {
            "milestone": milestone,
            "label": milestone_label(milestone),
            **result["on_time"][milestone],
            "rate_text": format_value(result["on_time"][milestone]["on_time_rate"], "rate"),
        }
        for milestone in ON_TIME_MILESTONES
        if milestone in result["on_time"]
    ]
    return {
        "summary": summary_rows(figures),
        "groups": groups,
        "on_time": on_time,
        "charts": pictures,
    }


def _choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def case_rows(section: dict[str, Any]) -> list[dict[str, Any]]:
    """A case list with labels in the reader's language."""
    rows = []
    for row in section["rows"]:
        rows.append(
            {
                **row,
                "kind_label": _choice_label(Kind, row["kind"]),
                "status_label": _choice_label(Status, row["status"]),
                "satisfaction_label": _choice_label(Satisfaction, row["satisfaction"])
                if row.get("satisfaction")
                else "",
                "late_text": "、".join(milestone_label(m) for m in row.get("late_milestones", [])),
                "crisis_text": "; ".join(row.get("crisis_reasons") or []),
            }
        )
    return rows


def typical_rows(cases: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **case,
            "kind_label": _choice_label(Kind, case["kind"]),
            "status_label": _choice_label(Status, case["status"]),
        }
        for case in cases
    ]


def ranking_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "on_time_text": format_value(row["on_time_resolve_rate"], "rate"),
            "satisfaction_text": format_value(row["satisfaction_rate"], "rate"),
        }
        for row in figures["departments"]["ranking"]
    ]


def trend_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            **point,
            "satisfaction_text": format_value(point["satisfaction_rate"], "rate"),
            "on_time_text": format_value(point["on_time_resolve_rate"], "rate"),
        }
        for point in figures["trend"]
    ]


def reception_rows(receptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The month's reception sessions: held, not held (the days and why) and visits."""
    return [
        {
            **r,
            "not_held_text": "、".join(f"{n['day'][5:]} {n['why']}" for n in r["not_held"]) or "—",
        }
        for r in receptions
    ]


def monthly_display(data: dict[str, Any]) -> dict[str, Any]:
    """What the page, the PDF and the workbook show, prepared once."""
    figures = data["figures"]
    return {
        **data,
        "computed_text": format_moment(figures["computed_at"]),
        "summary": summary_rows(figures),
        "trend": trend_rows(figures),
        "ranking": ranking_rows(figures),
        "unassigned": figures["departments"]["unassigned"],
        "overdue": {
            "count": figures["overdue_cases"]["count"],
            "rows": case_rows(figures["overdue_cases"]),
        },
        "reopened": {
            "count": figures["reopened_cases"]["count"],
            "rows": case_rows(figures["reopened_cases"]),
        },
        "crisis": {
            "count": figures["crisis_cases"]["count"],
            "rows": case_rows(figures["crisis_cases"]),
        },
        "receptions": reception_rows(figures.get("receptions") or []),
        "typical": typical_rows(data["typical_cases"]),
        "list_limit": CASE_LIST_LIMIT,
    }


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def monthly_charts(figures: dict[str, Any]) -> list[charts.Chart]:
    """The report's pictures: the 12-month volumes and rates, and the ranking."""
    trend = figures["trend"]
    months = [point["month"][2:] for point in trend]  # "26-10": twelve fit across a page
    result = [
        charts.columns(
            months,
            [
                (pgettext("monthly report", "Received"), [_num(p["received"]) for p in trend]),
                (pgettext("monthly report", "Resolved"), [_num(p["resolved"]) for p in trend]),
            ],
            title=_("Received and resolved, last 12 months"),
        ),
        charts.lines(
            months,
            [
                (_("Satisfaction rate"), [_num(p["satisfaction_rate"]) for p in trend]),
                (_("On-time resolve rate"), [_num(p["on_time_resolve_rate"]) for p in trend]),
            ],
            title=_("Satisfaction and on-time resolve rate, last 12 months"),
        ),
    ]
    ranking = figures["departments"]["ranking"]
    if ranking:
        result.append(
            charts.bars(
                [str(r["label"]) for r in ranking],
                [
                    (_("On-time resolve rate"), [_num(r["on_time_resolve_rate"]) for r in ranking]),
                    (_("Satisfaction rate"), [_num(r["satisfaction_rate"]) for r in ranking]),
                ],
                title=_("Departments: on-time resolve and satisfaction rate"),
                percent=True,
            )
        )
    return result
