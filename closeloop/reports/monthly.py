"""The monthly report (月度通报): one month's figures, trend, ranking and case lists.

Every figure comes from `reports.indicators` (defined in docs/indicators.md); this module
only picks periods, ranks departments and lists the cases behind the counts. It writes one
thing: `MonthlyReport`, which keeps the figures as they were shown and what a supervisor
adds (typical cases, corrective actions). How people see them is `display`'s (the page, the
PDF, the workbook). See docs/reports.md.
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
from django.utils.translation import gettext as _

from closeloop.care.receptions import reception_month
from closeloop.common.dates import EARLIEST, LATEST
from closeloop.common.errors import Conflict, NotAllowed, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.sla.models import Deadline
from closeloop.tickets.models import Ticket
from closeloop.tickets.selectors import ticket_get_for_user
from closeloop.workflow.deadlines import DeadlineState

from .indicators import Period, cohort, indicators, overdue_q, period_of, satisfied_values
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
        # 接待日: sessions held (and not held, for a holiday) and the visits received at them.
        "receptions": reception_month(tickets, month.first_day, month.last_day),
    }
    # The same types whether read back from the database or computed now.
    result: dict[str, Any] = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
    return result


def on_time_resolve_rate(on_time: dict[str, Any]) -> float | None:
    rate: float | None = on_time.get("resolve", {}).get("on_time_rate")
    return rate


def _trend_point(month: str, figures: dict[str, Any]) -> dict[str, Any]:
    totals = figures["totals"]
    return {
        "month": month,
        "received": totals["received"],
        "resolved": totals["resolved"],
        "satisfaction_rate": totals["satisfaction_rate"],
        "on_time_resolve_rate": on_time_resolve_rate(figures["on_time"]),
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
            "on_time_resolve_rate": on_time_resolve_rate(group["on_time"]),
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
    from closeloop.sla.notices import calendar_for

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


def monthly_reports_recent(limit: int = 24) -> list[MonthlyReport]:
    return list(
        MonthlyReport.objects.defer("figures").order_by("-month")[:limit]  # figures can be large
    )
