"""The monthly report (月度通报): one month's figures, trend, ranking and case lists.

Every figure comes from `reports.indicators` (defined in docs/indicators.md); this module
only picks periods, ranks departments and lists the cases behind the counts. It writes one
thing: `MonthlyReport`, which keeps the figures as they were shown and what a supervisor
adds (typical cases, corrective actions). See docs/reports.md.
"""

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from closeloop.common.dates import EARLIEST, LATEST
from closeloop.common.errors import Conflict, NotAllowed, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.sla.labels import milestone_label
from closeloop.sla.models import Deadline, DeadlineState
from closeloop.tickets.choices import Channel, Kind, Satisfaction, Status
from closeloop.tickets.models import Ticket
from closeloop.tickets.selectors import ticket_get_for_user

from . import charts
from .indicators import (
    ON_TIME_MILESTONES,
    Period,
    cohort,
    indicators,
    overdue_q,
    period_of,
    satisfied_values,
)
from .models import MonthlyReport

# Cases listed per section; the count above each list is always the full number.
CASE_LIST_LIMIT = 200
TYPICAL_CASES_MAX = 20
COMMENT_MAX = 500
CORRECTIVE_ACTIONS_MAX = 10_000
TREND_MONTHS = 12
# Who may add typical cases and corrective actions, and publish.
EDITOR_ROLES = (Role.SUPERVISOR,)
# Who may open the report pages (all of them see every ticket).
READER_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.ADMIN)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """`YYYY-MM`, or a clear refusal."""
        match = _MONTH_RE.match(text.strip())
        if match is None or not 1 <= int(match[2]) <= 12:
            raise ValidationFailed(
                _("invalid month %(month)r: expected YYYY-MM, e.g. 2026-10") % {"month": text},
                details={"month": text},
            )
        month = cls(int(match[1]), int(match[2]))
        if not EARLIEST.year <= month.year <= LATEST.year:
            raise ValidationFailed(
                _("month must be between %(a)s and %(b)s") % {"a": EARLIEST, "b": LATEST},
                details={"month": text},
            )
        return month

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.shift(1).first_day - timedelta(days=1)

    def period(self) -> Period:
        return period_of(self.first_day, self.last_day)


def month_current(now: datetime) -> Month:
    return Month.of(timezone.localdate(now))


def _month_begun(month: Month, now: datetime) -> None:
    if month > month_current(now):
        raise ValidationFailed(
            _("%(month)s has not begun yet") % {"month": month}, details={"month": str(month)}
        )


def _month_over(month: Month, now: datetime) -> None:
    if month >= month_current(now):
        raise ValidationFailed(
            _("%(month)s is not over yet: its report can be saved from %(day)s")
            % {"month": month, "day": month.shift(1).first_day},
            details={"month": str(month)},
        )


# --------------------------------------------------------------------------- figures


def monthly_figures(user: User, month: Month, *, now: datetime) -> dict[str, Any]:
    """Everything computed in a month's report, as `user` may see it (JSON-ready)."""
    _month_begun(month, now)
    satisfied = satisfied_values()
    current = indicators(
        user, month.period(), group_by="department", satisfied_values=satisfied, with_previous=False
    )
    # The 12 months before, for the trend, the previous month and the same month last year.
    history = {
        str(m): indicators(user, m.period(), satisfied_values=satisfied, with_previous=False)
        for m in (month.shift(-back) for back in range(TREND_MONTHS, 0, -1))
    }
    history[str(month)] = current
    previous, last_year = history[str(month.shift(-1))], history[str(month.shift(-12))]
    tickets = cohort(user, month.period())
    figures = {
        "month": str(month),
        "first_day": month.first_day,
        "last_day": month.last_day,
        "computed_at": now,
        "complete": now >= month.period().end,
        "centre_wide": user.is_centre_staff,
        "totals": current["totals"],
        "on_time": current["on_time"],
        "previous": {
            "month": str(month.shift(-1)),
            "totals": previous["totals"],
            "on_time": previous["on_time"],
        },
        # "If present": a month without any ticket is a month before the system was used.
        "last_year": {
            "month": str(month.shift(-12)),
            "totals": last_year["totals"],
            "on_time": last_year["on_time"],
        }
        if last_year["totals"]["received"]
        else None,
        "trend": [
            _trend_point(name, history[name])
            for name in (str(month.shift(-back)) for back in range(TREND_MONTHS - 1, -1, -1))
        ],
        "departments": _departments(current["groups"]),
        "overdue_cases": _overdue_cases(tickets.filter(overdue_q())),
        "reopened_cases": _cases(tickets.filter(reopen_count__gt=0)),
        "crisis_cases": _cases(tickets.filter(crisis=True)),
    }
    # The same types whether read back from the database or computed now.
    result: dict[str, Any] = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
    return result


def _resolve_rate(on_time: dict[str, Any]) -> float | None:
    rate: float | None = on_time.get("resolve", {}).get("on_time_rate")
    return rate


def _trend_point(month: str, figures: dict[str, Any]) -> dict[str, Any]:
    totals = figures["totals"]
    return {
        "month": month,
        "received": totals["received"],
        "resolved": totals["resolved"],
        "satisfaction_rate": totals["satisfaction_rate"],
        "on_time_resolve_rate": _resolve_rate(figures["on_time"]),
    }


def _departments(groups: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The ranking (docs/indicators.md, "Department ranking") and the tickets no department
    held (the centre answered or declined them), which are not ranked."""
    rows = []
    unassigned = None
    for group in groups:
        row = {
            "key": group["key"],
            "label": group["label"],
            "received": group["received"],
            "resolved": group["resolved"],
            "on_time_resolve_rate": _resolve_rate(group["on_time"]),
            "satisfaction_rate": group["satisfaction_rate"],
            "overdue": group["overdue"],
            "reopened": group["reopened"],
        }
        if group["key"] is None:
            unassigned = row
        else:
            rows.append(row)
    return {"ranking": department_ranking(rows), "unassigned": unassigned}


def _rank_key(row: dict[str, Any]) -> tuple[float, float, int]:
    # Higher rates first; a department with nothing to rate on goes after those rated.
    on_time, satisfied = row["on_time_resolve_rate"], row["satisfaction_rate"]
    return (
        -on_time if on_time is not None else 1.0,
        -satisfied if satisfied is not None else 1.0,
        row["overdue"],
    )


def department_ranking(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank by on-time resolve rate, then satisfaction rate (both high first), then overdue
    count (low first); equal on all three share a rank (1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda r: (_rank_key(r), str(r["label"]), str(r["key"])))
    ranked: list[dict[str, Any]] = []
    for position, row in enumerate(ordered, start=1):
        tied = ranked and _rank_key(ranked[-1]) == _rank_key(row)
        ranked.append({**row, "rank": ranked[-1]["rank"] if tied else position})
    return ranked


CASE_FIELDS = (
    "id",
    "number",
    "subject",
    "department__name",
    "kind",
    "status",
    "received_at",
    "reopen_count",
    "satisfaction",
    "crisis_reasons",
)


def _case_rows(tickets: QuerySet[Ticket]) -> tuple[int, list[dict[str, Any]]]:
    # Plain values, never the customer: the report shows no identity to anyone.
    count = tickets.count()
    rows = list(tickets.order_by("received_at", "id").values(*CASE_FIELDS)[:CASE_LIST_LIMIT])
    for row in rows:
        row["department"] = row.pop("department__name") or ""
        row["received_on"] = timezone.localdate(row.pop("received_at"))
    return count, rows


def _cases(tickets: QuerySet[Ticket]) -> dict[str, Any]:
    count, rows = _case_rows(tickets)
    for row in rows:
        row.pop("id")
    return {"count": count, "rows": rows}


def _overdue_cases(tickets: QuerySet[Ticket]) -> dict[str, Any]:
    count, rows = _case_rows(tickets)
    late: dict[int, list[str]] = {}
    for ticket_id, milestone in (
        Deadline.objects.filter(
            ticket_id__in=[r["id"] for r in rows],
            state__in=[DeadlineState.OVERDUE, DeadlineState.MET_LATE],
        )
        .order_by("due_at", "id")
        .values_list("ticket_id", "milestone")
    ):
        if milestone not in late.setdefault(ticket_id, []):
            late[ticket_id].append(milestone)
    for row in rows:
        row["late_milestones"] = late.get(row.pop("id"), [])
    return {"count": count, "rows": rows}


# --------------------------------------------------------------------------- stored report


def monthly_report_get(month: Month) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(month=str(month)).first()


def monthly_report_data(user: User, month: Month, *, now: datetime) -> dict[str, Any]:
    """The report as `user` may read it: the stored one for centre staff once it exists,
    otherwise computed now with the user's visibility (a department sees its own tickets)."""
    report = monthly_report_get(month)
    if report is not None and user.is_centre_staff and report.figures:
        figures = report.figures
    else:
        figures = monthly_figures(user, month, now=now)
    typical = list(report.typical_cases) if report is not None else []
    if typical and not user.is_centre_staff:
        visible = set(
            Ticket.objects.visible_to(user)
            .filter(number__in=[c["number"] for c in typical])
            .values_list("number", flat=True)
        )
        typical = [c for c in typical if c["number"] in visible]
    return {
        "month": str(month),
        "report": report,
        "state": report.state if report is not None else None,
        "figures": figures,
        "typical_cases": typical,
        "corrective_actions": report.corrective_actions if report is not None else "",
    }


def _may_edit(user: User) -> None:
    if not user.has_role(*EDITOR_ROLES):
        raise NotAllowed(_("only a supervisor may edit the monthly report"))


def _editable(month: Month) -> MonthlyReport | None:
    report = MonthlyReport.objects.select_for_update().filter(month=str(month)).first()
    if report is not None and report.is_published:
        raise Conflict(
            _("the report for %(month)s is published and can no longer change") % {"month": month}
        )
    return report


def monthly_report_generate(
    month: Month, *, user: User, now: datetime, by: User | None = None
) -> MonthlyReport:
    """Create the month's draft, or compute the figures of a draft again. `user`'s visibility
    applies (centre staff: every ticket); `by` is who asked (None: the scheduler)."""
    if by is not None:
        _may_edit(by)
    _month_over(month, now)
    if not user.is_centre_staff:
        raise NotAllowed(
            _("the stored report covers the whole centre: generate it as centre staff")
        )
    figures = monthly_figures(user, month, now=now)
    with transaction.atomic():
        report = _editable(month)
        if report is None:
            try:
                with transaction.atomic():
                    return MonthlyReport.objects.create(
                        month=str(month), figures=figures, generated_at=now, generated_by=by
                    )
            except IntegrityError:  # two workers at once: the other one created it
                report = _editable(month)
                assert report is not None
        report.figures = figures
        report.generated_at = now
        report.generated_by = by
        report.save()
    return report


def monthly_report_update(
    month: Month,
    *,
    user: User,
    typical_cases: Sequence[tuple[str, str]],
    corrective_actions: str,
    now: datetime,
) -> MonthlyReport:
    """Set the typical cases (ticket number, comment) and the corrective actions of a draft
    (created with its figures if there is none yet)."""
    _may_edit(user)
    _month_over(month, now)
    picked = _typical_cases(user, typical_cases)
    if len(corrective_actions) > CORRECTIVE_ACTIONS_MAX:
        raise ValidationFailed(
            _("corrective actions: at most %(n)d characters") % {"n": CORRECTIVE_ACTIONS_MAX}
        )
    if monthly_report_get(month) is None:
        monthly_report_generate(month, user=user, now=now, by=user)
    with transaction.atomic():
        report = _editable(month)
        assert report is not None
        report.typical_cases = picked
        report.corrective_actions = corrective_actions.strip()
        report.save()
    return report


def _typical_cases(user: User, cases: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    picked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, comment in cases:
        number, comment = number.strip(), comment.strip()
        if not number:
            continue
        if number in seen:
            raise ValidationFailed(
                _("ticket %(number)s is picked twice") % {"number": number},
                details={"number": number},
            )
        if len(comment) > COMMENT_MAX:
            raise ValidationFailed(
                _("comment on %(number)s: at most %(n)d characters")
                % {"number": number, "n": COMMENT_MAX},
                details={"number": number},
            )
        seen.add(number)
        # NotFound for a number the supervisor may not see, as everywhere else.
        ticket = ticket_get_for_user(user, number)
        picked.append(
            {
                "number": ticket.number,
                "comment": comment,
                "subject": ticket.subject,
                "department": ticket.department.name if ticket.department else "",
                "kind": ticket.kind,
                "status": ticket.status,
            }
        )
    if len(picked) > TYPICAL_CASES_MAX:
        raise ValidationFailed(_("at most %(n)d typical cases") % {"n": TYPICAL_CASES_MAX})
    return picked


def monthly_report_publish(month: Month, *, user: User, now: datetime) -> MonthlyReport:
    """Freeze the report with its figures as of now and tell the leaders."""
    _may_edit(user)
    _month_over(month, now)
    report = monthly_report_generate(month, user=user, now=now, by=user)
    from closeloop.notifications.services import notify

    with transaction.atomic():
        report = _editable(month) or report
        report.state = MonthlyReport.State.PUBLISHED
        report.published_at = now
        report.published_by = user
        report.save()
        notify(
            report_leaders(),
            kind="monthly_report",
            text=_("The monthly report for %(month)s is published.") % {"month": month},
            key=f"monthly-published:{month}",
            now=now,
        )
    return report


def report_leaders() -> QuerySet[User]:
    return User.objects.filter(is_active=True, roles__role=Role.LEADER).distinct().order_by("id")


def report_user_default() -> User | None:
    """Whose visibility a report made without a person (CLI default, scheduler) uses."""
    return report_leaders().first()


# --------------------------------------------------------------------------- schedule


def monthly_generation_due(
    today: date, is_working_day: Callable[[date], bool], *, done: bool
) -> Month | None:
    """Last month, when `today` is the first working day of this month or later and its
    report is not done yet (a worker that was down on that day catches up the next)."""
    if done:
        return None
    day = today.replace(day=1)
    while day <= today:
        if is_working_day(day):
            return Month.of(today).shift(-1)
        day += timedelta(days=1)
    return None


def monthly_report_auto(now: datetime) -> MonthlyReport | None:
    """The scheduler's step: on the first working day of a month, generate last month's
    report and tell the leaders, once (`notified_at` and the outbox key make it so)."""
    from closeloop.notifications.services import notify
    from closeloop.policy.services import pack_active
    from closeloop.sla.services import calendar_for

    pack = pack_active()
    calendar = calendar_for({"business_hours": pack.business_hours, "tz": pack.timezone})
    today = now.astimezone(calendar.tz).date()
    last = Month.of(today).shift(-1)
    existing = monthly_report_get(last)
    month = monthly_generation_due(
        today,
        calendar.is_working_day,
        done=existing is not None and existing.notified_at is not None,
    )
    user = report_user_default()
    if month is None or user is None:
        return None
    report = existing or monthly_report_generate(month, user=user, now=now)
    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.notified_at is not None:
            return locked
        locked.notified_at = now
        locked.save(update_fields=["notified_at"])
        notify(
            report_leaders(),
            kind="monthly_report",
            text=_("The monthly report for %(month)s is ready: %(path)s")
            % {"month": month, "path": f"/reports/monthly/{month}/"},
            key=f"monthly:{month}",
            now=now,
        )
    return locked


# --------------------------------------------------------------------------- for people

# The key figures table: (name in the totals or on-time milestone, label, kind).
KEY_FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("received", pgettext_lazy("monthly report", "Received"), "count"),
    ("accepted", gettext_lazy("Accepted"), "count"),
    ("declined", gettext_lazy("Declined"), "count"),
    ("answered_on_the_spot", gettext_lazy("Answered on the spot"), "count"),
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
            "on_time_resolve_rate": _resolve_rate(group["on_time"]),
            "resolution_text": format_value(group["resolution_rate"], "rate"),
            "on_time_text": format_value(_resolve_rate(group["on_time"]), "rate"),
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


def monthly_reports_recent(limit: int = 24) -> list[MonthlyReport]:
    return list(
        MonthlyReport.objects.defer("figures").order_by("-month")[:limit]  # figures can be large
    )
